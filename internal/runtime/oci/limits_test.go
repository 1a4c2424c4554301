package oci

import (
	"reflect"
	"testing"

	"github.com/cbsdgo/cbsd/internal/rctl"
)

// TestBuildSpecLimits: RCTL names become cgroup resources and rlimits.
func TestBuildSpecLimits(t *testing.T) {
	s := baseSpec()
	s.Limits = rctl.Limits{"memoryuse": "64m", "swapuse": "16m", "maxproc": "100", "nthr": "50",
		"pcpu": "50", "openfiles": "4096", "wallclock": "3600", "readbps": "1m"}
	sp, err := BuildSpec(s, "/bin/cbsd", "/ctl")
	if err != nil {
		t.Fatal(err)
	}
	r := sp.Linux.Resources
	if r.Memory == nil || *r.Memory.Limit != 64<<20 || *r.Memory.Swap != 80<<20 {
		t.Errorf("memory = %+v", r.Memory)
	}
	if r.Pids == nil || *r.Pids.Limit != 50 {
		t.Errorf("pids = %+v", r.Pids)
	}
	if r.CPU == nil || *r.CPU.Quota != 50000 || *r.CPU.Period != 100000 {
		t.Errorf("cpu = %+v", r.CPU)
	}
	var nofile uint64
	for _, l := range sp.Process.Rlimits {
		if l.Type == "RLIMIT_NOFILE" {
			nofile = l.Hard
		}
	}
	if nofile != 4096 {
		t.Errorf("RLIMIT_NOFILE = %d", nofile)
	}
	if got := unsupportedLimits(s.Limits); !reflect.DeepEqual(got, []string{"wallclock", "readbps"}) {
		t.Errorf("unsupported = %v", got)
	}
	// No limits: nothing but the device rules.
	sp, _ = BuildSpec(baseSpec(), "/bin/cbsd", "/ctl")
	if r := sp.Linux.Resources; r.Memory != nil || r.Pids != nil || r.CPU != nil {
		t.Errorf("resources without limits: %+v", r)
	}
	if u := unsupportedLimits(rctl.Limits{"swapuse": "1g"}); len(u) != 1 {
		t.Errorf("swapuse alone: %v", u)
	}
}
