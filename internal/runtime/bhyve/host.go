package bhyve

import (
	"context"
	"fmt"
	"time"

	"github.com/cbsdgo/cbsd/internal/runtime/plan"
	"github.com/cbsdgo/cbsd/internal/sys"
)

// Host runs the host side of a VM around its bhyve process through the
// command runner: StartPlan before the first run, a vmm destroy between
// runs, StopPlan at the end. It is plain Go, tested with a recording
// runner; the FreeBSD supervisor drives it.
type Host struct {
	Run plan.Runner
}

func (h *Host) executor() *plan.Executor {
	return &plan.Executor{Run: h.Run, Find: h.findByDescription}
}

// Up runs StartPlan and fills v.NICs[i].Tap with the taps it made, so
// v.Argv() names them. When a step fails, the steps already done are
// undone (taps destroyed) before the error is returned.
func (h *Host) Up(ctx context.Context, v *VM) error {
	p, err := StartPlan(v)
	if err != nil {
		return err
	}
	if err := h.executor().Execute(ctx, p); err != nil {
		return fmt.Errorf("vm %s: %w", v.Name, err)
	}
	for i := range v.NICs {
		tap, err := h.findByDescription(ctx, TapDescription(v.Name, i))
		if err != nil {
			h.Down(ctx, v)
			return fmt.Errorf("vm %s: nic %d: %w", v.Name, i, err)
		}
		v.NICs[i].Tap = tap
	}
	return nil
}

// Destroy removes the VM's vmm instance, as bhyverun.sh does before each
// run; a missing instance is not an error.
func (h *Host) Destroy(ctx context.Context, name string) {
	h.Run.Run(ctx, sys.Cmd{Argv: destroyArgv(name), Timeout: time.Minute})
}

// Down runs StopPlan: the vmm instance and the VM's taps are removed.
func (h *Host) Down(ctx context.Context, v *VM) error {
	return h.executor().Execute(ctx, StopPlan(v))
}

// findByDescription finds the interface whose ifconfig description is desc.
func (h *Host) findByDescription(ctx context.Context, desc string) (string, error) {
	return plan.InterfaceByDescription(ctx, h.Run, desc)
}
