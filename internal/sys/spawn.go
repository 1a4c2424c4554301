package sys

import (
	"errors"
	"os"
	"os/exec"
	"syscall"
)

// Daemon describes a long-lived helper process started in its own session
// (a supervisor); it outlives the command that starts it.
type Daemon struct {
	Argv       []string
	Stdout     *os.File // nil = /dev/null
	ExtraFiles []*os.File
	Env        []string
}

// Spawn starts d detached (new session, stdin /dev/null) and returns it
// without waiting; the caller synchronises with it through ExtraFiles.
func (r *Runner) Spawn(d Daemon) (*os.Process, error) {
	if len(d.Argv) == 0 {
		return nil, errors.New("sys: empty argv")
	}
	cmd := exec.Command(d.Argv[0], d.Argv[1:]...)
	cmd.Stdout = d.Stdout
	cmd.Stderr = d.Stdout
	cmd.ExtraFiles = d.ExtraFiles
	cmd.Env = d.Env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return nil, &ExecError{Argv: d.Argv, ExitCode: -1, Err: err}
	}
	r.Log.Debug("spawn", "argv", d.Argv, "pid", cmd.Process.Pid)
	return cmd.Process, nil
}

// StartChild starts a long-running child that the caller supervises and
// waits for (a VM's QEMU under its supervisor). Stdout and Stderr of c are
// used as given; there is no timeout: the supervisor decides its life.
func (r *Runner) StartChild(c Cmd) (*exec.Cmd, error) {
	if len(c.Argv) == 0 {
		return nil, errors.New("sys: empty argv")
	}
	cmd := exec.Command(c.Argv[0], c.Argv[1:]...)
	cmd.Dir, cmd.Env, cmd.Stdin = c.Dir, c.Env, c.Stdin
	cmd.Stdout, cmd.Stderr = c.Stdout, c.Stderr
	cmd.ExtraFiles = c.ExtraFiles
	if err := cmd.Start(); err != nil {
		return nil, &ExecError{Argv: c.Argv, ExitCode: -1, Err: err}
	}
	r.Log.Debug("child", "argv", c.Argv, "pid", cmd.Process.Pid)
	return cmd, nil
}
