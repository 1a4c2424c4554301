// Package tui holds cbsd's full-screen forms (charmbracelet/huh):
// initenv-tui over the node settings, jconstruct-tui for jails and
// bconstruct-tui for VMs. Forms only collect and validate values; the
// callers turn them into the same arguments the non-interactive commands
// take, so a form writes exactly what the command line would.
package tui
