package qemu

import (
	"context"
	"fmt"
	"io"
	"net"
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

// Start starts a VM and returns once QEMU answers on QMP.
func (d *Driver) Start(ctx context.Context, s *Spec) (State, error) {
	if st := d.State(s.RunDir); st.Running {
		return st, fmt.Errorf("%s: %w", s.VM.Name, errdefs.ErrRunning)
	}
	if len(s.VM.QMPSock) > 100 || len(s.VM.ConsoleSock) > 100 {
		return State{}, fmt.Errorf("socket path %s is too long for a unix socket (use a shorter workdir): %w", s.VM.QMPSock, errdefs.ErrInvalid)
	}
	if err := os.MkdirAll(s.RunDir, 0o700); err != nil {
		return State{}, err
	}
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

// State reports whether the VM's QEMU runs.
func (d *Driver) State(runDir string) State {
	var st state
	if ctl.ReadJSON(filepath.Join(runDir, stateFile), &st) != nil || !ctl.Alive(st.Pid, st.PidStart) {
		return State{}
	}
	return State{Running: true, Pid: st.Pid}
}

// Stop powers the VM down over ACPI and forces it after grace.
func (d *Driver) Stop(ctx context.Context, name, runDir string, grace time.Duration) error {
	var st state
	if ctl.ReadJSON(filepath.Join(runDir, stateFile), &st) != nil || !ctl.Alive(st.Pid, st.PidStart) {
		return fmt.Errorf("%s: %w", name, errdefs.ErrNotRunning)
	}
	if ok, err := ctl.RequestStop(ctx, filepath.Join(runDir, supSockName), grace); ok || err != nil {
		return err
	}
	// No supervisor: force it.
	unix.Kill(st.Pid, unix.SIGKILL)
	for i := 0; i < 1000 && ctl.Alive(st.Pid, st.PidStart); i++ {
		time.Sleep(5 * time.Millisecond)
	}
	os.Remove(filepath.Join(runDir, stateFile))
	return nil
}

// Console attaches the terminal to the VM's serial console socket until
// Ctrl-] is typed or the VM goes away.
func (d *Driver) Console(ctx context.Context, sock string, in *os.File, out io.Writer) error {
	c, err := net.Dial("unix", sock)
	if err != nil {
		return fmt.Errorf("console %s: %w (is the VM running?)", sock, err)
	}
	defer c.Close()
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
