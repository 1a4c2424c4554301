package cli

import (
	"context"
	"fmt"

	"github.com/cbsdgo/cbsd/internal/service"
)

func jcloneCmd() *Command {
	return &Command{
		Name: "jclone", Desc: "Copy a stopped jail under a new name (O(1) on btrfs and ZFS)",
		Args: []string{"old", "new"}, Opt: []string{"host_hostname", "ip4_addr", "checkstate", "promote", "clone_method", "mac_reinit"},
		Usage: `  cbsd jclone old=web1 new=web2 host_hostname=web2.example ip4_addr=DHCP
Without ip4_addr the clone keeps the source's address (as CBSD does).
Scripts in jails-system/<old>/clone-local.d may make the new data directory
on the storage side (all succeed: cbsd copies nothing; one fails: abort).
A copy shows its progress on stderr; --quiet hides it.`,
		Run: func(ctx context.Context, c *Ctx, a *Args) error {
			s, err := c.Service(ctx)
			if err != nil {
				return err
			}
			s.Progress = progressOut(c, a)
			e, err := s.Clone(ctx, service.CloneRequest{Old: a.KV["old"], New: a.KV["new"],
				Hostname: a.KV["host_hostname"], IP4: a.KV["ip4_addr"], CheckState: a.Value("checkstate", "1") != "0"})
			if err != nil {
				return err
			}
			fmt.Fprintf(c.Stdout, "jclone: %s cloned from %s (%s)\n", e.Name(), a.KV["old"], s.BackendName())
			return nil
		},
	}
}

func jrenameCmd() *Command {
	return &Command{
		Name: "jrename", Desc: "Rename a jail (restart=1 renames a running one)",
		Args: []string{"old", "new"}, Opt: []string{"host_hostname", "ip4_addr", "restart"},
		Run: func(ctx context.Context, c *Ctx, a *Args) error {
			s, err := c.Service(ctx)
			if err != nil {
				return err
			}
			_, err = s.Rename(ctx, service.RenameRequest{Old: a.KV["old"], New: a.KV["new"],
				Hostname: a.KV["host_hostname"], IP4: a.KV["ip4_addr"], Restart: a.KV["restart"] == "1"})
			if err != nil {
				return err
			}
			fmt.Fprintf(c.Stdout, "jrename: %s renamed to %s\n", a.KV["old"], a.KV["new"])
			return nil
		},
	}
}
