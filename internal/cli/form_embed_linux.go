//go:build tuiembed

package cli

import (
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// programFD is the descriptor cbsd-tui's memory file has in the child: the
// third of its ExtraFiles, after the request and the reply pipes.
const programFD = 5

// programFile puts the embedded cbsd-tui in an anonymous memory file that
// the child runs as /proc/self/fd/<programFD>: nothing is written to disk, and a
// /tmp mounted noexec does not matter. Without memfd_create it falls back
// to a file (fileProgram).
func programFile(c *Ctx) (string, []*os.File, func(), error) {
	fd, err := unix.MemfdCreate("cbsd-tui", unix.MFD_CLOEXEC)
	if err != nil {
		return fileProgram(c)
	}
	f := os.NewFile(uintptr(fd), "cbsd-tui")
	if _, err := io.WriteString(f, tuiProgram); err != nil {
		f.Close()
		return "", nil, nil, err
	}
	return fmt.Sprintf("/proc/self/fd/%d", programFD), []*os.File{f}, func() { f.Close() }, nil
}
