package bhyve

import (
	"fmt"

	"github.com/cbsdgo/cbsd/internal/errdefs"
	"github.com/cbsdgo/cbsd/internal/runtime/plan"
)

// destroyArgv removes the VM's vmm(4) instance (bhyvectl fails when there
// is none, which is fine wherever it is used).
func destroyArgv(name string) []string {
	return []string{"bhyvectl", "--destroy", "--vm=" + name}
}

// TapDescription is the ifconfig description of NIC n's tap, as CBSD
// sets it: how the stop plan finds the taps the start plan made.
func TapDescription(name string, n int) string { return fmt.Sprintf("%s-nic%d", name, n) }

// StartPlan is what runs on the host before bhyve itself (spec §8.2,
// bhyverun.sh): a stale vmm instance destroyed, vmm and nmdm loaded, and
// per NIC a tap left over from an earlier run destroyed, then a new one
// created, described "<J>-nic<n>", added to its bridge and brought up. Taps are not named in advance: "ifconfig tap create" takes
// the first free unit atomically, so concurrent starts cannot collide, and
// bhyve picks its network backend from the "tap" prefix, which a renamed
// interface would lose. The names are captured as ${TAP<n>}; the
// supervisor looks them up by description afterwards (Host.Up).
//
// bhyve runs under the supervisor, not in the plan.
func StartPlan(v *VM) (*plan.Plan, error) {
	if v.Name == "" {
		return nil, fmt.Errorf("bhyve start plan without a VM name: %w", errdefs.ErrInvalid)
	}
	p := &plan.Plan{}
	add := func(s plan.Step) { p.Steps = append(p.Steps, s) }
	add(plan.Step{Name: "destroy stale vmm", Do: destroyArgv(v.Name), Ignore: true})
	add(plan.Step{Name: "vmm module", Do: []string{"kldload", "-n", "vmm"}})
	if v.Console != "" {
		add(plan.Step{Name: "nmdm module", Do: []string{"kldload", "-n", "nmdm"}})
	}
	for i, n := range v.NICs {
		tap := "${" + tapVar(i) + "}"
		add(plan.Step{Name: fmt.Sprintf("stale tap %d", i), Do: []string{"ifconfig", tap, "destroy"},
			Find: map[string]string{tapVar(i): TapDescription(v.Name, i)}, Ignore: true})
		add(plan.Step{Name: fmt.Sprintf("tap %d", i), Do: []string{"ifconfig", "tap", "create"}, Capture: tapVar(i),
			Undo: []string{"ifconfig", tap, "destroy"}})
		add(plan.Step{Name: fmt.Sprintf("tap %d describe", i), Do: []string{"ifconfig", tap, "description", TapDescription(v.Name, i)}})
		if n.Bridge != "" {
			add(plan.Step{Name: fmt.Sprintf("tap %d bridge", i), Do: []string{"ifconfig", n.Bridge, "addm", tap}})
		}
		add(plan.Step{Name: fmt.Sprintf("tap %d up", i), Do: []string{"ifconfig", tap, "up"}})
	}
	return p, nil
}

// StopPlan undoes StartPlan once bhyve has exited: the vmm instance
// destroyed and each tap, found again by its description, destroyed
// (which also takes it out of its bridge). Every step may fail: a stop
// cleans up whatever is left.
func StopPlan(v *VM) *plan.Plan {
	p := &plan.Plan{Steps: []plan.Step{{Name: "destroy vmm", Do: destroyArgv(v.Name), Ignore: true}}}
	for i := range v.NICs {
		p.Steps = append(p.Steps, plan.Step{Name: fmt.Sprintf("tap %d destroy", i),
			Do:   []string{"ifconfig", "${" + tapVar(i) + "}", "destroy"},
			Find: map[string]string{tapVar(i): TapDescription(v.Name, i)}, Ignore: true})
	}
	return p
}
