// Command cbsd manages jails and VMs with CBSD's command language.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/cbsdgo/cbsd/internal/cli"
	"github.com/cbsdgo/cbsd/internal/runtime/jail"
	"github.com/cbsdgo/cbsd/internal/runtime/oci"
)

func main() {
	os.Exit(run())
}

func run() int {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "__init":
			return oci.RunInit()
		case "__vmsupervise":
			if len(os.Args) < 3 {
				return 2
			}
			return vmSupervisor(os.Args[2])
		case "__jailhold":
			return jail.RunHolder(os.Args[2:])
		case "__supervise":
			if len(os.Args) < 3 {
				return 2
			}
			return oci.RunSupervisor(os.Args[2])
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go cancelOnSignal(cancel)
	return cli.New(jailDriver).Main(ctx, os.Args, os.Stdin, os.Stdout, os.Stderr, os.Getenv)
}

// cancelOnSignal cancels the command's context on SIGTERM, SIGINT or
// SIGHUP, so that what it was doing is undone. It runs beside the command:
// subscribing starts Go's signal handling, which takes a few hundred
// microseconds that every command would otherwise wait for.
func cancelOnSignal(cancel context.CancelFunc) {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	<-sigs
	cancel()
}
