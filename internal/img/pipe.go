package img

import (
	"os"

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
