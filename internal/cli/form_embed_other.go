//go:build tuiembed && !linux

package cli

import "os"

// programFile writes the embedded cbsd-tui to a file (fileProgram).
func programFile(c *Ctx) (string, []*os.File, func(), error) { return fileProgram(c) }
