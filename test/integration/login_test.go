package integration

import (
	"os"
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

// TestNoTerminalQueries: a command run on a terminal writes only its own
// output (no escape sequences asking the terminal for its colours, which
// would wait for an answer and eat typed-ahead input).
func TestNoTerminalQueries(t *testing.T) {
	if _, err := exec.LookPath("script"); err != nil {
		t.Skip("script(1) is not installed (apt-get install bsdutils)")
	}
	bin := cbsdBinary(t)
	cmd := exec.Command("script", "-qec", bin+" version", "/dev/null")
	cmd.Env = append(os.Environ(), "TERM=xterm-256color")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("cbsd version on a terminal: %v", err)
	}
	if strings.ContainsRune(string(out), 0x1b) {
		t.Fatalf("cbsd version wrote escape sequences to the terminal: %q", out)
	}
}
