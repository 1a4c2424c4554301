//go:build !linux

package lock

import (
	"os"

	"github.com/cbsdgo/cbsd/internal/errdefs"
)

// TakeOwnership is not supported on this platform yet.
func TakeOwnership(path, node string) (*os.File, error) { return nil, errdefs.ErrNotSupported }

// Held is not supported on this platform yet.
func Held(path string) bool { return false }
