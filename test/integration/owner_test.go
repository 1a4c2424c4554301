package integration

import (
	"fmt"
	"io/fs"
	"syscall"
)

// statOwner renders a file's numeric owner and group.
func statOwner(info fs.FileInfo) (string, bool) {
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return "", false
	}
	return fmt.Sprintf("%d:%d", st.Uid, st.Gid), true
}
