package oci

import (
	"bufio"
	"context"
	"debug/elf"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
	"golang.org/x/term"

	"github.com/cbsdgo/cbsd/internal/errdefs"
	"github.com/cbsdgo/cbsd/internal/network"
	"github.com/cbsdgo/cbsd/internal/runtime"
	"github.com/cbsdgo/cbsd/internal/runtime/ctl"
	"github.com/cbsdgo/cbsd/internal/sys"
	"github.com/cbsdgo/cbsd/internal/workdir"
)

// checkStatic refuses a dynamically linked cbsd: it runs inside jails that
// have no C library (build with CGO_ENABLED=0). A running cbsd built so
// answers from its own build settings, without reading the file.
func checkStatic(path string) error {
	if self, err := os.Executable(); err == nil && self == path && builtWithoutCgo() {
		return nil
	}
	f, err := elf.Open(path)
	if err != nil {
		return fmt.Errorf("inspect %s: %w", path, err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return fmt.Errorf("%s is dynamically linked; jails need a static cbsd (build with CGO_ENABLED=0): %w", path, errdefs.ErrNotSupported)
		}
	}
	return nil
}

func builtWithoutCgo() bool {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	for _, st := range bi.Settings {
		if st.Key == "CGO_ENABLED" {
			return st.Value == "0"
		}
	}
	return false
}

// Start implements runtime.Driver.
func (d *Driver) Start(ctx context.Context, s *runtime.Spec) (runtime.State, error) {
	helper := d.helper()
	if helper == d.Self {
		if err := checkStatic(d.Self); err != nil {
			return runtime.State{}, err
		}
	}
	rt, err := SelectRuntime(s.OCIRuntime, d.StateDir)
	if err != nil {
		return runtime.State{}, err
	}
	if st, _ := d.State(ctx, s.Name, s.RunDir); st.Running {
		return st, fmt.Errorf("%s: %w", s.Name, errdefs.ErrRunning)
	}
	if err := d.Cleanup(ctx, s.Name, s.RunDir); err != nil {
		return runtime.State{}, err
	}
	// Each jail's run directory and runtime state are a tree of their own
	// (the runtime's root has the mode runc gives it).
	for d, mode := range map[string]os.FileMode{filepath.Dir(s.RunDir): 0o700, rt.Root: 0o711} {
		if err := os.MkdirAll(d, mode); err != nil {
			return runtime.State{}, err
		}
		workdir.SpreadSubdirs(d)
	}
	if err := os.MkdirAll(ctlDir(s.RunDir), 0o700); err != nil {
		return runtime.State{}, err
	}
	sp, err := BuildSpec(s, helper, ctlDir(s.RunDir))
	if err != nil {
		return runtime.State{}, err
	}
	// The supervisor reads both files only after the go-ahead below.
	if err := ctl.WriteNewJSON(filepath.Join(s.RunDir, "config.json"), sp); err != nil {
		return runtime.State{}, err
	}
	id := ContainerID(s.Name)
	if err := ctl.WriteNewJSON(filepath.Join(s.RunDir, planFile), plan{Spec: *s, Runtime: *rt, ID: id}); err != nil {
		return runtime.State{}, err
	}
	w := d.takeWarm(s.Name)
	if w == nil {
		if w, err = d.spawn(s.RunDir); err != nil {
			return runtime.State{}, err
		}
	}
	defer w.proc.Release()
	defer w.report.Close()
	r, p := w.report, w.proc
	if _, err := w.goW.Write([]byte("p")); err != nil {
		w.goW.Close()
		return runtime.State{}, fmt.Errorf("supervisor of %s died before its start (see %s)", s.Name, s.Log)
	}
	w.goW.Close()
	type result struct {
		rep ctl.Report
		err error
	}
	ch := make(chan result, 1)
	go func() {
		dec := json.NewDecoder(bufio.NewReader(r))
		for {
			var rep ctl.Report
			err := dec.Decode(&rep)
			if err == nil && rep.Pending {
				if s.OnPid != nil {
					s.OnPid(rep.Pid)
				}
				continue
			}
			ch <- result{rep, err}
			return
		}
	}()
	select {
	case res := <-ch:
		if res.err != nil {
			return runtime.State{}, fmt.Errorf("supervisor of %s died during start (see %s)", s.Name, s.Log)
		}
		if res.rep.Error != "" {
			err := errors.New(res.rep.Error)
			if errors.Is(lockErr(res.rep.Error), errdefs.ErrLocked) {
				err = fmt.Errorf("%s: %w", res.rep.Error, errdefs.ErrLocked)
			}
			return runtime.State{}, err
		}
		warning := res.rep.Warning
		if u := unsupportedLimits(s.Limits); len(u) > 0 {
			warning = strings.TrimPrefix(warning+"; limits with no Linux equivalent not applied: "+strings.Join(u, ", "), "; ")
		}
		return runtime.State{Running: true, Pid: res.rep.Pid, Started: time.Now(), Warning: warning}, nil
	case <-ctx.Done():
		p.Kill()
		return runtime.State{}, fmt.Errorf("start %s: %w", s.Name, ctx.Err())
	}
}

func lockErr(msg string) error {
	if len(msg) >= 9 && msg[:9] == "locked by" {
		return errdefs.ErrLocked
	}
	return nil
}

// Prepare implements runtime.Preparer: the supervisor starts (a process
// start costs milliseconds) while the caller reads the inventory and
// prepares the jail; it waits for the plan and leaves quietly if release
// is called instead. A second Prepare of the same name keeps the first.
func (d *Driver) Prepare(name, runDir string) func() {
	d.mu.Lock()
	_, warm := d.warm[name]
	d.mu.Unlock()
	if warm {
		return func() {}
	}
	w, err := d.spawn(runDir)
	if err != nil {
		return func() {}
	}
	go warmEncoders()
	d.mu.Lock()
	if d.warm == nil {
		d.warm = map[string]*warmSupervisor{}
	}
	d.warm[name] = w
	d.mu.Unlock()
	return func() {
		if w := d.takeWarm(name); w != nil {
			w.goW.Close() // EOF: the supervisor exits without doing anything
			w.report.Close()
			w.proc.Release()
		}
	}
}

func (d *Driver) takeWarm(name string) *warmSupervisor {
	d.mu.Lock()
	defer d.mu.Unlock()
	w := d.warm[name]
	delete(d.warm, name)
	return w
}

// spawn starts a supervisor for runDir: fd 3 its report, fd 4 "plan
// ready". It writes to the console log named in the plan.
func (d *Driver) spawn(runDir string) (*warmSupervisor, error) {
	repR, repW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	goR, goW, err := os.Pipe()
	if err != nil {
		repR.Close()
		repW.Close()
		return nil, err
	}
	p, err := d.Run.Spawn(sys.Daemon{Argv: []string{d.helper(), "__supervise", runDir},
		ExtraFiles: []*os.File{repW, goR}})
	repW.Close()
	goR.Close()
	if err != nil {
		repR.Close()
		goW.Close()
		return nil, err
	}
	return &warmSupervisor{proc: p, report: repR, goW: goW}, nil
}

// State implements runtime.Driver.
func (d *Driver) State(ctx context.Context, name, runDir string) (runtime.State, error) {
	var st state
	if err := ctl.ReadJSON(filepath.Join(runDir, stateFile), &st); err != nil {
		return runtime.State{}, nil
	}
	if !ctl.Alive(st.Pid, st.PidStart) {
		return runtime.State{}, nil
	}
	return runtime.State{Running: true, Pid: st.Pid, Started: st.Started}, nil
}

// Stop implements runtime.Driver: SIGTERM to the jail's init (which runs
// exec_stop and stops every process), SIGKILL after grace.
func (d *Driver) Stop(ctx context.Context, name, runDir string, opt runtime.StopOptions) error {
	grace := opt.Grace
	var st state
	if err := ctl.ReadJSON(filepath.Join(runDir, stateFile), &st); err != nil || !ctl.Alive(st.Pid, st.PidStart) {
		return fmt.Errorf("%s: %w", name, errdefs.ErrNotRunning)
	}
	var hold []*os.File
	if opt.Hold != nil {
		hold = append(hold, opt.Hold)
	}
	if ok, err := ctl.RequestStop(ctx, filepath.Join(runDir, supSockName), grace, hold...); ok || err != nil {
		return err
	}
	// No supervisor (killed): do its work here.
	d.Log.Warn("supervisor gone, stopping directly", "jail", name)
	unix.Kill(st.Pid, unix.SIGTERM)
	deadline := time.Now().Add(grace)
	for ctl.Alive(st.Pid, st.PidStart) && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	unix.Kill(st.Pid, unix.SIGKILL)
	for i := 0; i < 1000 && ctl.Alive(st.Pid, st.PidStart); i++ {
		time.Sleep(5 * time.Millisecond)
	}
	return d.Cleanup(ctx, name, runDir)
}

// Cleanup implements runtime.Driver: it removes what a jail that is no
// longer running left behind (runtime state, veth, state files).
func (d *Driver) Cleanup(ctx context.Context, name, runDir string) error {
	var st state
	hasState := ctl.ReadJSON(filepath.Join(runDir, stateFile), &st) == nil
	if hasState && ctl.Alive(st.Pid, st.PidStart) {
		return fmt.Errorf("%s: %w", name, errdefs.ErrRunning)
	}
	if _, err := os.Stat(runDir); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	var p plan
	if ctl.ReadJSON(filepath.Join(runDir, planFile), &p) == nil {
		if err := p.Runtime.Delete(ctx, d.Run, p.ID); err != nil {
			return fmt.Errorf("clean up %s: %w", name, err)
		}
	}
	network.RemoveVeth(name)
	if hasState { // the addresses the supervisor added (gone with it)
		for _, a := range st.Aliases {
			network.RemoveAlias(a)
		}
	}
	for _, f := range []string{stateFile, pidFile, supSockName, planFile, "config.json", rtLogFile} {
		os.Remove(filepath.Join(runDir, f))
	}
	os.Remove(filepath.Join(ctlDir(runDir), ExecSockName))
	return nil
}

// Exec implements runtime.Driver: the jail's init starts the process.
func (d *Driver) Exec(ctx context.Context, name, runDir string, p runtime.Process) (int, error) {
	c, err := ctl.Dial(filepath.Join(ctlDir(runDir), ExecSockName))
	if err != nil {
		if st, _ := d.State(ctx, name, runDir); !st.Running {
			return -1, fmt.Errorf("%s: %w", name, errdefs.ErrNotRunning)
		}
		return -1, fmt.Errorf("connect to the init of %s: %w", name, err)
	}
	defer c.Close()
	req := &ctl.Message{Argv: p.Argv, Env: p.Env, Dir: p.Dir, User: p.User, TTY: p.TTY}
	stdin, stdout, stderr := p.Stdin, p.Stdout, p.Stderr
	if stdin == nil {
		stdin = os.Stdin
	}
	if stdout == nil {
		stdout = os.Stdout
	}
	if stderr == nil {
		stderr = os.Stderr
	}
	if p.TTY {
		if ws, err := unix.IoctlGetWinsize(int(stdin.Fd()), unix.TIOCGWINSZ); err == nil {
			req.Rows, req.Cols = ws.Row, ws.Col
		}
		if t := os.Getenv("TERM"); t != "" {
			req.Env = append(req.Env, "TERM="+t)
		}
		err = ctl.Send(c, req)
	} else {
		err = ctl.Send(c, req, stdin, stdout, stderr)
	}
	if err != nil {
		return -1, err
	}
	rep, files, err := ctl.Recv(c)
	if err != nil {
		return -1, fmt.Errorf("exec in %s: %w", name, err)
	}
	if rep.Error != "" {
		for _, f := range files {
			f.Close()
		}
		return 127, fmt.Errorf("exec in %s: %s", name, rep.Error)
	}
	var wg sync.WaitGroup
	if p.TTY {
		if len(files) != 1 {
			return -1, fmt.Errorf("exec in %s: no terminal returned", name)
		}
		master := files[0]
		defer master.Close()
		if term.IsTerminal(int(stdin.Fd())) {
			old, err := term.MakeRaw(int(stdin.Fd()))
			if err == nil {
				defer term.Restore(int(stdin.Fd()), old)
			}
			winch := make(chan os.Signal, 1)
			signal.Notify(winch, syscall.SIGWINCH)
			defer signal.Stop(winch)
			go func() {
				for range winch {
					if ws, err := unix.IoctlGetWinsize(int(stdin.Fd()), unix.TIOCGWINSZ); err == nil {
						unix.IoctlSetWinsize(int(master.Fd()), unix.TIOCSWINSZ, ws)
					}
				}
			}()
		}
		go io.Copy(master, stdin)
		wg.Add(1)
		go func() { defer wg.Done(); io.Copy(stdout, master) }()
	} else {
		sigs := make(chan os.Signal, 4)
		signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT)
		defer signal.Stop(sigs)
		go func() {
			for sg := range sigs {
				ctl.Send(c, &ctl.Message{Signal: int(sg.(syscall.Signal))})
			}
		}()
	}
	for {
		m, fs, err := ctl.Recv(c)
		for _, f := range fs {
			f.Close()
		}
		if err != nil {
			return -1, fmt.Errorf("exec in %s: lost the jail's init: %w", name, err)
		}
		if m.Exit != nil {
			if p.TTY {
				waitTimeout(&wg, time.Second)
			}
			return *m.Exit, nil
		}
	}
}

func waitTimeout(wg *sync.WaitGroup, d time.Duration) {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(d):
	}
}
