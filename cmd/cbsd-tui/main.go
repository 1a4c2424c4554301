// Command cbsd-tui shows cbsd's full-screen forms. scripts/build.sh embeds
// it in cbsd, which runs it for initenv-tui, jconstruct-tui and
// bconstruct-tui: the terminal libraries then start only with a form, not
// with every cbsd command. It reads the form to show from fd 3 and writes
// the answer to fd 4 (package ask).
package main

import (
	"os"

	"github.com/cbsdgo/cbsd/internal/tui"
)

func main() { os.Exit(tui.Main()) }
