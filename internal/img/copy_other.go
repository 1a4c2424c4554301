//go:build !linux

package img

import (
	"io"
	"os"
)

// copyRange writes n bytes of f from off to w.
func copyRange(w *os.File, f *os.File, off, n int64) error {
	_, err := io.Copy(w, io.NewSectionReader(f, off, n))
	return err
}
