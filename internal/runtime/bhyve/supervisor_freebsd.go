package bhyve

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/cbsdgo/cbsd/internal/errdefs"
	"github.com/cbsdgo/cbsd/internal/lock"
	"github.com/cbsdgo/cbsd/internal/runtime/ctl"
	"github.com/cbsdgo/cbsd/internal/sys"
)

// RunSupervisor is "cbsd __vmsupervise <rundir>": it takes the ownership
// lock, prepares the host (Host.Up), runs bhyve in the foreground as its
// child (bhyve inherits the lock), reports to its parent on fd 3, runs
// bhyve again as Next decides until a stop is requested or the guest ends,
// and cleans up (Host.Down).
func RunSupervisor(runDir string) int {
	out := os.NewFile(3, "report")
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	runner := sys.NewRunner(log)
	ctx := context.Background()
	var sp Spec
	fail := func(err error) int {
		json.NewEncoder(out).Encode(ctl.Report{Error: err.Error()})
		out.Close()
		return 1
	}
	if err := ctl.ReadJSON(filepath.Join(runDir, planFile), &sp); err != nil {
		return fail(err)
	}
	name := sp.VM.Name
	stale := sp.OwnerStale
	if stale <= 0 {
		stale = 30 * time.Minute
	}
	var held []*os.File
	owner, warning, err := lock.TakeOwnership(sp.OwnerFile, sp.Node, stale)
	switch {
	case errors.Is(err, errdefs.ErrNotSupported):
		log.Warn("no ownership lock on this platform", "vm", name)
	case err != nil:
		return fail(err)
	default:
		held = []*os.File{owner}
	}
	release := func() {
		if owner != nil {
			os.Remove(sp.OwnerFile)
			owner.Close()
		}
	}
	host := &Host{Run: runner}
	if err := host.Up(ctx, &sp.VM); err != nil {
		release()
		return fail(err)
	}
	// run starts bhyve and waits until its vmm instance exists.
	run := func() (*exec.Cmd, chan error, error) {
		cmd, err := runner.StartChild(sys.Cmd{Argv: sp.VM.Argv(), Stdout: os.Stderr, Stderr: os.Stderr, ExtraFiles: held})
		if err != nil {
			return nil, nil, err
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		deadline := time.Now().Add(30 * time.Second)
		for !vmmExists(name) {
			select {
			case err := <-exited:
				return nil, nil, fmt.Errorf("bhyve exited during start: %v (see %s)", err, sp.Log)
			case <-time.After(20 * time.Millisecond):
			}
			if time.Now().After(deadline) {
				cmd.Process.Kill()
				<-exited
				return nil, nil, fmt.Errorf("bhyve did not create its vmm instance in 30s (see %s)", sp.Log)
			}
		}
		st := state{Name: name, Pid: cmd.Process.Pid, Supervisor: os.Getpid()}
		if err := ctl.WriteJSON(filepath.Join(runDir, stateFile), st); err != nil {
			cmd.Process.Kill()
			<-exited
			return nil, nil, err
		}
		return cmd, exited, nil
	}
	cmd, exited, err := run()
	if err != nil {
		host.Down(ctx, &sp.VM)
		release()
		return fail(err)
	}
	json.NewEncoder(out).Encode(ctl.Report{Pid: cmd.Process.Pid, Warning: warning})
	out.Close()

	stopping := func() bool {
		_, err := os.Stat(filepath.Join(runDir, stopFile))
		return err == nil
	}
	var restarts []time.Time
	for {
		err = <-exited
		code := cmd.ProcessState.ExitCode()
		if stopping() {
			log.Info("vm stopped", "vm", name, "status", code)
			break
		}
		restart, reason := Next(code, sp.OnReboot, sp.OnPoweroff, sp.OnCrash)
		log.Info("bhyve exited", "vm", name, "status", code, "reason", reason, "restart", restart, "err", err)
		if !restart {
			break
		}
		// A guest that keeps dying is not restarted forever.
		now := time.Now()
		restarts = append(restarts, now)
		if len(restarts) > 10 && now.Sub(restarts[len(restarts)-11]) < time.Minute {
			log.Warn("vm restarted 10 times in a minute; giving up", "vm", name)
			break
		}
		// As bhyverun.sh: the old instance goes, and a second passes
		// before the next one (a new instance does not always start at once).
		host.Destroy(ctx, name)
		time.Sleep(time.Second)
		if stopping() {
			break
		}
		if cmd, exited, err = run(); err != nil {
			log.Warn("restart failed", "vm", name, "err", err)
			break
		}
	}
	host.Down(ctx, &sp.VM)
	release()
	// A bstart that came first may already run a new bhyve for this VM.
	var cur state
	if ctl.ReadJSON(filepath.Join(runDir, stateFile), &cur) != nil || cur.Supervisor == os.Getpid() {
		os.Remove(filepath.Join(runDir, stateFile))
		os.Remove(filepath.Join(runDir, stopFile))
	}
	return 0
}
