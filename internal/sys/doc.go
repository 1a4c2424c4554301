// Package sys is the only place in cbsd that runs external commands.
//
// Every command goes through a Runner: argv slices (never a shell string),
// a context, a per-call timeout with WaitDelay, and captured stderr that
// ends up in a typed *ExecError when the command fails.
package sys
