package tui

import (
	"context"
	"errors"
	"io"
	"os"
	"strings"

	"github.com/charmbracelet/huh"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/cbsdgo/cbsd/internal/tui/ask"
	_ "github.com/cbsdgo/cbsd/internal/tui/quiet" // no terminal queries at start
)

// ErrAborted is returned when the user leaves a form (Esc, Ctrl+C).
var ErrAborted = errors.New("aborted")

// Width and Height are what every form fits in: an 80x24 terminal.
const (
	Width  = 78
	Height = 22
)

// Run shows f on the terminal of in/out. Without a terminal it fails with
// a clear error naming the non-interactive alternative.
func Run(ctx context.Context, f *huh.Form, in *os.File, out io.Writer, alternative string) error {
	if err := ask.NeedTerminal(in, out, alternative); err != nil {
		return err
	}
	o := out.(*os.File)
	// The one question to the terminal, now that a form is shown (cbsd
	// does not ask at start: package quiet).
	lipgloss.SetHasDarkBackground(termenv.NewOutput(o).HasDarkBackground())
	err := f.WithInput(in).WithOutput(out).WithWidth(Width).WithHeight(Height).
		WithTheme(huh.ThemeBase16()).WithShowHelp(true).RunWithContext(ctx)
	if errors.Is(err, huh.ErrUserAborted) {
		return ErrAborted
	}
	return err
}

// plain escapes the characters a Note renders as markup (_ * `), so
// setting names such as host_hostname show as typed.
func plain(s string) string {
	return strings.NewReplacer("\\", "\\\\", "_", "\\_", "*", "\\*", "`", "\\`").Replace(s)
}
