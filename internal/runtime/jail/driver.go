package jail

import (
	"context"
	"fmt"
	"github.com/cbsdgo/cbsd/internal/runtime/ctl"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/cbsdgo/cbsd/internal/errdefs"
	"github.com/cbsdgo/cbsd/internal/runtime"
	"github.com/cbsdgo/cbsd/internal/runtime/plan"
	"github.com/cbsdgo/cbsd/internal/sys"
)

// Driver runs FreeBSD jails with jail(8) by executing StartPlan/StopPlan.
// It is plain Go over the command runner, so it is tested on Linux with a
// recording runner; only FreeBSD wires it in.
type Driver struct {
	Run plan.Runner
	// Self and Spawn start the ownership holder ("<Self> __jailhold"); a
	// driver without them takes no ownership lock.
	Self  string
	Spawn Spawner
}

// Spawner starts a detached helper (sys.Runner).
type Spawner = ctl.Spawner

var _ runtime.Driver = (*Driver)(nil)

// Name implements runtime.Driver.
func (d *Driver) Name() string { return "jail" }

func paths(s *runtime.Spec) Paths {
	e, w := s.Settings, s.Workdir
	arch, ver := e.Get("arch"), e.Get("ver")
	base := filepath.Join(w, "basejail", "base_"+arch+"_"+arch+"_"+ver)
	if b := e.Get("basename"); b != "" && b != "0" {
		base = filepath.Join(w, "basejail", "base_"+b+"_"+arch+"_"+arch+"_"+ver)
	}
	return Paths{W: w, Base: base, Limits: s.Limits,
		BaseOSRelDate: OSRelDate(filepath.Join(base, "bin", "sh")), HostOSRelDate: OSRelDate("/bin/sh"), ConfFile: filepath.Join(w, "ftmp", s.Name+".conf"), ConsoleLog: s.Log,
		SrcDir: filepath.Join(w, "src", "src_"+ver, "src"), ObjDir: filepath.Join(w, "src", "obj_"+arch+"_"+arch+"_"+ver, "obj"),
		KernelDir: filepath.Join(w, "basejail", "FreeBSD-kernel_GENERIC_"+arch+"_"+ver, "boot", "kernel")}
}

func (d *Driver) executor() *plan.Executor {
	return &plan.Executor{Run: d.Run, Find: d.findByDescription}
}

// Start implements runtime.Driver (mnt_start runs in the service layer, so
// the plan is built without it).
func (d *Driver) Start(ctx context.Context, s *runtime.Spec) (runtime.State, error) {
	if s.Settings == nil {
		return runtime.State{}, fmt.Errorf("jail driver needs the environment: %w", errdefs.ErrInvalid)
	}
	e := s.Settings.Clone()
	e.Set("mnt_start", "0")
	e.Set("mnt_stop", "0")
	p, err := StartPlan(e, paths(s))
	if err != nil {
		return runtime.State{}, err
	}
	stop, err := StopPlan(e, paths(s))
	if err != nil {
		return runtime.State{}, err
	}
	if s.RunDir != "" {
		if err := os.MkdirAll(s.RunDir, 0o700); err != nil {
			return runtime.State{}, err
		}
		if err := ctl.WriteJSON(filepath.Join(s.RunDir, stopPlanFile), stop); err != nil {
			return runtime.State{}, err
		}
	}
	holder, warning, err := d.own(ctx, s)
	if err != nil {
		return runtime.State{}, err
	}
	if err := d.executor().Execute(ctx, p); err != nil {
		os.Remove(filepath.Join(s.RunDir, stopPlanFile))
		if holder != nil {
			holder.Kill()
			holder.Release()
		}
		return runtime.State{}, err
	}
	if holder != nil {
		holder.Release()
	}
	st, err := d.State(ctx, s.Name, s.RunDir)
	st.Warning = warning
	return st, err
}

// own starts the holder of the ownership lock and waits for its report.
func (d *Driver) own(ctx context.Context, s *runtime.Spec) (*os.Process, string, error) {
	if s.OwnerFile == "" || d.Self == "" || d.Spawn == nil {
		return nil, "", nil
	}
	p, rep, err := ctl.StartHelper(ctx, d.Spawn, HolderArgv(d.Self, s.OwnerFile, s.Node, s.OwnerStale, s.Name),
		s.Log, "the ownership holder of "+s.Name)
	if err != nil {
		return nil, "", err
	}
	return p, rep.Warning, nil
}

// stopPlanFile, in the run directory, is the stop plan written at start:
// it undoes exactly what that start did.
const stopPlanFile = "stop.json"

// Stop implements runtime.Driver: the stop plan saved by Start (jail -r,
// then unmounts deepest first, aliases, epairs, RCTL rules).
func (d *Driver) Stop(ctx context.Context, name, runDir string, opt runtime.StopOptions) error {
	st, _ := d.State(ctx, name, runDir)
	if !st.Running {
		return fmt.Errorf("%s: %w", name, errdefs.ErrNotRunning)
	}
	return d.runStopPlan(ctx, name, runDir, opt.Grace)
}

func (d *Driver) runStopPlan(ctx context.Context, name, runDir string, grace time.Duration) error {
	var p plan.Plan
	if err := ctl.ReadJSON(filepath.Join(runDir, stopPlanFile), &p); err != nil {
		_, err := d.Run.Run(ctx, sys.Cmd{Argv: []string{"jail", "-r", name}, Timeout: grace + time.Minute})
		return err
	}
	p.Files = nil
	if err := d.executor().Execute(ctx, &p); err != nil {
		return err
	}
	return os.Remove(filepath.Join(runDir, stopPlanFile))
}

// State implements runtime.Driver: the jid from jls(8).
func (d *Driver) State(ctx context.Context, name, runDir string) (runtime.State, error) {
	out, err := d.Run.Run(ctx, sys.Cmd{Argv: []string{"jls", "-j", name, "jid"}, Timeout: 10 * time.Second})
	if err != nil {
		return runtime.State{}, nil // "jail not found"
	}
	jid, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil || jid <= 0 {
		return runtime.State{}, nil
	}
	return runtime.State{Running: true, Pid: jid}, nil
}

// Exec implements runtime.Driver with jexec(8).
func (d *Driver) Exec(ctx context.Context, name, runDir string, p runtime.Process) (int, error) {
	argv := []string{"jexec"}
	if p.User != "" {
		argv = append(argv, "-U", p.User)
	}
	argv = append(append(argv, name), p.Argv...)
	_, err := d.Run.Run(ctx, sys.Cmd{Argv: argv, Stdin: p.Stdin, Stdout: p.Stdout, Stderr: p.Stderr, Timeout: 24 * time.Hour})
	if err != nil {
		if ee, ok := err.(*sys.ExecError); ok && ee.ExitCode >= 0 {
			return ee.ExitCode, nil
		}
		return -1, err
	}
	return 0, nil
}

// Cleanup implements runtime.Driver: a jail that died without a jstop
// still has its mounts and interfaces; the saved stop plan removes them.
func (d *Driver) Cleanup(ctx context.Context, name, runDir string) error {
	if st, _ := d.State(ctx, name, runDir); st.Running {
		return nil
	}
	if _, err := os.Stat(filepath.Join(runDir, stopPlanFile)); err != nil {
		return nil
	}
	return d.runStopPlan(ctx, name, runDir, time.Minute)
}

// findByDescription finds the interface whose ifconfig description is desc.
func (d *Driver) findByDescription(ctx context.Context, desc string) (string, error) {
	return plan.InterfaceByDescription(ctx, d.Run, desc)
}
