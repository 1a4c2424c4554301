package bhyve

import "strings"

// ConsoleA is the nmdm(4) device bhyve gets as com1 ("/dev/nmdm-<J>A"; the
// user side is ConsoleB). nmdm accepts any "nmdm<name>A/B" pair, so the
// name is stable per VM rather than the first free number.
func ConsoleA(name string) string { return "/dev/nmdm-" + devName(name) + "A" }

// ConsoleB is the other end of ConsoleA, where a console client attaches.
func ConsoleB(name string) string { return "/dev/nmdm-" + devName(name) + "B" }

// devName keeps the characters devfs names take as they are.
func devName(name string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			return r
		}
		return '_'
	}, name)
}
