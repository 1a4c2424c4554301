//go:build linux

package testbed

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"time"
)

// command runs one host program with a timeout and returns its standard
// output; a failure keeps the argv and standard error in the error.
type command struct {
	argv    []string
	dir     string
	env     []string
	stdin   io.Reader
	stdout  io.Writer // when set, output goes here instead of the result
	timeout time.Duration
}

func (c command) run(ctx context.Context) ([]byte, error) {
	timeout := c.timeout
	if timeout == 0 {
		timeout = 2 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.argv[0], c.argv[1:]...)
	cmd.Dir = c.dir
	if c.env != nil {
		cmd.Env = append(cmd.Environ(), c.env...)
	}
	cmd.Stdin = c.stdin
	var out, errb bytes.Buffer
	cmd.Stdout = &out
	if c.stdout != nil {
		cmd.Stdout = c.stdout
	}
	cmd.Stderr = &errb
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%s: %w: %s", strings.Join(c.argv, " "), err, strings.TrimSpace(errb.String()))
	}
	return out.Bytes(), nil
}
