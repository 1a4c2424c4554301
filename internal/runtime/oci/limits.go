package oci

import (
	"github.com/cbsdgo/cbsd/internal/rctl"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// rlimits maps RCTL per-process resources to POSIX rlimits.
var rlimits = map[string]string{
	"openfiles": "RLIMIT_NOFILE", "memorylocked": "RLIMIT_MEMLOCK", "stacksize": "RLIMIT_STACK",
	"datasize": "RLIMIT_DATA", "coredumpsize": "RLIMIT_CORE", "vmemoryuse": "RLIMIT_AS",
}

// applyLimits turns a jail's RCTL limits into cgroup resources and
// rlimits: memoryuse (memory limit), swapuse (memory+swap above it),
// maxproc and nthr (the smaller is the pids limit), pcpu (CPU quota, 100 = one CPU) and the
// per-process resources of rlimits. Resources Linux has no equivalent for
// are left out (see unsupportedLimits).
func applyLimits(sp *specs.Spec, l rctl.Limits) {
	r := sp.Linux.Resources
	for _, kv := range l.Set() {
		name, v := kv[0], kv[1]
		n, err := rctl.Amount(v)
		if err != nil {
			continue // Validate refused it before
		}
		i := int64(n)
		switch name {
		case "memoryuse":
			if r.Memory == nil {
				r.Memory = &specs.LinuxMemory{}
			}
			r.Memory.Limit = &i
		case "maxproc", "nthr":
			if r.Pids == nil || r.Pids.Limit == nil || i < *r.Pids.Limit { // the smaller of the two
				r.Pids = &specs.LinuxPids{Limit: &i}
			}
		case "pcpu":
			period, quota := uint64(100000), int64(n*1000)
			r.CPU = &specs.LinuxCPU{Period: &period, Quota: &quota}
		default:
			if t, ok := rlimits[name]; ok {
				setRlimit(sp.Process, t, n)
			}
		}
	}
	if sw := l["swapuse"]; sw != "" && sw != "0" && r.Memory != nil && r.Memory.Limit != nil {
		if n, err := rctl.Amount(sw); err == nil {
			total := *r.Memory.Limit + int64(n)
			r.Memory.Swap = &total
		}
	}
}

// unsupportedLimits are the limits of l that applyLimits cannot apply.
func unsupportedLimits(l rctl.Limits) []string {
	var out []string
	for _, kv := range l.Set() {
		switch name := kv[0]; name {
		case "memoryuse", "maxproc", "nthr", "pcpu":
		case "swapuse":
			if m := l["memoryuse"]; m == "" || m == "0" {
				out = append(out, "swapuse (without memoryuse)")
			}
		default:
			if _, ok := rlimits[name]; !ok {
				out = append(out, name)
			}
		}
	}
	return out
}

func setRlimit(p *specs.Process, typ string, n uint64) {
	for i := range p.Rlimits {
		if p.Rlimits[i].Type == typ {
			p.Rlimits[i].Hard, p.Rlimits[i].Soft = n, n
			return
		}
	}
	p.Rlimits = append(p.Rlimits, specs.POSIXRlimit{Type: typ, Hard: n, Soft: n})
}
