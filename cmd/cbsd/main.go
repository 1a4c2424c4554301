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
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	defer stop()
	return cli.New(jailDriver).Main(ctx, os.Args, os.Stdin, os.Stdout, os.Stderr, os.Getenv)
}
