package sys

import (
	"context"
	"errors"
	"io"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestRunCapturesOutputAndErrors(t *testing.T) {
	r := NewRunner(nil)
	ctx := context.Background()
	out, err := r.Output(ctx, time.Minute, "sh", "-c", "echo out; echo err >&2")
	if err != nil || string(out) != "out\n" {
		t.Fatalf("Output = %q, %v", out, err)
	}
	_, err = r.Output(ctx, time.Minute, "sh", "-c", "echo bad thing >&2; exit 3")
	var ee *ExecError
	if !errors.As(err, &ee) {
		t.Fatalf("want *ExecError, got %T %v", err, err)
	}
	if ee.ExitCode != 3 || !strings.Contains(ee.Stderr, "bad thing") || ee.Argv[0] != "sh" {
		t.Fatalf("ExecError = %+v", ee)
	}
	if !strings.Contains(err.Error(), "bad thing") || !strings.Contains(err.Error(), "sh -c") {
		t.Fatalf("message %q lacks argv or stderr", err)
	}
}

func TestRunTimeout(t *testing.T) {
	r := NewRunner(nil)
	start := time.Now()
	_, err := r.Run(context.Background(), Cmd{Argv: []string{"sleep", "10"}, Timeout: 100 * time.Millisecond})
	if err == nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want a deadline error, got %v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatalf("timeout not enforced: %s", time.Since(start))
	}
}

// TestRunInterrupt: with Interrupt set, an ended context signals the
// command, which can then finish on its own (here: exit 7 from its trap).
func TestRunInterrupt(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err := NewRunner(nil).Run(ctx, Cmd{Argv: []string{"sh", "-c", "trap 'exit 7' TERM; echo ready; while :; do sleep 0.05; done"},
		Stdout: io.Discard, Interrupt: syscall.SIGTERM, Timeout: time.Minute})
	var ee *ExecError
	if !errors.As(err, &ee) || ee.ExitCode != 7 {
		t.Fatalf("want exit code 7 from the TERM trap, got %v", err)
	}
}

func TestRunMissingProgram(t *testing.T) {
	_, err := NewRunner(nil).Output(context.Background(), time.Second, "/nonexistent/prog")
	var ee *ExecError
	if !errors.As(err, &ee) || ee.ExitCode != -1 {
		t.Fatalf("want ExecError with exit -1, got %v", err)
	}
	if _, err := NewRunner(nil).Run(context.Background(), Cmd{}); err == nil {
		t.Fatal("empty argv accepted")
	}
}
