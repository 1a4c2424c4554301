package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	goruntime "runtime"
	"sort"
	"strings"

	"github.com/cbsdgo/cbsd/internal/errdefs"
	"github.com/cbsdgo/cbsd/internal/inventory"
	"github.com/cbsdgo/cbsd/internal/runtime"
	"github.com/cbsdgo/cbsd/internal/runtime/bhyve"
	"github.com/cbsdgo/cbsd/internal/runtime/qemu"
	"github.com/cbsdgo/cbsd/internal/service"
	"github.com/cbsdgo/cbsd/internal/sys"
	"github.com/cbsdgo/cbsd/internal/workdir"
)

// Version is cbsd's version.
const Version = "0.1.0"

// Command is one entry of the command table.
type Command struct {
	Name    string
	Desc    string
	Args    []string // mandatory arguments (CBSD's MYARG)
	Opt     []string // optional arguments (MYOPTARG)
	Usage   string   // extra help text
	PosName bool     // positional words may stand for jname
	Hidden  bool
	// NoInventory commands run without an initialised workdir.
	NoInventory bool
	Run         func(ctx context.Context, c *Ctx, a *Args) error
}

// Ctx is what a command runs with.
type Ctx struct {
	Cmd     *Command
	Stdin   *os.File
	Stdout  io.Writer
	Stderr  io.Writer
	Getenv  func(string) string
	Log     *slog.Logger
	Run     *sys.Runner
	Workdir string
	L       workdir.Layout

	svc       *service.Service
	opened    func() (openInventory, error) // the inventory being opened aside
	drv       runtime.Driver
	self      string // the cbsd executable, once Driver has looked it up
	newDriver JailDriver
}

// JailDriver makes the platform's jail driver (cmd/cbsd/drivers_*.go).
type JailDriver func(stateDir, self string, run *sys.Runner, log *slog.Logger) runtime.Driver

// App is the command line application.
type App struct {
	cmds      map[string]*Command
	newDriver JailDriver
}

// New builds the command table around the platform's jail driver.
func New(jails JailDriver) *App {
	a := &App{cmds: map[string]*Command{}, newDriver: jails}
	for _, c := range commands() {
		a.cmds[c.Name] = c
	}
	return a
}

func (a *App) aliases() map[string]string {
	return map[string]string{"jdestroy": "jremove", "jconsole": "jlogin", "bdestroy": "bremove", "blogin": "bconsole",
		"bset": "jset", "bget": "jget", "bsnapshot": "jsnapshot"}
}

// Main runs one command line and returns the process exit code.
func (a *App) Main(ctx context.Context, argv []string, stdin *os.File, stdout, stderr io.Writer, getenv func(string) string) int {
	level := slog.LevelWarn
	if getenv("CBSD_DEBUG") != "" {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	if len(argv) < 2 || argv[1] == "--help" || argv[1] == "help" || argv[1] == "-h" {
		a.usage(stdout)
		if len(argv) < 2 {
			return 1
		}
		return 0
	}
	name := argv[1]
	if n, ok := a.aliases()[name]; ok {
		name = n
	}
	cmd, ok := a.cmds[name]
	if !ok {
		fmt.Fprintf(stdout, "cbsd: unknown command: %s (see cbsd --help)\n", argv[1])
		return 1
	}
	words := argv[2:]
	if len(words) > 0 && (words[0] == "--help" || words[0] == "-h") {
		a.help(stdout, cmd)
		return 0
	}
	if len(words) > 0 && words[0] == "--desc" {
		fmt.Fprintln(stdout, cmd.Desc)
		return 0
	}
	args := Parse(words)
	// H_CBSD_<arg> pre-seeds declared arguments; the command line wins.
	for _, k := range append(append([]string{}, cmd.Args...), cmd.Opt...) {
		if _, given := args.KV[k]; !given {
			if v := getenv("H_CBSD_" + k); v != "" {
				args.KV[k] = v
				args.Keys = append(args.Keys, k)
			}
		}
	}
	if getenv("NOINTER") != "" {
		if _, given := args.KV["inter"]; !given {
			args.KV["inter"] = "0"
		}
	}
	for _, k := range cmd.Args {
		if _, ok := args.KV[k]; ok {
			continue
		}
		if k == "jname" && cmd.PosName && len(args.Pos) > 0 {
			continue
		}
		fmt.Fprintf(stdout, "Please set %s: %s\n", cmd.Name, k)
		return 1
	}
	c := &Ctx{newDriver: a.newDriver, Cmd: cmd, Stdin: stdin, Stdout: stdout, Stderr: stderr, Getenv: getenv, Log: log, Run: sys.NewRunner(log)}
	wd := getenv("workdir")
	if v, ok := args.KV["workdir"]; ok && v != "" {
		wd = v
	}
	var err error
	if c.Workdir, err = workdir.Resolve(wd, c.RcConf()); err != nil {
		fmt.Fprintf(stdout, "cbsd: workdir: %v\n", err)
		return 1
	}
	c.L = workdir.Layout{W: c.Workdir}
	err = cmd.Run(ctx, c, args)
	if c.svc != nil {
		c.svc.Store.Close()
	} else if c.opened != nil {
		if inv, err := c.opened(); err == nil {
			inv.st.Close()
		}
	}
	return report(stdout, cmd, err)
}

// report prints an error CBSD-style (to stdout, as CBSD's err does) and
// maps it to an exit code.
func report(w io.Writer, cmd *Command, err error) int {
	if err == nil {
		return 0
	}
	var ec *errdefs.ExitCode
	if errors.As(err, &ec) {
		return ec.Code
	}
	fmt.Fprintf(w, "%s: %s\n", cmd.Name, message(err))
	return 1
}

// message strips the category suffixes that %w chains add (": not
// found", ": locked", ...) from the end of an error's text.
func message(err error) string {
	s := err.Error()
	cats := []error{errdefs.ErrNotFound, errdefs.ErrExists, errdefs.ErrInvalid,
		errdefs.ErrBusy, errdefs.ErrRunning, errdefs.ErrNotRunning, errdefs.ErrLocked,
		errdefs.ErrProtected, errdefs.ErrNotSupported, errdefs.ErrNotOwner}
	for trimmed := true; trimmed; {
		trimmed = false
		for _, cat := range cats {
			if t, ok := strings.CutSuffix(s, ": "+cat.Error()); ok {
				s, trimmed = t, true
			}
		}
	}
	return s
}

// RcConf is the rc.conf file holding cbsd_workdir (CBSD_RCCONF overrides
// /etc/rc.conf, for tests and unusual hosts).
func (c *Ctx) RcConf() string {
	if p := c.Getenv("CBSD_RCCONF"); p != "" {
		return p
	}
	return workdir.RcConf
}

// Driver is the platform's jail driver. It needs no inventory, so a
// command can get a start going before it has read the inventory.
func (c *Ctx) Driver() (runtime.Driver, error) {
	if c.drv != nil {
		return c.drv, nil
	}
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	c.self = self
	c.drv = c.newDriver(c.L.Path("var", "run"), self, c.Run, c.Log)
	return c.drv, nil
}

// Service opens the inventory and builds the service layer.
func (c *Ctx) Service(ctx context.Context) (*service.Service, error) {
	if c.svc != nil {
		return c.svc, nil
	}
	if !c.L.Exists() {
		return nil, fmt.Errorf("no workdir at %s: run cbsd initenv first (or set the workdir environment variable): %w", c.Workdir, errdefs.ErrNotFound)
	}
	open := c.opened
	if open == nil {
		open = func() (openInventory, error) { return openInventoryAt(ctx, c.L.DB()) }
	}
	inv, err := open()
	if err != nil {
		return nil, err
	}
	st, node := inv.st, inv.node
	drv, err := c.Driver()
	if err != nil {
		st.Close()
		return nil, err
	}
	self := c.self
	c.svc = &service.Service{L: c.L, Store: st, Driver: drv, Run: c.Run, Log: c.Log, Out: c.Stdout, Node: node}
	if goruntime.GOOS == "freebsd" {
		c.svc.Bhyve = &bhyve.Driver{Self: self, Run: c.Run, Log: c.Log}
	} else {
		c.svc.VMs = &qemu.Driver{Self: self, Run: c.Run, Log: c.Log}
	}
	return c.svc, nil
}

// openInventory is the opened inventory and the node's settings.
type openInventory struct {
	st   *inventory.SQLite
	node map[string]string
}

func openInventoryAt(ctx context.Context, path string) (openInventory, error) {
	st, err := inventory.Open(ctx, path)
	if err != nil {
		return openInventory{}, err
	}
	node, err := st.Local(ctx)
	if err != nil {
		st.Close()
		return openInventory{}, err
	}
	return openInventory{st, node}, nil
}

// openInventoryAside starts opening the inventory (about a millisecond of
// SQLite's start-up and schema parsing) while the command does something
// else first; Service takes it over.
func (c *Ctx) openInventoryAside(ctx context.Context) {
	if c.svc != nil || c.opened != nil || !c.L.Exists() {
		return
	}
	done := make(chan struct{})
	var inv openInventory
	var err error
	go func() {
		inv, err = openInventoryAt(ctx, c.L.DB())
		close(done)
	}()
	c.opened = func() (openInventory, error) {
		<-done
		return inv, err
	}
}

func (a *App) usage(w io.Writer) {
	fmt.Fprintf(w, "cbsd %s: jails and VMs with CBSD's command language\n\n", Version)
	fmt.Fprintln(w, "usage: cbsd <command> [key=value ...] [name ...]")
	fmt.Fprintln(w, "       cbsd <command> --help")
	fmt.Fprintln(w, "\ncommands:")
	names := make([]string, 0, len(a.cmds))
	for n, c := range a.cmds {
		if !c.Hidden {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-12s %s\n", n, a.cmds[n].Desc)
	}
	fmt.Fprintln(w, "\nenvironment: workdir (default: cbsd_workdir in /etc/rc.conf, else /usr/jails),")
	fmt.Fprintln(w, "NOINTER=1, NOCOLOR=1, CBSD_DEBUG=1, H_CBSD_<arg>=<value>")
}

func (a *App) help(w io.Writer, c *Command) {
	fmt.Fprintf(w, "[%s] %s\n", c.Name, c.Desc)
	if len(c.Args) > 0 {
		fmt.Fprintf(w, "require: %s\n", strings.Join(c.Args, " "))
	}
	if len(c.Opt) > 0 {
		fmt.Fprintf(w, "opt: %s\n", strings.Join(c.Opt, " "))
	}
	if c.Usage != "" {
		fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(c.Usage))
	}
}
