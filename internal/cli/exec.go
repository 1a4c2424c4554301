package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"

	"github.com/cbsdgo/cbsd/internal/env"
	"github.com/cbsdgo/cbsd/internal/errdefs"
	"github.com/cbsdgo/cbsd/internal/runtime"
	"github.com/cbsdgo/cbsd/internal/service"
)

var jexecOpts = map[string]bool{"jname": true, "user": true, "dir": true, "cmd": true, "quiet": true, "inter": true, "workdir": true}

func jexecCmd() *Command {
	return &Command{
		Name: "jexec", Desc: "Run a command inside a running jail",
		Args: []string{"jname"}, Opt: []string{"user", "dir", "cmd"},
		Usage: `  cbsd jexec jname=web1 cat /etc/os-release
  cbsd jexec jname=web1 sh -c 'echo a > /root/f'
  cbsd jexec jname=web1 user=nobody dir=/tmp id
  cbsd jexec jname=web1 cmd="ls -l / | wc -l"     # run a string with /bin/sh -c
The words after the options are the command's argv, passed unchanged; with
no command, /bin/sh reads the script from standard input. The exit code is
the command's.`,
		Run: runJexec,
	}
}

// splitExec separates jexec's own leading k=v options from the command.
func splitExec(words []string) (*Args, []string) {
	i := 0
	for ; i < len(words); i++ {
		eq := strings.IndexByte(words[i], '=')
		if eq <= 0 || !jexecOpts[words[i][:eq]] {
			break
		}
	}
	return Parse(words[:i]), words[i:]
}

func runJexec(ctx context.Context, c *Ctx, all *Args) error {
	a, argv := splitExec(all.Words)
	name := a.KV["jname"]
	if name == "" {
		name = all.KV["jname"] // from H_CBSD_jname
	}
	if cmd, ok := a.KV["cmd"]; ok {
		argv = []string{"/bin/sh", "-c", cmd}
	}
	if len(argv) == 0 {
		argv = []string{"/bin/sh"}
	}
	p := runtime.Process{Argv: argv, User: a.KV["user"], Dir: a.KV["dir"]}
	if ok, err := execRunning(ctx, c, name, p); ok {
		return err
	}
	s, err := c.Service(ctx)
	if err != nil {
		return err
	}
	return execIn(ctx, c, s, name, p)
}

// execRunning runs p in the jail if its driver says it is running: a
// running jail needs no inventory read. It reports false, having done
// nothing, when the inventory has to tell why the jail is not running.
func execRunning(ctx context.Context, c *Ctx, name string, p runtime.Process) (bool, error) {
	if env.ValidateName(name) != nil || !c.L.Exists() {
		return false, nil
	}
	drv, err := c.Driver()
	if err != nil {
		return false, nil
	}
	if st, _ := drv.State(ctx, name, c.L.RunDir(name)); !st.Running {
		return false, nil
	}
	return true, exitError(drv.Exec(ctx, name, c.L.RunDir(name), onStdio(c, p)))
}

// execIn runs p in a jail on the command's stdio and turns a non-zero exit
// code into the command's own.
func execIn(ctx context.Context, c *Ctx, s *service.Service, name string, p runtime.Process) error {
	return exitError(s.Exec(ctx, name, onStdio(c, p)))
}

// onStdio gives p the command's standard input, output and error.
func onStdio(c *Ctx, p runtime.Process) runtime.Process {
	p.Stdin, p.Stdout, p.Stderr = c.Stdin, fileOf(c.Stdout, os.Stdout), fileOf(c.Stderr, os.Stderr)
	return p
}

// exitError turns a command's non-zero exit code into the command's own.
func exitError(code int, err error) error {
	if err != nil {
		return err
	}
	if code != 0 {
		return &errdefs.ExitCode{Code: code}
	}
	return nil
}

func fileOf(w any, def *os.File) *os.File {
	if f, ok := w.(*os.File); ok {
		return f
	}
	return def
}

func jloginCmd() *Command {
	return &Command{
		Name: "jlogin", Desc: "Open an interactive shell in a running jail",
		Args: []string{"jname"}, Opt: []string{"user", "inter"}, PosName: true,
		Run: func(ctx context.Context, c *Ctx, a *Args) error {
			name := a.Name()
			s, err := c.Service(ctx)
			if err != nil {
				return err
			}
			shell := []string{"/bin/sh", "-l"}
			if e, err := s.Get(ctx, name); err == nil {
				root := s.BaseDir(e)
				if e.Bool("baserw") {
					root = e.Get("data")
				}
				if _, err := os.Stat(filepath.Join(root, "bin/bash")); err == nil {
					shell = []string{"/bin/bash", "-l"}
				}
			}
			tty := true
			if fi, err := c.Stdin.Stat(); err != nil || fi.Mode()&os.ModeCharDevice == 0 {
				tty = false // not a terminal: a plain shell on the pipe
			}
			return execIn(ctx, c, s, name, runtime.Process{Argv: shell, User: a.KV["user"], TTY: tty, Dir: "/root"})
		},
	}
}
