package integration

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// TestMain removes the cbsd binary the tests built (cbsdBinary).
func TestMain(m *testing.M) {
	code := m.Run()
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}

// requireRoot skips unless the machine can run jails.
func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("integration tests need root (run: sudo go test ./test/integration)")
	}
	for _, p := range []string{"runc", "busybox"} {
		if _, err := exec.LookPath(p); err != nil {
			t.Skipf("%s is not installed (apt-get install runc busybox-static)", p)
		}
	}
}

// cbsdBinary builds a static cbsd once per test run.
func cbsdBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "cbsd-it-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "cbsd")
		_, file, _, _ := runtime.Caller(0)
		root := filepath.Join(filepath.Dir(file), "..", "..")
		// As the README builds it: with the jail helper embedded.
		cmd := exec.Command("bash", "scripts/build.sh", "-o", binPath)
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("scripts/build.sh: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// node is one initialised workdir.
type node struct {
	t   *testing.T
	bin string
	W   string
	env []string
}

var bridgeSeq struct {
	sync.Mutex
	n int
}

// newNode makes a workdir with its own bridge and address pool and
// removes every jail, the bridge and the workdir at the end of the test.
func newNode(t *testing.T) *node { return newNamedNode(t, "it") }

// newNamedNode is newNode with a node name of its own.
func newNamedNode(t *testing.T, nodename string) *node {
	t.Helper()
	requireRoot(t)
	return newNodeAt(t, nodename, t.TempDir())
}

// newNodeAt makes a node whose workdir is w.
func newNodeAt(t *testing.T, nodename, w string) *node {
	t.Helper()
	requireRoot(t)
	bin := cbsdBinary(t)
	bridgeSeq.Lock()
	bridgeSeq.n++
	n := bridgeSeq.n
	bridgeSeq.Unlock()
	t.Cleanup(func() { unmountBelow(w) })
	nd := &node{t: t, bin: bin, W: w, env: append(os.Environ(), "workdir="+w,
		"CBSD_RCCONF="+filepath.Join(w, "rc.conf"), "NOINTER=1")}
	br := fmt.Sprintf("cbsdit%d", n)
	nd.ok("initenv", "nodename="+nodename, fmt.Sprintf("nodeippool=10.231.%d.0/24", 100+n), "bridge="+br)
	t.Cleanup(func() {
		nd.run("jstop", "jname=*")
		exec.Command("ip", "link", "del", br).Run()
	})
	return nd
}

// run runs cbsd and returns its combined output and exit code.
func (n *node) run(args ...string) (string, int) {
	n.t.Helper()
	cmd := exec.Command(n.bin, args...)
	cmd.Env = n.env
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		n.t.Fatalf("cbsd %v: %v", args, err)
	}
	return out.String(), code
}

// ok runs cbsd and fails the test on a non-zero exit.
func (n *node) ok(args ...string) string {
	n.t.Helper()
	out, code := n.run(args...)
	if code != 0 {
		n.t.Fatalf("cbsd %s: exit %d\n%s", strings.Join(args, " "), code, out)
	}
	return out
}

// fail runs cbsd and fails the test unless it exits non-zero.
func (n *node) fail(args ...string) string {
	n.t.Helper()
	out, code := n.run(args...)
	if code == 0 {
		n.t.Fatalf("cbsd %s: unexpected success\n%s", strings.Join(args, " "), out)
	}
	return out
}

// status returns the jls status of a jail.
func (n *node) status(j string) string {
	n.t.Helper()
	return strings.TrimSpace(n.ok("jls", "header=0", "display=status", j))
}

func (n *node) jid(j string) string {
	n.t.Helper()
	return strings.TrimSpace(n.ok("jget", "jname="+j, "mode=quiet", "jid"))
}

func (n *node) busybox() {
	n.t.Helper()
	n.ok("mkbase", "ver=busybox")
}

// unmountBelow unmounts every filesystem mounted below dir, deepest first.
func unmountBelow(dir string) {
	out, _ := exec.Command("findmnt", "-rn", "-o", "TARGET").Output()
	var ms []string
	for _, m := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(m, dir+"/") {
			ms = append(ms, m)
		}
	}
	for i := len(ms) - 1; i >= 0; i-- {
		if exec.Command("umount", ms[i]).Run() != nil {
			exec.Command("umount", "-l", ms[i]).Run()
		}
	}
}

func waitFor(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

// tuiEnv is the node's environment as name=value words for a tmux shell.
func (n *node) tuiEnv() []string {
	return []string{"workdir=" + n.W, "CBSD_RCCONF=" + filepath.Join(n.W, "rc.conf"), "PATH=" + os.Getenv("PATH")}
}
