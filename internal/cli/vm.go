package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/cbsdgo/cbsd/internal/env"
	"github.com/cbsdgo/cbsd/internal/errdefs"
	"github.com/cbsdgo/cbsd/internal/inventory"
	"github.com/cbsdgo/cbsd/internal/runtime/qemu"
	"github.com/cbsdgo/cbsd/internal/service"
)

func vmParams() []string {
	var out []string
	for _, c := range env.VMColumns {
		if c.Name != "jname" {
			out = append(out, c.Name)
		}
	}
	return append(out, "mnt_start", "mnt_stop", "mnt_timeout", "protected", "hidden", "ip4_addr", "host_hostname", "astart")
}

func bcreateCmd() *Command {
	return &Command{
		Name: "bcreate", Desc: "Create a VM (QEMU on Linux, bhyve's settings)",
		Opt: append([]string{"jname", "jconf"}, vmParams()...),
		Usage: `  cbsd bcreate jname=vm1 vm_ram=1g vm_cpus=2 imgsize=10g vm_iso_path=/iso/debian.iso vm_boot=cd
  cbsd bcreate jname=tiny vm_ram=256m vm_kernel=/k/vmlinuz vm_initrd=/k/initrd.gz vm_cmdline="console=ttyS0"
The first disk is W/jails-data/<J>-data/dsk1.vhd (sparse, imgsize); vm_accel=auto
picks KVM where it is real and TCG otherwise.`,
		Run: func(ctx context.Context, c *Ctx, a *Args) error {
			if jc := a.KV["jconf"]; jc != "" {
				// A jconf file; the command line wins over it.
				b, err := os.ReadFile(jc)
				if err != nil {
					return fmt.Errorf("jconf: %w", err)
				}
				as, err := env.ParseAssignments(bytes.NewReader(b))
				if err != nil {
					return fmt.Errorf("jconf %s: %w", jc, err)
				}
				for _, x := range as {
					if _, given := a.KV[x.Key]; !given {
						a.KV[x.Key] = x.Value
					}
				}
			}
			if a.KV["jname"] == "" {
				fmt.Fprintln(c.Stdout, "Please set bcreate: jname")
				return &errdefs.ExitCode{Code: 1}
			}
			s, err := c.Service(ctx)
			if err != nil {
				return err
			}
			if prof := a.KV["vm_os_profile"]; prof != "" && prof != "0" {
				if err := applyVMProfile(c, a, a.Value("vm_os_type", "linux"), prof); err != nil {
					return err
				}
			}
			if _, err := s.VMCreate(ctx, a.KV); err != nil {
				return err
			}
			fmt.Fprintf(c.Stdout, "bcreate: %s created\n", a.KV["jname"])
			return nil
		},
	}
}

func vmEach(verb string, fn func(ctx context.Context, s *service.Service, n string) (string, error)) func(ctx context.Context, c *Ctx, a *Args) error {
	return func(ctx context.Context, c *Ctx, a *Args) error {
		var words []string
		if v := a.KV["jname"]; v != "" {
			words = append(words, v)
		}
		words = append(words, a.Pos...)
		s, err := c.Service(ctx)
		if err != nil {
			return err
		}
		names, err := s.Names(ctx, "bhyve", words)
		if err != nil {
			return err
		}
		failed := 0
		for _, n := range names {
			msg, err := fn(ctx, s, n)
			if err != nil {
				if len(names) == 1 {
					return err
				}
				failed++
				fmt.Fprintf(c.Stdout, "%s: %s: %s\n", verb, n, message(err))
				continue
			}
			if msg != "" {
				fmt.Fprintln(c.Stdout, msg)
			}
		}
		if failed > 0 {
			return &errdefs.ExitCode{Code: 1}
		}
		return nil
	}
}

func bstartCmd() *Command {
	return &Command{Name: "bstart", Desc: "Start VMs (dryrun=1 prints the QEMU command line instead)", Args: []string{"jname"}, PosName: true, Opt: []string{"inter", "dryrun"},
		Run: func(ctx context.Context, c *Ctx, a *Args) error {
			if a.KV["dryrun"] == "1" {
				return vmEach("bstart", func(ctx context.Context, s *service.Service, n string) (string, error) {
					argv, err := s.VMArgv(ctx, n)
					if err != nil {
						return "", err
					}
					return shellJoin(argv), nil
				})(ctx, c, a)
			}
			return bstartRun(ctx, c, a)
		}}
}

// shellJoin renders argv as one line a shell would split back the same way.
func shellJoin(argv []string) string {
	out := make([]string, len(argv))
	for i, w := range argv {
		if w == "" || strings.ContainsAny(w, " \t'\"$`\\|&;<>()*?[]#~") {
			w = "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
		}
		out[i] = w
	}
	return strings.Join(out, " ")
}

func bstartRun(ctx context.Context, c *Ctx, a *Args) error {
	return vmEach("bstart", func(ctx context.Context, s *service.Service, n string) (string, error) {
		pid, err := s.VMStart(ctx, n)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("bstart: %s (pid %d) started", n, pid), nil
	})(ctx, c, a)
}

func bstopCmd() *Command {
	return &Command{Name: "bstop", Desc: "Stop VMs: ACPI power-down, forced after hard_timeout", Args: []string{"jname"}, PosName: true,
		Opt: []string{"hard_timeout", "noacpi"},
		Run: vmEach("bstop", func(ctx context.Context, s *service.Service, n string) (string, error) {
			if err := s.VMStop(ctx, n); err != nil {
				return "", err
			}
			return "bstop: " + n + " stopped", nil
		})}
}

func brestartCmd() *Command {
	return &Command{Name: "brestart", Desc: "Restart VMs", Args: []string{"jname"}, PosName: true,
		Run: vmEach("brestart", func(ctx context.Context, s *service.Service, n string) (string, error) {
			if err := s.VMStop(ctx, n); err != nil && !errors.Is(err, errdefs.ErrNotRunning) {
				return "", err
			}
			pid, err := s.VMStart(ctx, n)
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("brestart: %s (pid %d) restarted", n, pid), nil
		})}
}

func bremoveCmd() *Command {
	return &Command{Name: "bremove", Desc: "Destroy VMs with their disks (alias bdestroy)", Args: []string{"jname"}, PosName: true,
		Run: vmEach("bremove", func(ctx context.Context, s *service.Service, n string) (string, error) {
			if err := s.VMRemove(ctx, n); err != nil {
				return "", err
			}
			return "bremove: " + n + " removed", nil
		})}
}

// DefaultBlsDisplay are bls's default columns (CBSD without RACCT).
const DefaultBlsDisplay = "jname,jid,vm_ram,vm_cpus,vm_os_type,ip4_addr,status,vnc"

func blsCmd() *Command {
	return &Command{Name: "bls", Desc: "List VMs with their live status", Opt: []string{"display", "header", "order"},
		Usage: `  cbsd bls ; cbsd bls display=jname,status header=0 ; cbsd bls --json`,
		Run: func(ctx context.Context, c *Ctx, a *Args) error {
			s, err := c.Service(ctx)
			if err != nil {
				return err
			}
			cols := strings.Split(a.Value("display", DefaultBlsDisplay), ",")
			for _, col := range cols {
				if col != "vnc" && !env.IsColumn(col) && !env.IsVMColumn(col) {
					return fmt.Errorf("display: unknown column %q: %w", col, errdefs.ErrInvalid)
				}
			}
			es, err := s.List(ctx, inventory.Filter{Emulators: []string{"bhyve"}}, false)
			if err != nil {
				return err
			}
			if len(a.Pos) > 0 {
				var kept []*env.Env
				for _, e := range es {
					if matchAny(a.Pos, e.Name()) {
						kept = append(kept, e)
					}
				}
				es = kept
			}
			val := func(e *env.Env, col string, typed bool) any {
				switch col {
				case "vnc":
					if p := e.Get("vm_vnc_port"); p != "1" && p != "" {
						return e.Get("bhyve_vnc_tcp_bind") + ":" + p
					}
					return "-"
				case "vm_ram":
					if mib, err := qemu.ParseRAM(e.Get("vm_ram")); err == nil {
						if typed {
							return mib
						}
						return fmt.Sprintf("%dM", mib)
					}
				}
				return jlsValue(e, col, typed)
			}
			return printEnvs(c.Stdout, es, cols, a.Value("header", "1") != "0", a.Flags["json"], val)
		}}
}

func bconsoleCmd() *Command {
	return &Command{Name: "bconsole", Desc: "Attach to a VM's serial console (Ctrl-] detaches; alias blogin)",
		Args: []string{"jname"}, PosName: true,
		Run: func(ctx context.Context, c *Ctx, a *Args) error {
			s, err := c.Service(ctx)
			if err != nil {
				return err
			}
			name := a.Name()
			e, err := s.Get(ctx, name)
			if err != nil || e.Emulator() != "bhyve" {
				return fmt.Errorf("No such VM: %s: %w", name, errdefs.ErrNotFound)
			}
			if !s.State(ctx, e).Running {
				return fmt.Errorf("VM %s: Not Running: %w", name, errdefs.ErrNotRunning)
			}
			return s.VMConsole(ctx, name, c.Stdin, c.Stdout)
		}}
}

// applyVMProfile checks bcreate's arguments against a VM profile's minimums
// and boots the profile's ISO when it was fetched and no other is given.
func applyVMProfile(c *Ctx, a *Args, osType, profile string) error {
	p, err := vmProfile(c.L, osType, profile)
	if err != nil {
		return err
	}
	for _, k := range [][2]string{{"vm_ram", "vm_ram_min"}, {"imgsize", "imgsize_min"}} {
		min := p[k[1]]
		if min == "" || min == "0" {
			continue
		}
		want, err := qemu.ParseSize(min)
		if err != nil {
			return fmt.Errorf("profile %s: %s=%q: %w", profile, k[1], min, errdefs.ErrInvalid)
		}
		v := a.Value(k[0], min)
		got, err := qemu.ParseSize(v)
		if err != nil || got < want {
			return fmt.Errorf("%s=%s is below the profile's %s=%s: %w", k[0], v, k[1], min, errdefs.ErrInvalid)
		}
		if _, given := a.KV[k[0]]; !given {
			a.KV[k[0]] = min
		}
	}
	if a.KV["vm_iso_path"] == "" && p["iso_img"] != "" {
		iso := c.L.Path("src", "iso", isoName(p))
		if _, err := os.Stat(iso); err != nil {
			return fmt.Errorf("profile %s needs %s: run cbsd fetch_iso vm_os_type=%s vm_os_profile=%s: %w",
				profile, iso, osType, profile, errdefs.ErrNotFound)
		}
		a.KV["vm_iso_path"] = iso
		if _, given := a.KV["vm_boot"]; !given {
			a.KV["vm_boot"] = "cd"
		}
	}
	a.KV["vm_os_type"] = osType
	return nil
}

func bcloneCmd() *Command {
	return &Command{Name: "bclone", Desc: "Copy a stopped VM under a new name (O(1) on btrfs and ZFS)",
		Args: []string{"old", "new"}, Usage: "A copy shows its progress on stderr; --quiet hides it.",
		Run: func(ctx context.Context, c *Ctx, a *Args) error {
			s, err := c.Service(ctx)
			if err != nil {
				return err
			}
			s.Progress = progressOut(c, a)
			if _, err := s.VMClone(ctx, a.KV["old"], a.KV["new"]); err != nil {
				return err
			}
			fmt.Fprintf(c.Stdout, "bclone: %s cloned from %s (%s)\n", a.KV["new"], a.KV["old"], s.BackendName())
			return nil
		}}
}
