//go:build !linux && !freebsd

package lock

import (
	"os"
	"time"

	"github.com/cbsdgo/cbsd/internal/errdefs"
)

// TakeOwnership is not supported on this platform yet.
func TakeOwnership(path, node string, stale time.Duration) (*os.File, string, error) {
	return nil, "", errdefs.ErrNotSupported
}
