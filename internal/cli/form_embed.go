//go:build tuiembed

package cli

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/cbsdgo/cbsd/internal/sys"
	"github.com/cbsdgo/cbsd/internal/tui/ask"
)

// tuiProgram is cmd/cbsd-tui for this platform, put in by scripts/build.sh.
//
//go:embed tuibin/cbsd-tui
var tuiProgram string

// formTimeout ends a form nobody answers.
const formTimeout = 12 * time.Hour

// runForm shows a form with the embedded cbsd-tui (programFile says where
// it runs from): cbsd itself does not link the terminal libraries, whose
// start-up every command would pay for.
func runForm(ctx context.Context, c *Ctx, req ask.Request) (ask.Reply, error) {
	prog, progFile, cleanup, err := programFile(c)
	if err != nil {
		return ask.Reply{}, fmt.Errorf("form: %w", err)
	}
	defer cleanup()
	reqR, reqW, err := os.Pipe()
	if err != nil {
		return ask.Reply{}, err
	}
	defer reqR.Close()
	replyR, replyW, err := os.Pipe()
	if err != nil {
		reqW.Close()
		return ask.Reply{}, err
	}
	defer replyR.Close()
	// The request is small: it fits in the pipe before the form starts.
	err = ask.Write(reqW, req)
	reqW.Close()
	if err != nil {
		replyW.Close()
		return ask.Reply{}, err
	}
	var r ask.Reply
	got := make(chan error, 1)
	go func() { got <- ask.Read(replyR, &r) }()
	_, err = c.Run.Run(ctx, sys.Cmd{Argv: []string{prog}, Stdin: c.Stdin, Stdout: c.Stdout, Stderr: c.Stderr,
		Timeout: formTimeout, ExtraFiles: append([]*os.File{reqR, replyW}, progFile...),
		// A form told to stop (cbsd got SIGTERM, SIGINT or SIGHUP) restores
		// the terminal before it exits.
		Interrupt: syscall.SIGTERM})
	replyW.Close()
	rerr := <-got
	if err != nil && ctx.Err() != nil {
		return ask.Reply{}, errors.New("interrupted, nothing written")
	}
	if err != nil {
		return ask.Reply{}, fmt.Errorf("form: %w", err)
	}
	return r, rerr
}

// fileProgram writes the embedded cbsd-tui to a private temporary
// directory (in the workdir's var/run, where the jail helper runs from
// too, or else in $TMPDIR) and returns its path and what removes it.
func fileProgram(c *Ctx) (string, []*os.File, func(), error) {
	parent := ""
	if c.L.W != "" {
		if fi, err := os.Stat(c.L.Path("var", "run")); err == nil && fi.IsDir() {
			parent = c.L.Path("var", "run")
		}
	}
	dir, err := os.MkdirTemp(parent, ".cbsd-tui-")
	if err != nil {
		return "", nil, nil, err
	}
	prog := filepath.Join(dir, "cbsd-tui")
	if err := os.WriteFile(prog, []byte(tuiProgram), 0o700); err != nil {
		os.RemoveAll(dir)
		return "", nil, nil, err
	}
	return prog, nil, func() { os.RemoveAll(dir) }, nil
}
