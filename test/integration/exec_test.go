package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestExecStartStopAndLog: exec_start runs at start with its output in the
// console log, exec_stop runs at stop, and a vnet=0 jail shares the host's
// network.
func TestExecStartStopAndLog(t *testing.T) {
	n := newNode(t)
	n.busybox()
	n.ok("jcreate", "jname=es1", "ver=busybox", "vnet=0", "ip4_addr=0",
		"exec_start=echo hello-from-exec-start; exec sleep 1000",
		"exec_stop=echo bye > /root/stopped")
	n.ok("jstart", "es1")
	logf := filepath.Join(n.W, "var/log/es1.log")
	waitFor(t, "exec_start output in the console log", 5*time.Second, func() bool {
		b, _ := os.ReadFile(logf)
		return strings.Contains(string(b), "hello-from-exec-start")
	})
	if out := n.ok("jexec", "jname=es1", "ps"); !strings.Contains(out, "sleep 1000") {
		t.Fatalf("exec_start process not running:\n%s", out)
	}
	// vnet=0: the host's interfaces are visible.
	host, _ := os.ReadFile("/proc/net/dev")
	if out := n.ok("jexec", "jname=es1", "cat", "/proc/net/dev"); len(strings.Split(out, "\n")) != len(strings.Split(string(host), "\n")) {
		t.Fatalf("vnet=0 jail sees other interfaces than the host:\n%s\nhost:\n%s", out, host)
	}
	n.ok("jstop", "es1")
	b, err := os.ReadFile(filepath.Join(n.W, "jails-data/es1-data/root/stopped"))
	if err != nil || string(b) != "bye\n" {
		t.Fatalf("exec_stop did not run: %q %v", b, err)
	}
}
