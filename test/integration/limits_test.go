package integration

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// cgroupFile reads a controller file of pid's cgroup (v1 hierarchy of the
// controller, else the unified v2 one).
func cgroupFile(t *testing.T, pid int, controller, v1, v2 string) string {
	t.Helper()
	for _, line := range strings.Split(readCgroup(pid), "\n") {
		f := strings.SplitN(line, ":", 3)
		if len(f) != 3 {
			continue
		}
		var p string
		switch {
		case f[1] == "" && f[0] == "0":
			p = filepath.Join("/sys/fs/cgroup", f[2], v2)
		case strings.Contains(","+f[1]+",", ","+controller+","):
			p = filepath.Join("/sys/fs/cgroup", f[1], f[2], v1)
		default:
			continue
		}
		if b, err := os.ReadFile(p); err == nil {
			return strings.TrimSpace(string(b))
		}
	}
	t.Fatalf("no %s cgroup file for pid %d:\n%s", controller, pid, readCgroup(pid))
	return ""
}

// TestLimits: jrctl limits become the jail's cgroup limits and rlimits at
// jstart; a resource Linux cannot apply is named in a warning.
func TestLimits(t *testing.T) {
	n := newNode(t)
	n.busybox()
	n.ok("jcreate", "jname=lim1", "ver=busybox", "ip4_addr=DHCP")
	n.ok("jrctl", "jname=lim1", "mode=set", "memoryuse=64m", "maxproc=50", "openfiles=256", "wallclock=3600")
	out := n.ok("jstart", "lim1")
	if !strings.Contains(out, "not applied: wallclock") {
		t.Errorf("jstart did not warn about wallclock:\n%s", out)
	}
	pid, err := strconv.Atoi(n.jid("lim1"))
	if err != nil || pid <= 0 {
		t.Fatalf("jid %q", n.jid("lim1"))
	}
	if got := cgroupFile(t, pid, "memory", "memory.limit_in_bytes", "memory.max"); got != strconv.Itoa(64<<20) {
		t.Errorf("memory limit = %s", got)
	}
	if got := cgroupFile(t, pid, "pids", "pids.max", "pids.max"); got != "50" {
		t.Errorf("pids limit = %s", got)
	}
	if got := strings.TrimSpace(n.ok("jexec", "jname=lim1", "sh", "-c", "ulimit -n")); got != "256" {
		t.Errorf("ulimit -n in the jail = %q", got)
	}
	// Setting while it runs says when it applies.
	if out := n.ok("jrctl", "jname=lim1", "mode=set", "memoryuse=128m"); !strings.Contains(out, "next start") {
		t.Errorf("jrctl on a running jail: %q", out)
	}
	n.ok("jrestart", "lim1")
	pid, _ = strconv.Atoi(n.jid("lim1"))
	if got := cgroupFile(t, pid, "memory", "memory.limit_in_bytes", "memory.max"); got != strconv.Itoa(128<<20) {
		t.Errorf("memory limit after jrestart = %s", got)
	}
	n.ok("jstop", "lim1")
}
