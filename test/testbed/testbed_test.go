//go:build linux

package testbed_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cbsdgo/cbsd/test/testbed"
)

// TestBed boots two guests and checks every part of the testbed on them:
// commands, the guest network, isolation and killing a node.
func TestBed(t *testing.T) {
	// fixed content: the image is cached by the content of its inputs
	payload := filepath.Join(t.TempDir(), "payload")
	want := "testbed payload\nline 2\n"
	if err := os.WriteFile(payload, []byte(want), 0o644); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	bed := testbed.Start(t, testbed.Config{
		Nodes: 2,
		Image: testbed.ImageSpec{Files: []testbed.File{{Src: payload, Dst: "/usr/share/tb/payload"}}},
	})
	t.Logf("image and two nodes ready in %s on %s", time.Since(start).Round(time.Millisecond), bed.Subnet())
	n1, n2 := bed.Node(1), bed.Node(2)

	t.Run("Exec", func(t *testing.T) { testExec(t, n1, want) })
	t.Run("Network", func(t *testing.T) { testNetwork(t, bed) })
	t.Run("IsolateReconnect", func(t *testing.T) { testIsolate(t, n1, n2) })
	t.Run("Kill", func(t *testing.T) { testKill(t, n1, n2) })
}

// runcScript runs a container from a busybox bundle with plain runc run,
// which needs a root that pivot_root accepts.
const runcScript = `set -e
mkdir -p /b/rootfs/bin /b/rootfs/proc /b/rootfs/dev /b/rootfs/sys
cp /bin/busybox /b/rootfs/bin/
cd /b
runc spec
sed -i 's/"terminal": true/"terminal": false/; s/"sh"/"busybox","echo","hi from runc"/' config.json
runc run t1`

func testExec(t *testing.T, n *testbed.Node, payload string) {
	ctx := context.Background()
	tests := []struct {
		name       string
		argv       []string
		wantOut    string
		wantExit   int
		wantStderr string
	}{
		{"multi-line", []string{"sh", "-c", "printf 'a\\nb\\n\\nc'"}, "a\nb\n\nc", 0, ""},
		{"exit code", []string{"sh", "-c", "echo out; echo err >&2; exit 7"}, "out\n", 7, "err\n"},
		{"signal", []string{"sh", "-c", "kill -9 $$"}, "", 137, ""},
		{"hostname", []string{"hostname"}, n.Name() + "\n", 0, ""},
		{"host file", []string{"cat", "/usr/share/tb/payload"}, payload, 0, ""},
		{"runc and its libraries", []string{"sh", "-c", "runc --version | head -1 | cut -d' ' -f1-2"}, "runc version\n", 0, ""},
		{"runc run", []string{"sh", "-c", runcScript}, "hi from runc\n", 0, ""},
		{"nfs modules", []string{"sh", "-c", "modprobe nfsv4 && modprobe nfsd && grep -cE '^(nfs|nfsv4|nfsd) ' /proc/modules"}, "3\n", 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := n.Exec(ctx, testbed.Cmd{Argv: tt.argv})
			if err != nil {
				t.Fatal(err)
			}
			if string(res.Stdout) != tt.wantOut || res.Exit != tt.wantExit || string(res.Stderr) != tt.wantStderr {
				t.Errorf("got stdout %q exit %d stderr %q, want %q %d %q", res.Stdout, res.Exit, res.Stderr, tt.wantOut, tt.wantExit, tt.wantStderr)
			}
		})
	}
	t.Run("binary round trip", func(t *testing.T) {
		data := make([]byte, 1<<20)
		for i := range data {
			data[i] = byte(i * 7)
		}
		res, err := n.Exec(ctx, testbed.Cmd{Argv: []string{"cat"}, Stdin: data})
		if err != nil || !bytes.Equal(res.Stdout, data) {
			t.Fatalf("cat of 1 MiB: %d bytes back, err %v", len(res.Stdout), err)
		}
	})
	t.Run("missing program", func(t *testing.T) {
		if _, _, err := n.Run(ctx, "/no/such/program"); err == nil {
			t.Error("no error for a program that does not exist")
		}
	})
	t.Run("cancel", func(t *testing.T) {
		cctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
		defer cancel()
		begin := time.Now()
		_, _, err := n.Run(cctx, "sh", "-c", "sleep 30; echo late")
		if !errors.Is(err, context.DeadlineExceeded) || time.Since(begin) > 5*time.Second {
			t.Fatalf("Run with a 0.5s deadline: %v after %s", err, time.Since(begin))
		}
		waitFor(t, "the cancelled sleep to be killed", 10*time.Second, func() bool {
			out, _, _ := n.Run(ctx, "sh", "-c", "pgrep -f 'sleep 30' || true")
			return strings.TrimSpace(out) == ""
		})
	})
	t.Run("concurrent", func(t *testing.T) {
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Go(func() {
				out, exit, err := n.Run(ctx, "sh", "-c", fmt.Sprintf("sleep 0.$((RANDOM %% 5)); echo %d", i))
				if err != nil || exit != 0 || out != fmt.Sprintf("%d\n", i) {
					t.Errorf("command %d: %q exit %d err %v", i, out, exit, err)
				}
			})
		}
		wg.Wait()
	})
}

// testNetwork serves a file from node1 and fetches it from node2 and
// from the host.
func testNetwork(t *testing.T, bed *testbed.Bed) {
	n1, n2 := bed.Node(1), bed.Node(2)
	content := "served by node1\n" + hex.EncodeToString([]byte(rand.Text())) + "\n"
	if err := n1.WriteFile(context.Background(), "/www/f", []byte(content), 0o644); err == nil {
		t.Fatal("WriteFile into a missing directory succeeded")
	}
	n1.Sh(t, "mkdir -p /www")
	if err := n1.WriteFile(context.Background(), "/www/f", []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	// busybox httpd forks into the background before it binds
	n1.Sh(t, "httpd -p 8080 -h /www; i=0; until netstat -ltn | grep -q :8080; do [ $i -lt 50 ] || exit 1; sleep 0.1; i=$((i+1)); done")
	if got, ok := fetch(t, n2, n1); !ok || got != content {
		t.Fatalf("node2 fetched %q from node1, want %q\nnode1: %s\nnode2: %s", got, content,
			n1.Sh(t, "ps; netstat -ltn; ip addr show eth0; ip neigh"), n2.Sh(t, "ip addr show eth0; ip neigh"))
	}
	url := fmt.Sprintf("http://%s:8080/f", n1.Addr())
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Get(url)
	if err != nil {
		t.Fatalf("host: %v", err)
	}
	defer resp.Body.Close()
	if b, _ := io.ReadAll(resp.Body); string(b) != content {
		t.Fatalf("host fetched %q from %s", b, url)
	}
	if got := n2.Sh(t, "ping -c 1 -W 2 "+bed.HostAddr().String()+" >/dev/null && echo ok"); got != "ok\n" {
		t.Fatalf("node2 cannot ping the host: %q", got)
	}
}

func testIsolate(t *testing.T, n1, n2 *testbed.Node) {
	if err := n1.Isolate(); err != nil {
		t.Fatal(err)
	}
	if got, ok := fetch(t, n2, n1); ok {
		t.Fatalf("node2 still reaches isolated node1: %q", got)
	}
	if err := n1.Reconnect(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "node2 to reach node1 again", 20*time.Second, func() bool {
		_, ok := fetch(t, n2, n1)
		return ok
	})
}

func testKill(t *testing.T, n1, n2 *testbed.Node) {
	if !n1.Alive() {
		t.Fatal("node1 not alive before Kill")
	}
	begin := time.Now()
	n1.Kill()
	if n1.Alive() {
		t.Fatal("node1 alive after Kill")
	}
	if _, _, err := n1.Run(context.Background(), "true"); !errors.Is(err, testbed.ErrNodeDown) {
		t.Fatalf("Run on a killed node: %v, want ErrNodeDown", err)
	}
	if got, ok := fetch(t, n2, n1); ok {
		t.Fatalf("node2 still reaches killed node1: %q", got)
	}
	t.Logf("node1 killed and unreachable from node2 within %s", time.Since(begin).Round(time.Millisecond))
	if !n2.Alive() {
		t.Fatal("node2 died with node1")
	}
}

// fetch gets /f from to's httpd with from's busybox wget within 5 s
// (timeout(1): busybox 1.35's wget -T crashes); ok is false when the
// transfer failed, and the error output is logged.
func fetch(t *testing.T, from, to *testbed.Node) (string, bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := from.Exec(ctx, testbed.Cmd{Argv: []string{"timeout", "5", "wget", "-q", "-O", "-", fmt.Sprintf("http://%s:8080/f", to.Addr())}})
	if err != nil {
		t.Fatalf("%s: wget: %v", from.Name(), err)
	}
	if res.Exit != 0 {
		t.Logf("%s: wget from %s: exit %d: %s", from.Name(), to.Name(), res.Exit, bytes.TrimSpace(res.Stderr))
	}
	return string(res.Stdout), res.Exit == 0
}

func waitFor(t *testing.T, what string, timeout time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
