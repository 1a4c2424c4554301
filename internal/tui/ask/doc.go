// Package ask is what a cbsd command asks of a full-screen form and what
// it gets back, as plain data: the forms (package tui and the libraries
// under it) can then run inside cbsd or in the cbsd-tui program that
// scripts/build.sh embeds, so that commands without a form do not pay for
// the terminal libraries' start-up.
package ask
