// Package errdefs holds the small set of error categories shared by every
// layer of cbsd. Errors are wrapped with context using %w and tested with
// errors.Is; the CLI maps the categories to CBSD's exit codes and phrases.
package errdefs

import "errors"

// Error categories.
var (
	ErrNotFound     = errors.New("not found")
	ErrExists       = errors.New("already exists")
	ErrInvalid      = errors.New("invalid argument")
	ErrBusy         = errors.New("busy")
	ErrRunning      = errors.New("already running")
	ErrNotRunning   = errors.New("not running")
	ErrLocked       = errors.New("locked")
	ErrProtected    = errors.New("protected")
	ErrNotSupported = errors.New("not supported")
	ErrNotOwner     = errors.New("not owner")
)

// ExitCode is an error that carries an explicit process exit code, such as
// the exit status of a command run inside an environment by jexec.
type ExitCode struct {
	Code int
}

func (e *ExitCode) Error() string { return "exit status " + itoa(e.Code) }

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	neg := n < 0
	if neg {
		n = -n
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}
