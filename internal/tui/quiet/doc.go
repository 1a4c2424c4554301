// Package quiet keeps cbsd from asking the terminal for its colours at
// start. Bubble Tea v1 does so in its init (lipgloss.HasDarkBackground,
// to get the answer before a program owns the terminal): every cbsd
// command, not only the forms, would write an OSC 11 query to the user's
// terminal, wait for the answer and eat what was typed ahead.
//
// Go initialises packages in import-path order once their imports are
// initialised; this package's path sorts before
// github.com/charmbracelet/bubbletea, so its init runs first and tells
// lipgloss the background, which stops the query. The forms ask the
// terminal themselves, just before one is shown (tui.Run).
package quiet
