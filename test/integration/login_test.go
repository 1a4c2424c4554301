package integration

import (
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestJlogin opens an interactive shell through a real pseudo-terminal
// (util-linux script(1) plays the user's terminal).
func TestJlogin(t *testing.T) {
	n := newNode(t)
	if _, err := exec.LookPath("script"); err != nil {
		t.Skip("script(1) is not installed (apt-get install bsdutils)")
	}
	n.busybox()
	n.ok("jcreate", "jname=l1", "ver=busybox", "ip4_addr=DHCP")
	n.ok("jstart", "l1")
	cmd := exec.Command("script", "-qec", n.bin+" jlogin l1", "/dev/null")
	cmd.Env = n.env
	cmd.Stdin = strings.NewReader("tty; echo hi-$((6*7)); exit 5\n")
	done := make(chan struct{})
	var out []byte
	var err error
	go func() { out, err = cmd.CombinedOutput(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatal("jlogin did not finish")
	}
	s := string(out)
	if !strings.Contains(s, "/dev/pts/") || !strings.Contains(s, "hi-42") {
		t.Fatalf("jlogin session output: %q", s)
	}
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 5 {
		t.Fatalf("jlogin exit = %v, want 5 (%q)", err, s)
	}
}
