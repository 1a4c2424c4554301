package integration

import (
	"strings"
	"testing"
)

// TestAstart: "cbsd astart" (the boot service) starts exactly the jails
// with astart=1, in b_order; "cbsd astop" stops everything running in
// reverse order.
func TestAstart(t *testing.T) {
	n := newNode(t)
	n.busybox()
	n.ok("jcreate", "jname=late", "ver=busybox", "ip4_addr=0", "astart=1", "b_order=20")
	n.ok("jcreate", "jname=early", "ver=busybox", "ip4_addr=0", "astart=1", "b_order=10")
	n.ok("jcreate", "jname=manual", "ver=busybox", "ip4_addr=0", "astart=0")
	out := n.ok("astart")
	if i, j := strings.Index(out, "astart: early started"), strings.Index(out, "astart: late started"); i < 0 || j < i {
		t.Fatalf("astart order:\n%s", out)
	}
	for j, want := range map[string]string{"early": "On", "late": "On", "manual": "Off"} {
		if got := n.status(j); got != want {
			t.Errorf("%s: %s, want %s", j, got, want)
		}
	}
	// Again: the running ones are left alone.
	n.ok("astart")
	n.ok("jstart", "manual")
	out = n.ok("astop")
	if i, j := strings.Index(out, "astop: late stopped"), strings.Index(out, "astop: early stopped"); i < 0 || j < i || !strings.Contains(out, "astop: manual stopped") {
		t.Fatalf("astop order:\n%s", out)
	}
	for _, j := range []string{"early", "late", "manual"} {
		if got := n.status(j); got != "Off" {
			t.Errorf("%s after astop: %s", j, got)
		}
	}
}
