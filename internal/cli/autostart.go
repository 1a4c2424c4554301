package cli

import (
	"context"
	"fmt"
)

func astartCmd() *Command {
	return &Command{
		Name: "astart", Desc: "Start every jail and VM with astart=1, in b_order (run at boot)",
		Usage: `  cbsd astart     # the rc.d/systemd boot service runs this
  cbsd astop      # stops everything running, in reverse b_order`,
		Run: func(ctx context.Context, c *Ctx, a *Args) error {
			s, err := c.Service(ctx)
			if err != nil {
				return err
			}
			return s.AutoStart(ctx, func(name string, err error) {
				if err != nil {
					fmt.Fprintf(c.Stdout, "astart: %s: %v\n", name, err)
				} else {
					fmt.Fprintf(c.Stdout, "astart: %s started\n", name)
				}
			})
		},
	}
}

func astopCmd() *Command {
	return &Command{
		Name: "astop", Desc: "Stop every running jail and VM, in reverse b_order (run at shutdown)",
		Run: func(ctx context.Context, c *Ctx, a *Args) error {
			s, err := c.Service(ctx)
			if err != nil {
				return err
			}
			return s.AutoStop(ctx, func(name string, err error) {
				if err != nil {
					fmt.Fprintf(c.Stdout, "astop: %s: %v\n", name, err)
				} else {
					fmt.Fprintf(c.Stdout, "astop: %s stopped\n", name)
				}
			})
		},
	}
}
