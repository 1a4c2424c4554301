package quiet

import "github.com/charmbracelet/lipgloss"

func init() {
	// Dark until a form finds out (tui.Run); nothing is rendered before.
	lipgloss.SetHasDarkBackground(true)
}
