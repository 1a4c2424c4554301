package img

import (
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// copyRange writes n bytes of f from off to the pipe w with sendfile(2):
// the kernel moves page-cache pages, nothing passes through this process.
func copyRange(w *os.File, f *os.File, off, n int64) error {
	// A larger pipe lets the reader take big reads, as from the file itself.
	unix.FcntlInt(w.Fd(), unix.F_SETPIPE_SZ, 1<<20)
	for n > 0 {
		chunk := int(min(n, 1<<30))
		m, err := unix.Sendfile(int(w.Fd()), int(f.Fd()), &off, chunk)
		if err == unix.EINTR || err == unix.EAGAIN {
			continue
		}
		if err != nil {
			return err
		}
		if m == 0 {
			return io.ErrUnexpectedEOF
		}
		n -= int64(m)
	}
	return nil
}
