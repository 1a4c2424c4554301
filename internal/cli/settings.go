package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/cbsdgo/cbsd/internal/env"
	"github.com/cbsdgo/cbsd/internal/errdefs"
	"github.com/cbsdgo/cbsd/internal/service"
)

func jsetCmd() *Command {
	return &Command{
		Name: "jset", Desc: "Change jail parameters", Args: []string{"jname"},
		Opt: append([]string{"autorestart"}, env.JARG...),
		Usage: `  cbsd jset jname=web1 host_hostname=w1.example astart=0
Running jails use the new values from their next start (autorestart=1
restarts them now).`,
		Run: func(ctx context.Context, c *Ctx, a *Args) error {
			kv := map[string]string{}
			for _, k := range a.Keys {
				switch {
				case k == "jname" || k == "autorestart" || k == "workdir" || k == "inter":
				case env.IsParam(k) && env.IsColumn(k), env.IsVMColumn(k):
					kv[k] = a.KV[k]
				default:
					return fmt.Errorf("unknown jail parameter %q: %w", k, errdefs.ErrInvalid)
				}
			}
			if len(kv) == 0 {
				return fmt.Errorf("nothing to set: give key=value pairs: %w", errdefs.ErrInvalid)
			}
			return forEach(ctx, c, a, func(ctx context.Context, s *service.Service, n string) (string, error) {
				e, err := s.Set(ctx, n, kv)
				if err != nil {
					return "", err
				}
				var lines []string
				for _, k := range a.Keys {
					if _, ok := kv[k]; ok {
						lines = append(lines, fmt.Sprintf("%s: %s", k, e.Get(k)))
					}
				}
				if a.KV["autorestart"] == "1" {
					if st := s.State(ctx, e); st.Running {
						if err := s.Stop(ctx, n); err != nil {
							return "", err
						}
						if _, err := s.Start(ctx, n); err != nil {
							return "", err
						}
						lines = append(lines, "jset: "+n+" restarted")
					}
				}
				return strings.Join(lines, "\n"), nil
			})
		},
	}
}

func jgetCmd() *Command {
	return &Command{
		Name: "jget", Desc: "Print jail parameters (all when none is named)", Args: []string{"jname"},
		Opt: []string{"mode"},
		Usage: `  cbsd jget jname=web1 host_hostname        # host_hostname: w1.example
  cbsd jget jname=web1 mode=quiet ver baserw  # values only
  cbsd jget jname=web1 --json ver baserw      # {"baserw": "0", "ver": "empty"}`,
		Run: func(ctx context.Context, c *Ctx, a *Args) error {
			s, err := c.Service(ctx)
			if err != nil {
				return err
			}
			name := a.KV["jname"]
			e, err := s.Get(ctx, name)
			if errors.Is(err, errdefs.ErrNotFound) {
				return fmt.Errorf("No such jail: %s", name)
			} else if err != nil {
				return err
			}
			s.Reconcile(ctx, e)
			keys := a.Pos
			if len(keys) == 0 {
				for _, k := range env.JARG {
					if e.Has(k) {
						keys = append(keys, k)
					}
				}
				if e.Emulator() == "bhyve" {
					for _, c := range env.VMColumns {
						if c.Name != "jname" && e.Has(c.Name) {
							keys = append(keys, c.Name)
						}
					}
				}
			}
			for _, k := range keys {
				if !e.Has(k) {
					return fmt.Errorf("unknown parameter %q: %w", k, errdefs.ErrInvalid)
				}
			}
			if a.Flags["json"] {
				out := make(map[string]string, len(keys))
				for _, k := range keys {
					out[k] = e.Get(k)
				}
				return writeJSON(c.Stdout, out)
			}
			for _, k := range keys {
				if a.KV["mode"] == "quiet" {
					fmt.Fprintln(c.Stdout, e.Get(k))
				} else {
					fmt.Fprintf(c.Stdout, "%s: %s\n", k, e.Get(k))
				}
			}
			return nil
		},
	}
}

func jstatusCmd() *Command {
	return &Command{
		Name: "jstatus", Desc: "Print a jail's jid; exit 1 when the jail exists, 0 when not (invert=1 flips)",
		Args: []string{"jname"}, Opt: []string{"invert"}, PosName: true,
		Run: func(ctx context.Context, c *Ctx, a *Args) error {
			s, err := c.Service(ctx)
			if err != nil {
				return err
			}
			name := a.Name()
			exists := true
			e, err := s.Get(ctx, name)
			if errors.Is(err, errdefs.ErrNotFound) {
				exists = false
			} else if err != nil {
				return err
			}
			if exists {
				s.Reconcile(ctx, e)
				fmt.Fprintln(c.Stdout, e.Get("jid"))
			}
			code := 0
			if exists {
				code = 1
			}
			if a.KV["invert"] == "1" {
				code = 1 - code
			}
			if code != 0 {
				return &errdefs.ExitCode{Code: code}
			}
			return nil
		},
	}
}

func jswmodeCmd() *Command {
	return &Command{
		Name: "jswmode", Desc: "Switch a jail to master, slave or maintenance mode",
		Args: []string{"jname", "mode"}, Opt: []string{"comment"},
		Run: func(ctx context.Context, c *Ctx, a *Args) error {
			st := map[string]string{"master": "0", "slave": "2", "maintenance": "3"}[a.KV["mode"]]
			if st == "" {
				return fmt.Errorf("mode=%q: want master, slave or maintenance: %w", a.KV["mode"], errdefs.ErrInvalid)
			}
			s, err := c.Service(ctx)
			if err != nil {
				return err
			}
			_, err = s.Set(ctx, a.KV["jname"], map[string]string{"status": st, "maintenance": a.Value("comment", "0")})
			return err
		},
	}
}

func versionCmd() *Command {
	return &Command{Name: "version", Desc: "Print cbsd's version", NoInventory: true,
		Run: func(ctx context.Context, c *Ctx, a *Args) error {
			fmt.Fprintln(c.Stdout, Version)
			return nil
		}}
}

func commands() []*Command {
	return []*Command{
		// Node, bases and boot.
		initenvCmd(), initenvTUICmd(), mkbaseCmd(), basesCmd(), repoCmd(), astartCmd(), astopCmd(),
		// Jails.
		jconstructTUICmd(), jcreateCmd(), jstartCmd(), jstopCmd(), jrestartCmd(), jremoveCmd(), jlsCmd(),
		jexecCmd(), jloginCmd(), jsetCmd(), jgetCmd(), jrctlCmd(), jstatusCmd(), jswmodeCmd(),
		jregisterCmd("jregister", ""), junregisterCmd("junregister", "jail"), jcloneCmd(), jrenameCmd(), jsnapshotCmd(),
		exportCmd("jexport", "jails"), importCmd("jimport"),
		// VMs.
		bconstructTUICmd(), fetchISOCmd(), bcreateCmd(), bstartCmd(), bstopCmd(), brestartCmd(), bremoveCmd(), blsCmd(),
		bconsoleCmd(), bcloneCmd(), jregisterCmd("bregister", "bhyve"), junregisterCmd("bunregister", "bhyve"),
		exportCmd("bexport", "VMs"), importCmd("bimport"),
		// Tooling.
		completionCmd(), versionCmd(), imagesCmd(),
	}
}
