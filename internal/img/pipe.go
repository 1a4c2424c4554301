package img

import (
	"context"
	"io"
	"os"
	"sync"

	"github.com/cbsdgo/cbsd/internal/sys"

	"golang.org/x/sys/unix"
)

// pipe makes a blocking pipe that this process's poller does not watch:
// its ends are only handed to the commands of a pipeline, and an os.Pipe
// would wake the poller at every read and write they make.
func pipe() (r, w *os.File, err error) {
	var fds [2]int
	if err := unix.Pipe2(fds[:], unix.O_CLOEXEC); err != nil {
		return nil, nil, err
	}
	return os.NewFile(uintptr(fds[0]), "|0"), os.NewFile(uintptr(fds[1]), "|1"), nil
}

// pipeline runs first | second through the command runner: first's
// standard output (given to wrap, when set, which returns what first
// writes to) feeds second's standard input. A failing command cancels the
// other. It returns each command's error.
func pipeline(ctx context.Context, run Runner, first, second sys.Cmd, wrap func(io.Writer) io.Writer) (firstErr, secondErr error) {
	pr, pw, err := pipe()
	if err != nil {
		return err, nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		second.Stdin = pr
		_, secondErr = run.Run(ctx, second)
		pr.Close()
		if secondErr != nil {
			cancel()
		}
	}()
	first.Stdout = pw
	if wrap != nil {
		first.Stdout = wrap(pw)
	}
	_, firstErr = run.Run(ctx, first)
	pw.Close()
	if firstErr != nil {
		cancel()
	}
	wg.Wait()
	return firstErr, secondErr
}
