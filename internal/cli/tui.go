package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/cbsdgo/cbsd/internal/base"
	"github.com/cbsdgo/cbsd/internal/errdefs"
	"github.com/cbsdgo/cbsd/internal/inventory"
	"github.com/cbsdgo/cbsd/internal/service"
	"github.com/cbsdgo/cbsd/internal/tui/ask"
	"github.com/cbsdgo/cbsd/internal/workdir"
)

func initenvTUICmd() *Command {
	return &Command{
		Name: "initenv-tui", Desc: "Edit the node settings in a full-screen form, then run initenv",
		NoInventory: true,
		Usage: `  cbsd initenv-tui      # keys: Tab/Enter next, Shift+Tab back, Ctrl+C quits
Fields: workdir, nodename, nodeip, description, IPv4/IPv6 pools, nameservers,
bridge, zfsfeat and hammerfeat (turn them off when jails-data is on NFS,
GlusterFS or CephFS), OCI runtime, parallel. A summary is shown before
anything is written; writing runs exactly what "cbsd initenv k=v ... inter=0"
does. Without a terminal use cbsd initenv with a preseed file.`,
		Run: func(ctx context.Context, c *Ctx, a *Args) error {
			settings := storedSettings(ctx, c.L)
			resolveAuto(settings)
			r, err := c.form(ctx, ask.Request{Form: ask.Initenv, Workdir: c.Workdir, Settings: settings,
				Alternative: "cbsd initenv /path/initenv.conf inter=0"})
			if err != nil {
				return err
			}
			if !r.Write {
				fmt.Fprintln(c.Stdout, "initenv-tui: cancelled, nothing written")
				return nil
			}
			args := &Args{KV: r.Settings, Flags: map[string]bool{}}
			args.KV["workdir"], args.KV["inter"] = r.Workdir, "0"
			c.Workdir, c.L = r.Workdir, workdir.Layout{W: r.Workdir}
			return runInitenv(ctx, c, args)
		},
	}
}

// form shows the form req asks for (runForm: in this process, or in the
// embedded cbsd-tui); a form left without an answer is an error.
func (c *Ctx) form(ctx context.Context, req ask.Request) (ask.Reply, error) {
	if err := ask.NeedTerminal(c.Stdin, c.Stdout, req.Alternative); err != nil {
		return ask.Reply{}, err
	}
	r, err := runForm(ctx, c, req)
	if err != nil {
		return ask.Reply{}, err
	}
	if r.Aborted {
		return ask.Reply{}, errors.New("aborted, nothing written")
	}
	return r, nil
}

// jconfDir is where a constructor writes a jconf by default.
func jconfDir() string {
	wd, err := os.Getwd()
	if err != nil {
		wd = os.TempDir()
	}
	return wd
}

// writeJconf writes a constructor's jconf (0600: it may hold a password)
// and refuses to replace a file.
func writeJconf(c *Ctx, path, name, content string) error {
	if path == "" {
		path = filepath.Join(jconfDir(), name+".jconf")
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("write jconf: %w", err)
	}
	if _, err := f.WriteString(content); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintf(c.Stdout, "jconf written: %s\n", path)
	return nil
}

func jconstructTUICmd() *Command {
	return &Command{
		Name: "jconstruct-tui", Desc: "Build a jail in a full-screen form: write its jconf or create it",
		Usage: `  cbsd jconstruct-tui   # keys: Tab/Enter next, Shift+Tab back, Space toggles, Ctrl+C quits
Fields: jname, host_hostname, ip4_addr (DHCP), ver (installed bases), baserw,
vnet, astart, interface, mnt_start/mnt_stop (executables; Tab completes the
shipped NFSv4, GlusterFS and CephFS examples), jail options, packages (bases
with apt-get), root password.
Ends with "create and start", "create" (what cbsd jcreate does with the same
values) or "write a jconf file" (for cbsd jcreate jconf=).`,
		Run: func(ctx context.Context, c *Ctx, a *Args) error {
			s, err := c.Service(ctx)
			if err != nil {
				return err
			}
			bs, err := base.List(c.L)
			if err != nil {
				return err
			}
			var vers []string
			packaged := map[string]bool{}
			for _, b := range bs {
				vers = append(vers, b.Ver)
				packaged[b.Ver] = service.PackageManager(b.Path) != ""
			}
			if len(vers) == 0 {
				return fmt.Errorf("no base is installed: build one first with cbsd mkbase ver=busybox (or ver=bookworm): %w", errdefs.ErrNotFound)
			}
			hooks, _ := filepath.Glob(c.L.Path("share", "examples", "env_start", "*", "env_*.sh"))
			sort.Strings(hooks)
			var j ask.JailDefaults
			alt := "cbsd jcreate jname=... (see cbsd jcreate --help)"
			if profiles := s.JailProfiles(); len(profiles) > 0 {
				r, err := c.form(ctx, ask.Request{Form: ask.Profile, Profiles: profiles, Alternative: alt})
				if err != nil {
					return err
				}
				j.Profile = r.Profile
			}
			// The form starts from what the profile gives.
			d, _, err := s.Compose(service.CreateRequest{Args: map[string]string{"jname": "jconstruct", "jprofile": j.Profile}})
			if err != nil {
				return err
			}
			j.IP4 = d.Get("ip4_addr")
			if j.IP4 == "" || j.IP4 == "0" {
				j.IP4 = "DHCP"
			}
			j.BaseRW, j.Vnet, j.Astart = d.Bool("baserw"), d.Bool("vnet"), d.Bool("astart")
			if i := d.Get("interface"); i != "0" && i != "auto" {
				j.Interface = i
			}
			for _, o := range ask.JailOptions {
				if d.Bool(o) {
					j.Options = append(j.Options, o)
				}
			}
			taken, err := takenNames(ctx, s)
			if err != nil {
				return err
			}
			r, err := c.form(ctx, ask.Request{Form: ask.Jconstruct, Jail: j, Vers: vers, Hooks: hooks,
				Packaged: packaged, Taken: taken, JconfDir: jconfDir(), Alternative: alt})
			if err != nil {
				return err
			}
			if r.Action == ask.ActionJconf {
				return writeJconf(c, r.JconfPath, r.Jname, r.Jconf)
			}
			e, err := s.Create(ctx, service.CreateRequest{Args: r.Args})
			if err != nil {
				return err
			}
			fmt.Fprintf(c.Stdout, "jconstruct-tui: %s created\n", e.Name())
			if r.Action == ask.ActionStart {
				st, err := s.Start(ctx, e.Name())
				if err != nil {
					return err
				}
				fmt.Fprintln(c.Stdout, service.Describe("jstart", e.Name(), st.Pid)+" started")
			}
			return nil
		},
	}
}

// takenNames are the environment names in use: registered, or a
// descriptor waiting in jails-rcconf.
func takenNames(ctx context.Context, s *service.Service) ([]string, error) {
	es, err := s.List(ctx, inventory.Filter{Columns: []string{"jname"}}, true)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(es))
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names, nil
}

func bconstructTUICmd() *Command {
	return &Command{
		Name: "bconstruct-tui", Desc: "Build a VM in a full-screen form: write its jconf or create it",
		Usage: `  cbsd bconstruct-tui   # keys: Tab/Enter next, Shift+Tab back, Ctrl+C quits
Fields: jname, VM profile, vm_ram, vm_cpus, imgsize, ISO (from W/src/iso),
boot from CD, NIC bridge(s), VNC, UEFI. Ends with "create", "create and start"
or "write a jconf file" (for cbsd bcreate jconf=).`,
		Run: func(ctx context.Context, c *Ctx, a *Args) error {
			s, err := c.Service(ctx)
			if err != nil {
				return err
			}
			var profiles []string
			for _, dir := range []string{c.L.Path("etc", "defaults"), c.L.Path("etc")} {
				fs, _ := filepath.Glob(filepath.Join(dir, "vm-*-*.conf"))
				for _, f := range fs {
					p := strings.TrimSuffix(filepath.Base(f), ".conf")
					if i := strings.IndexByte(p[3:], '-'); i >= 0 {
						profiles = append(profiles, p[3+i+1:])
					}
				}
			}
			sort.Strings(profiles)
			isos, _ := filepath.Glob(c.L.Path("src", "iso", "*"))
			sort.Strings(isos)
			taken, err := takenNames(ctx, s)
			if err != nil {
				return err
			}
			v, err := c.form(ctx, ask.Request{Form: ask.Bconstruct, Profiles: profiles, ISOs: isos,
				Taken: taken, JconfDir: jconfDir(), Alternative: "cbsd bcreate jname=... (see cbsd bcreate --help)"})
			if err != nil {
				return err
			}
			if v.Action == ask.ActionJconf {
				return writeJconf(c, v.JconfPath, v.Jname, v.Jconf)
			}
			args := &Args{KV: v.Args, Flags: map[string]bool{}}
			if prof := args.KV["vm_os_profile"]; prof != "" {
				if err := applyVMProfile(c, args, args.Value("vm_os_type", "linux"), prof); err != nil {
					return err
				}
			}
			e, err := s.VMCreate(ctx, args.KV)
			if err != nil {
				return err
			}
			fmt.Fprintf(c.Stdout, "bconstruct-tui: %s created\n", e.Name())
			if v.Action == ask.ActionStart {
				pid, err := s.VMStart(ctx, e.Name())
				if err != nil {
					return err
				}
				fmt.Fprintln(c.Stdout, service.Describe("bstart", e.Name(), pid)+" started")
			}
			return nil
		},
	}
}
