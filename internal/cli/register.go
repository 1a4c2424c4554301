package cli

import (
	"context"
	"fmt"

	"github.com/cbsdgo/cbsd/internal/env"
	"github.com/cbsdgo/cbsd/internal/errdefs"
	"github.com/cbsdgo/cbsd/internal/inventory"
	"github.com/cbsdgo/cbsd/internal/service"
)

func junregisterCmd(name, emulator string) *Command {
	return &Command{
		Name: name, Desc: "Remove " + kindOf(emulator) + " from the inventory, keeping their data and files",
		Args: []string{"jname"}, Opt: []string{"rcfile", "dbfile"},
		Usage: `  cbsd junregister jname=jail1
  cbsd junregister jname='*'          # every jail; one result line each
Writes W/jails-rcconf/rc.conf_<J> (workdir as CBSDROOT), converts fstab and
fstab.local, deletes the inventory row and runs mnt_stop. No data is touched.
A running jail is refused ("Jail is active. Please stop them first").`,
		Run: func(ctx context.Context, c *Ctx, a *Args) error {
			s, err := c.Service(ctx)
			if err != nil {
				return err
			}
			name := a.KV["jname"]
			if !env.IsMask(name) {
				return s.Unregister(ctx, service.UnregisterRequest{Name: name, Rcfile: a.KV["rcfile"]})
			}
			es, err := s.Store.List(ctx, inventory.Filter{Mask: name, Emulators: []string{emulator}, Columns: []string{"jname"}})
			if err != nil {
				return err
			}
			if len(es) == 0 {
				return fmt.Errorf("No such jail: %s: %w", name, errdefs.ErrNotFound)
			}
			var names []string
			for _, e := range es {
				names = append(names, e.Name())
			}
			return batch(ctx, c, s, names, func(n string) (string, error) {
				return c.Cmd.Name + ": " + n + " unregistered", s.Unregister(ctx, service.UnregisterRequest{Name: n})
			})
		},
	}
}

func jregisterCmd(name, emulator string) *Command {
	return &Command{
		Name: name, Desc: "Add " + kindOf(emulator) + " to the inventory from their descriptors in W/jails-rcconf",
		Opt: []string{"jname", "rcfile", "dbfile", "mnt_start", "mode", "progress"},
		Usage: `  cbsd jregister jname=jail1
  cbsd jregister jname='jail*'        # every W/jails-rcconf/rc.conf_jail*; one result line each
  cbsd jregister rcfile=/path/rc.conf_jail1
  cbsd jregister jname=jail1 mnt_start=/root/bin/mount_jail1.sh
mnt_start (given here or read from the descriptor) runs before any
per-jail file is read, so a node can adopt jails whose files appear only
once the hook has mounted them. Registering a name that is already
registered is an error for that jail.`,
		Run: func(ctx context.Context, c *Ctx, a *Args) error {
			name, rcfile := a.KV["jname"], a.KV["rcfile"]
			if name == "" && rcfile == "" {
				fmt.Fprintln(c.Stdout, "Please specify: jname= or rcfile=")
				return &errdefs.ExitCode{Code: 1}
			}
			s, err := c.Service(ctx)
			if err != nil {
				return err
			}
			reg := func(n, rc string) (string, error) {
				e, err := s.Register(ctx, service.RegisterRequest{Name: n, Rcfile: rc, MntStart: a.KV["mnt_start"]})
				if err != nil {
					return "", err
				}
				return fmt.Sprintf("%s: %s registered (status %s)", c.Cmd.Name, e.Name(), service.StatusText(e)), nil
			}
			if rcfile != "" || !env.IsMask(name) {
				msg, err := reg(name, rcfile)
				if err == nil {
					fmt.Fprintln(c.Stdout, msg)
				}
				return err
			}
			names, err := s.RcconfNames(name, emulator)
			if err != nil {
				return err
			}
			if len(names) == 0 {
				return fmt.Errorf("no rcconf file matches %s in %s: %w", name, s.L.RcconfDir(), errdefs.ErrNotFound)
			}
			return batch(ctx, c, s, names, func(n string) (string, error) { return reg(n, "") })
		},
	}
}

// batch runs fn for each name in-process with bounded parallelism (no task
// daemon), prints one result line per item in order and, as CBSD does for
// multiple (un)registrations, exits 0 once all were tried.
func batch(ctx context.Context, c *Ctx, s *service.Service, names []string, fn func(string) (string, error)) error {
	msgs := make([]string, len(names))
	parallel(s, len(names), func(i int) {
		msg, err := fn(names[i])
		if err != nil {
			msg = fmt.Sprintf("%s: %s: %s", c.Cmd.Name, names[i], message(err))
		}
		msgs[i] = msg
	})
	for _, m := range msgs {
		fmt.Fprintln(c.Stdout, m)
	}
	fmt.Fprintf(c.Stdout, "Multiple %s: done\n", c.Cmd.Name)
	return nil
}

func kindOf(emulator string) string {
	switch emulator {
	case "bhyve":
		return "VMs"
	case "jail":
		return "jails"
	}
	return "environments"
}
