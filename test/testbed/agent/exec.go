//go:build linux

package main

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"syscall"

	"github.com/cbsdgo/cbsd/test/testbed/internal/wire"
)

// run executes req and waits for the command to exit, or kills its whole
// process group when cancel is closed. Standard input, output and error are
// unlinked temporary files rather than pipes: a daemon started by the
// command may keep them open, and the reply must not wait for it.
func run(req wire.Request, cancel <-chan struct{}) wire.Response {
	if len(req.Argv) == 0 {
		return wire.Response{Error: "empty argv"}
	}
	stdin, err := tempFile(req.Stdin)
	if err != nil {
		return wire.Response{Error: err.Error()}
	}
	defer stdin.Close()
	stdout, err := tempFile(nil)
	if err != nil {
		return wire.Response{Error: err.Error()}
	}
	defer stdout.Close()
	stderr, err := tempFile(nil)
	if err != nil {
		return wire.Response{Error: err.Error()}
	}
	defer stderr.Close()

	cmd := exec.Command(req.Argv[0], req.Argv[1:]...)
	cmd.Env = append(os.Environ(), req.Env...)
	cmd.Dir = req.Dir
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, stdout, stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return wire.Response{Error: err.Error(), Exit: 127}
	}
	done := make(chan struct{})
	go func() {
		select {
		case <-cancel:
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		case <-done:
		}
	}()
	err = cmd.Wait()
	close(done)
	resp := wire.Response{Stdout: readAll(stdout), Stderr: readAll(stderr)}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		resp.Exit = ee.ExitCode()
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			resp.Exit = 128 + int(ws.Signal())
		}
	default:
		resp.Error = err.Error()
	}
	return resp
}

// tempFile returns an unlinked file in /tmp holding data, positioned at 0.
func tempFile(data []byte) (*os.File, error) {
	f, err := os.CreateTemp("/tmp", "tbagent")
	if err != nil {
		return nil, err
	}
	_ = os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return nil, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

func readAll(f *os.File) []byte {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil
	}
	b, _ := io.ReadAll(f)
	return b
}
