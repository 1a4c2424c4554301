package sys

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"time"
)

// DefaultTimeout bounds a command that was given no timeout of its own.
const DefaultTimeout = 5 * time.Minute

// ExecError describes a command that could not run or exited non-zero.
type ExecError struct {
	Argv     []string
	ExitCode int // -1 when the command did not run to completion
	Stderr   string
	Err      error
}

func (e *ExecError) Error() string {
	msg := strings.TrimSpace(e.Stderr)
	if len(msg) > 2000 {
		msg = "..." + msg[len(msg)-2000:]
	}
	cmd := strings.Join(e.Argv, " ")
	if msg == "" {
		return fmt.Sprintf("%s: %v", cmd, e.Err)
	}
	return fmt.Sprintf("%s: %v: %s", cmd, e.Err, msg)
}

func (e *ExecError) Unwrap() error { return e.Err }

// Cmd describes one external command.
type Cmd struct {
	Argv    []string
	Dir     string
	Env     []string // nil = inherit
	Stdin   io.Reader
	Stdout  io.Writer // nil = captured and returned
	Stderr  io.Writer // extra sink for stderr, captured too unless it is an *os.File
	Timeout time.Duration
	// ExtraFiles are passed as fds 3, 4, ... to the child.
	ExtraFiles []*os.File
	// Interrupt, when set, is the signal the command gets when ctx ends or
	// Timeout passes, so that it can clean up (a full-screen program
	// restores the terminal); SIGKILL follows if it has not exited 2 s
	// later. Unset: SIGKILL at once.
	Interrupt os.Signal
}

// Runner runs external commands.
type Runner struct {
	Log *slog.Logger
}

// CmdRunner is what runs external commands: a *Runner, or a recording
// fake in tests. Packages that run commands take one.
type CmdRunner interface {
	Run(ctx context.Context, c Cmd) ([]byte, error)
}

// NewRunner returns a Runner that logs at debug level to log.
func NewRunner(log *slog.Logger) *Runner {
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Runner{Log: log}
}

// Run runs c and returns its standard output (when c.Stdout is nil).
func (r *Runner) Run(ctx context.Context, c Cmd) ([]byte, error) {
	if len(c.Argv) == 0 {
		return nil, errors.New("sys: empty argv")
	}
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.Argv[0], c.Argv[1:]...)
	cmd.WaitDelay = 2 * time.Second
	if c.Interrupt != nil {
		cmd.Cancel = func() error { return cmd.Process.Signal(c.Interrupt) }
	}
	cmd.Dir = c.Dir
	cmd.Env = c.Env
	cmd.Stdin = c.Stdin
	cmd.ExtraFiles = c.ExtraFiles
	var stdout, stderr bytes.Buffer
	if c.Stdout != nil {
		cmd.Stdout = c.Stdout
	} else {
		cmd.Stdout = &stdout
	}
	if f, ok := c.Stderr.(*os.File); ok && f != nil {
		// A file is handed to the child as is: a detached grandchild (a
		// container's init) may keep it open long after the command exits.
		cmd.Stderr = f
	} else if c.Stderr != nil {
		cmd.Stderr = io.MultiWriter(&stderr, c.Stderr)
	} else {
		cmd.Stderr = &stderr
	}
	start := time.Now()
	err := cmd.Run()
	r.Log.Debug("exec", "argv", c.Argv, "took", time.Since(start), "err", err)
	if err != nil {
		ee := &ExecError{Argv: c.Argv, ExitCode: -1, Stderr: stderr.String(), Err: err}
		var xe *exec.ExitError
		if errors.As(err, &xe) {
			ee.ExitCode = xe.ExitCode()
		}
		if ctx.Err() == context.DeadlineExceeded {
			ee.Err = fmt.Errorf("timed out after %s: %w", timeout, context.DeadlineExceeded)
		}
		return stdout.Bytes(), ee
	}
	return stdout.Bytes(), nil
}

// Output is a shorthand for Run with only an argv and a timeout.
func (r *Runner) Output(ctx context.Context, timeout time.Duration, argv ...string) ([]byte, error) {
	return r.Run(ctx, Cmd{Argv: argv, Timeout: timeout})
}

// LookPath reports the absolute path of a program, or an error naming the
// Debian package that usually provides it.
func LookPath(name string) (string, error) {
	p, err := exec.LookPath(name)
	if err != nil {
		return "", fmt.Errorf("%s not found in PATH: %w", name, err)
	}
	return p, nil
}
