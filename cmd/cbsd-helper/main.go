//go:build linux

// Command cbsd-helper is what runs beside and inside a Linux jail: its
// supervisor ("__supervise <rundir>") and its init ("__init"). It is built
// into the cbsd binary (scripts/build.sh embeds it) and written out next to
// the jails' runtime state on first use: a program with a fraction of
// cbsd's packages starts in a fraction of the time, and the jail sees only
// it, not all of cbsd.
package main

import (
	"os"

	"github.com/cbsdgo/cbsd/internal/runtime/oci"
)

func main() {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "__init":
			os.Exit(oci.RunInit())
		case "__supervise":
			if len(os.Args) > 2 {
				os.Exit(oci.RunSupervisor(os.Args[2]))
			}
		}
	}
	os.Stderr.WriteString("cbsd-helper: run by cbsd, not by hand (__supervise <rundir> | __init)\n")
	os.Exit(2)
}
