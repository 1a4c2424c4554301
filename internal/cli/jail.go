package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/cbsdgo/cbsd/internal/env"
	"github.com/cbsdgo/cbsd/internal/errdefs"
	"github.com/cbsdgo/cbsd/internal/runtime"
	"github.com/cbsdgo/cbsd/internal/service"
)

func jcreateCmd() *Command {
	opt := append([]string{"jname", "jconf"}, env.JARG...)
	opt = append(append(opt, env.CreateKnobs...), "repo")
	return &Command{
		Name: "jcreate", Desc: "Create a jail from arguments or a jconf file",
		Opt: opt,
		Usage: `  cbsd jcreate jname=web1 ver=busybox baserw=0 ip4_addr=DHCP vnet=1
  cbsd jcreate jconf=/path/web1.jconf
  cbsd jcreate jname=web2 ver=busybox jprofile=vnet
  cbsd jcreate jname=web4 from=nginx ip4_addr=DHCP     # an image: name, path or URL
  cbsd jcreate jname=web3 ver=bookworm baserw=1 pkglist="nginx curl" user_pw_root=secret
Values come from W/etc/defaults/jail-linux-default.conf (W/etc overrides it),
then the named profile of jprofile= (jail-linux-<name>.conf, shipped: vnet),
then the jconf file, then the command line. pkglist= installs packages with
the base's apt-get at creation (baserw=1; the jail is started and stopped
for it, and removed again if that fails); user_pw_root= sets root's password.
from= takes an image: a file, a name in W/import (else fetched from the
repository, see cbsd repo), or an http(s) URL (downloaded to W/import); on
btrfs and ZFS its data is kept as a gold copy and cloned, so a second jail
from the same image is instant. A missing base is reported with
the command that builds it.`,
		Run: func(ctx context.Context, c *Ctx, a *Args) error {
			if _, ok := a.KV["jname"]; !ok && a.KV["jconf"] == "" {
				if len(a.Pos) == 1 {
					a.KV["jname"] = a.Pos[0]
				} else {
					fmt.Fprintf(c.Stdout, "Please set jcreate: jname\n")
					return &errdefs.ExitCode{Code: 1}
				}
			}
			s, err := c.Service(ctx)
			if err != nil {
				return err
			}
			if from := a.KV["from"]; from != "" && from != "0" {
				if err := createFrom(ctx, c, a, s, from); err != nil {
					return err
				}
			} else if _, err = s.Create(ctx, service.CreateRequest{Args: a.KV, Jconf: a.KV["jconf"]}); err != nil {
				return err
			}
			if a.KV["runasap"] == "1" {
				_, err = s.Start(ctx, a.KV["jname"])
			}
			return err
		},
	}
}

// targets returns the names a command applies to: jname= (mask allowed)
// and positional words; masks match VMs for the b* commands, jails else.
func targets(ctx context.Context, c *Ctx, a *Args) ([]string, error) {
	var words []string
	if v, ok := a.KV["jname"]; ok && v != "" {
		words = append(words, v)
	}
	words = append(words, a.Pos...)
	if len(words) == 0 {
		fmt.Fprintf(c.Stdout, "Please set %s: jname\n", c.Cmd.Name)
		return nil, &errdefs.ExitCode{Code: 1}
	}
	s, err := c.Service(ctx)
	if err != nil {
		return nil, err
	}
	emulator := "jail"
	if strings.HasPrefix(c.Cmd.Name, "b") {
		emulator = "bhyve"
	}
	return s.Names(ctx, emulator, words)
}

// prepareStart gets the start of a single named jail going (its driver's
// helper process starts) before the inventory is even opened; the start
// takes it over, and the returned function releases it if it did not.
func prepareStart(c *Ctx, a *Args) func() {
	name := a.KV["jname"]
	if len(a.Pos) > 0 {
		if name != "" || len(a.Pos) > 1 {
			return func() {}
		}
		name = a.Pos[0]
	}
	if name == "" || env.IsMask(name) || env.ValidateName(name) != nil || !c.L.Exists() {
		return func() {}
	}
	drv, err := c.Driver()
	if err != nil {
		return func() {}
	}
	if p, ok := drv.(runtime.Preparer); ok {
		return p.Prepare(name, c.L.RunDir(name))
	}
	return func() {}
}

// forEach runs fn for every target with bounded parallelism (the node's
// parallel setting) and prints one result line per jail when there are
// several. The exit code is 1 when any item failed.
func forEach(ctx context.Context, c *Ctx, a *Args, fn func(ctx context.Context, s *service.Service, name string) (string, error)) error {
	names, err := targets(ctx, c, a)
	if err != nil {
		return err
	}
	s, _ := c.Service(ctx)
	run := fn
	fn = func(ctx context.Context, s *service.Service, n string) (string, error) {
		if env.IsMask(n) {
			return "", fmt.Errorf("No such jail: %s: %w", n, errdefs.ErrNotFound)
		}
		return run(ctx, s, n)
	}
	if len(names) == 1 {
		msg, err := fn(ctx, s, names[0])
		if err != nil {
			return err
		}
		if msg != "" {
			fmt.Fprintln(c.Stdout, msg)
		}
		return nil
	}
	type res struct {
		msg string
		err error
	}
	out := make([]res, len(names))
	parallel(s, len(names), func(i int) {
		msg, err := fn(ctx, s, names[i])
		out[i] = res{msg, err}
	})
	failed := 0
	for i, n := range names {
		if out[i].err != nil {
			failed++
			fmt.Fprintf(c.Stdout, "%s: %s: %s\n", c.Cmd.Name, n, message(out[i].err))
		} else if out[i].msg != "" {
			fmt.Fprintln(c.Stdout, out[i].msg)
		}
	}
	if failed > 0 {
		return &errdefs.ExitCode{Code: 1}
	}
	return nil
}

// parallel runs fn(0..n-1) with at most the node's "parallel" setting at
// a time (CBSD's parallel; 0 means one at a time).
func parallel(s *service.Service, n int, fn func(i int)) {
	par := 5
	fmt.Sscan(s.NodeSetting("parallel", "5"), &par)
	if par <= 0 {
		par = 1
	}
	sem := make(chan struct{}, par)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		sem <- struct{}{}
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			fn(i)
		}(i)
	}
	wg.Wait()
}

func jstartCmd() *Command {
	return &Command{
		Name: "jstart", Desc: "Start jails", Args: []string{"jname"}, Opt: []string{"inter", "quiet", "delay"},
		PosName: true,
		Usage:   `  cbsd jstart web1 | cbsd jstart jname=web1 | cbsd jstart jname='web*' | cbsd jstart a b`,
		Run: func(ctx context.Context, c *Ctx, a *Args) error {
			c.openInventoryAside(ctx)
			defer prepareStart(c, a)()
			return forEach(ctx, c, a, func(ctx context.Context, s *service.Service, n string) (string, error) {
				st, err := s.Start(ctx, n)
				if err != nil {
					return "", err
				}
				return service.Describe("jstart", n, st.Pid) + " started", nil
			})
		},
	}
}

func jstopCmd() *Command {
	return &Command{
		Name: "jstop", Desc: "Stop jails", Args: []string{"jname"}, Opt: []string{"inter", "fast"},
		PosName: true,
		Run: func(ctx context.Context, c *Ctx, a *Args) error {
			return forEach(ctx, c, a, func(ctx context.Context, s *service.Service, n string) (string, error) {
				if err := s.Stop(ctx, n); err != nil {
					return "", err
				}
				return "jstop: " + n + " stopped", nil
			})
		},
	}
}

func jrestartCmd() *Command {
	return &Command{
		Name: "jrestart", Desc: "Restart jails (stop if running, then start)", Args: []string{"jname"},
		Opt: []string{"inter"}, PosName: true,
		Run: func(ctx context.Context, c *Ctx, a *Args) error {
			return forEach(ctx, c, a, func(ctx context.Context, s *service.Service, n string) (string, error) {
				if err := s.Stop(ctx, n); err != nil && !errors.Is(err, errdefs.ErrNotRunning) {
					return "", err
				}
				st, err := s.Start(ctx, n)
				if err != nil {
					return "", err
				}
				return service.Describe("jrestart", n, st.Pid) + " restarted", nil
			})
		},
	}
}

func jremoveCmd() *Command {
	return &Command{
		Name: "jremove", Desc: "Destroy jails: stop, remove data, system dir and inventory row (alias jdestroy)",
		Args: []string{"jname"}, Opt: []string{"inter"}, PosName: true,
		Run: func(ctx context.Context, c *Ctx, a *Args) error {
			return forEach(ctx, c, a, func(ctx context.Context, s *service.Service, n string) (string, error) {
				if err := s.Remove(ctx, n); err != nil {
					return "", err
				}
				return "jremove: " + n + " removed", nil
			})
		},
	}
}
