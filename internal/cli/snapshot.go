package cli

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/cbsdgo/cbsd/internal/errdefs"
)

func jsnapshotCmd() *Command {
	return &Command{
		Name: "jsnapshot", Desc: "Snapshots of an environment's data (btrfs and ZFS backends)",
		Args: []string{"jname"}, Opt: []string{"mode", "snapname", "header", "display"},
		Usage: `  cbsd jsnapshot jname=web1 mode=create snapname=before-upgrade
  cbsd jsnapshot jname=web1 mode=create          # snapname=gettimeofday: a timestamp
  cbsd jsnapshot jname=web1 [mode=list] [--json]  # columns jname,snapname,creation,refer
  cbsd jsnapshot jname=web1 mode=rollback snapname=before-upgrade   # jail stopped
  cbsd jsnapshot jname=web1 mode=destroy snapname=before-upgrade
  cbsd jsnapshot jname=web1 mode=destroyall
On ZFS snapshots carry the user properties cbsdsnap:jname and cbsdsnap:snapname
(snapshots without them, such as a jclone's origin, are left alone); rollback
uses zfs rollback -r. On btrfs they are read-only subvolumes in
jails-data/.snapshots.`,
		Run: func(ctx context.Context, c *Ctx, a *Args) error {
			s, err := c.Service(ctx)
			if err != nil {
				return err
			}
			name := a.KV["jname"]
			if _, err := s.Get(ctx, name); errors.Is(err, errdefs.ErrNotFound) {
				return fmt.Errorf("No such jail: %s", name)
			} else if err != nil {
				return err
			}
			snap := a.Value("snapname", "")
			need := func(mode string) error {
				if snap == "" {
					return fmt.Errorf("jsnapshot mode=%s: give snapname=", mode)
				}
				return nil
			}
			switch mode := a.Value("mode", "list"); mode {
			case "create":
				if snap == "" || snap == "gettimeofday" {
					snap = time.Now().UTC().Format("20060102150405")
				}
				if err := s.Snapshot(ctx, name, snap); err != nil {
					return err
				}
				fmt.Fprintf(c.Stdout, "jsnapshot: %s@%s created\n", name, snap)
			case "list":
				snaps, err := s.Snapshots(ctx, name)
				if err != nil {
					return err
				}
				if a.Flags["json"] {
					out := []map[string]any{}
					for _, x := range snaps {
						out = append(out, map[string]any{"jname": name, "snapname": x.Name, "creation": x.Created.Unix(), "refer": x.Refer})
					}
					return writeJSON(c.Stdout, out)
				}
				var rows [][]string
				for _, x := range snaps {
					refer := "-"
					if x.Refer >= 0 {
						refer = strconv.FormatInt(x.Refer, 10)
					}
					rows = append(rows, []string{name, x.Name, x.Created.Format("2006-01-02 15:04:05"), refer})
				}
				table(c.Stdout, []string{"JNAME", "SNAPNAME", "CREATION", "REFER"}, rows, a.Value("header", "1") != "0")
			case "destroy":
				if err := need(mode); err != nil {
					return err
				}
				if err := s.DestroySnapshots(ctx, name, []string{snap}); err != nil {
					return err
				}
				fmt.Fprintf(c.Stdout, "jsnapshot: %s@%s destroyed\n", name, snap)
			case "destroyall":
				if err := s.DestroySnapshots(ctx, name, nil); err != nil {
					return err
				}
			case "rollback":
				if err := need(mode); err != nil {
					return err
				}
				if err := s.Rollback(ctx, name, snap); err != nil {
					return err
				}
				fmt.Fprintf(c.Stdout, "jsnapshot: %s rolled back to %s\n", name, snap)
			default:
				return fmt.Errorf("mode=%q: want list, create, destroy, destroyall or rollback: %w", mode, errdefs.ErrInvalid)
			}
			return nil
		},
	}
}
