package bhyve

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/cbsdgo/cbsd/internal/errdefs"
	"github.com/cbsdgo/cbsd/internal/runtime/ctl"
	"golang.org/x/sys/unix"
	"golang.org/x/term"
)

// Start starts a VM and returns once bhyve has created its vmm instance.
func (d *Driver) Start(ctx context.Context, s *Spec) (State, error) {
	if st := d.State(s.RunDir); st.Running {
		return st, fmt.Errorf("%s: %w", s.VM.Name, errdefs.ErrRunning)
	}
	if err := os.MkdirAll(s.RunDir, 0o700); err != nil {
		return State{}, err
	}
	os.Remove(filepath.Join(s.RunDir, stopFile))
	if err := ctl.WriteJSON(filepath.Join(s.RunDir, planFile), s); err != nil {
		return State{}, err
	}
	p, rep, err := ctl.StartHelper(ctx, d.Run, []string{d.Self, "__vmsupervise", s.RunDir}, s.Log, "supervisor of "+s.VM.Name)
	if err != nil {
		return State{}, err
	}
	p.Release()
	return State{Running: true, Pid: rep.Pid, Warning: rep.Warning}, nil
}

// State reports whether the VM's bhyve runs: its process is alive and its
// vmm instance exists (a recycled pid has no /dev/vmm/<J>). Between two
// runs of a restart the VM briefly reads as not running.
func (d *Driver) State(runDir string) State {
	var st state
	if ctl.ReadJSON(filepath.Join(runDir, stateFile), &st) != nil || !alive(st.Pid) || !vmmExists(st.Name) {
		return State{}
	}
	return State{Running: true, Pid: st.Pid}
}

// Stop powers the guest off: SIGTERM makes bhyve press the ACPI power
// button, pressed again halfway through grace (CBSD's double_acpi), then
// SIGKILL. The supervisor sees the stop mark and cleans up (taps, vmm);
// when there is no supervisor, Stop does that itself.
func (d *Driver) Stop(ctx context.Context, name, runDir string, grace time.Duration) error {
	var st state
	if ctl.ReadJSON(filepath.Join(runDir, stateFile), &st) != nil || !alive(st.Pid) {
		return fmt.Errorf("%s: %w", name, errdefs.ErrNotRunning)
	}
	supervised := alive(st.Supervisor)
	if err := os.WriteFile(filepath.Join(runDir, stopFile), nil, 0o600); err != nil {
		return err
	}
	unix.Kill(st.Pid, unix.SIGTERM)
	if !waitGone(ctx, st.Pid, grace/2) {
		unix.Kill(st.Pid, unix.SIGTERM)
		if !waitGone(ctx, st.Pid, grace-grace/2) {
			d.logger().Warn("guest ignored the ACPI power-off; killing bhyve", "vm", name, "grace", grace)
			unix.Kill(st.Pid, unix.SIGKILL)
			waitGone(ctx, st.Pid, 10*time.Second)
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	host := &Host{Run: d.Run}
	if !supervised || !waitGone(ctx, st.Supervisor, time.Minute) {
		var sp Spec
		if err := ctl.ReadJSON(filepath.Join(runDir, planFile), &sp); err == nil {
			host.Down(ctx, &sp.VM)
		}
	}
	host.Destroy(ctx, name)
	os.Remove(filepath.Join(runDir, stateFile))
	return nil
}

// Console attaches the terminal to the user side of the VM's nmdm(4)
// console (dev, ConsoleB) until Ctrl-] is typed.
func (d *Driver) Console(ctx context.Context, dev string, in *os.File, out io.Writer) error {
	c, err := os.OpenFile(dev, os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		return fmt.Errorf("console %s: %w (is the VM running?)", dev, err)
	}
	defer c.Close()
	if old, err := term.MakeRaw(int(c.Fd())); err == nil {
		defer term.Restore(int(c.Fd()), old)
	}
	if term.IsTerminal(int(in.Fd())) {
		old, err := term.MakeRaw(int(in.Fd()))
		if err == nil {
			defer term.Restore(int(in.Fd()), old)
		}
		fmt.Fprint(out, "connected to the serial console; Ctrl-] detaches\r\n")
	}
	done := make(chan struct{}, 2)
	go func() { io.Copy(out, c); done <- struct{}{} }()
	go func() {
		buf := make([]byte, 256)
		for {
			n, err := in.Read(buf)
			for i := 0; i < n; i++ {
				if buf[i] == 0x1d { // Ctrl-]
					c.Write(buf[:i])
					done <- struct{}{}
					return
				}
			}
			if n > 0 {
				c.Write(buf[:n])
			}
			if err != nil {
				done <- struct{}{}
				return
			}
		}
	}()
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM)
	defer signal.Stop(sigs)
	select {
	case <-done:
	case <-sigs:
	case <-ctx.Done():
	}
	return nil
}

// alive reports whether pid is a running process.
func alive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := unix.Kill(pid, 0)
	return err == nil || err == unix.EPERM
}

// vmmExists reports whether the VM's vmm(4) instance exists.
func vmmExists(name string) bool {
	if name == "" {
		return false
	}
	_, err := os.Stat("/dev/vmm/" + name)
	return err == nil
}

// waitGone waits up to d for pid to exit and reports whether it did.
func waitGone(ctx context.Context, pid int, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for alive(pid) {
		if time.Now().After(deadline) {
			return false
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(50 * time.Millisecond):
		}
	}
	return true
}
