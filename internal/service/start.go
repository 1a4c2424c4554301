package service

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/cbsdgo/cbsd/internal/base"
	"github.com/cbsdgo/cbsd/internal/env"
	"github.com/cbsdgo/cbsd/internal/errdefs"
	"github.com/cbsdgo/cbsd/internal/fstab"
	"github.com/cbsdgo/cbsd/internal/hook"
	"github.com/cbsdgo/cbsd/internal/network"
	"github.com/cbsdgo/cbsd/internal/rctl"
	"github.com/cbsdgo/cbsd/internal/runtime"
	"github.com/cbsdgo/cbsd/internal/sys"
	"github.com/cbsdgo/cbsd/internal/workdir"
)

// Start starts one jail.
func (s *Service) Start(ctx context.Context, name string) (runtime.State, error) {
	if err := env.ValidateName(name); err != nil {
		return runtime.State{}, err
	}
	ol, e, err := s.lockAndLoad(ctx, name)
	if err != nil {
		return runtime.State{}, err
	}
	defer ol.Release()
	if e.Emulator() != "jail" {
		return runtime.State{}, fmt.Errorf("%s is a %s environment, not a jail: %w", name, e.Emulator(), errdefs.ErrInvalid)
	}
	switch e.Status() {
	case env.StatusSlave:
		return runtime.State{}, fmt.Errorf("jail %s is in slave mode: %w", name, errdefs.ErrBusy)
	case env.StatusMaintenance:
		return runtime.State{}, fmt.Errorf("jail %s is in maintenance: %s: %w", name, e.Get("maintenance"), errdefs.ErrBusy)
	}
	if st := s.State(ctx, e); st.Running {
		return st, fmt.Errorf("jail %s already running, jid: %d: %w", name, st.Pid, errdefs.ErrRunning)
	}
	if pr, ok := s.Driver.(runtime.Preparer); ok {
		release := pr.Prepare(name, s.L.RunDir(name))
		defer release()
	}
	log := s.hookLog(name)
	defer log.Close()
	sysDir := s.L.SysDir(name)

	// mnt_start: before anything else is mounted or started.
	if err := s.mountHook(ctx, e, "mnt_start", log); err != nil {
		return runtime.State{}, fmt.Errorf("jail %s: %w", name, err)
	}
	started := false
	defer func() {
		if !started { // undo the hook's mounts of a start that failed later
			s.mntStop(context.Background(), e, log)
		}
	}()
	// tests/: any failure aborts the start.
	if err := hook.FirstError(hook.RunHost(ctx, s.Run, filepath.Join(sysDir, "tests"), e, log)); err != nil {
		return runtime.State{}, fmt.Errorf("jail %s: pre-start test failed: %w", name, err)
	}
	if network.HasDHCP(e.Get("ip4_addr")) {
		pl, err := s.poolLock(ctx)
		if err != nil {
			return runtime.State{}, err
		}
		err = s.allocateIP(ctx, e)
		if err == nil {
			err = s.Store.Set(ctx, name, map[string]string{"ip4_addr": e.Get("ip4_addr")})
		}
		pl.Release()
		if err != nil {
			return runtime.State{}, err
		}
	}
	spec, err := s.spec(e)
	if err != nil {
		return runtime.State{}, err
	}
	if err := s.prepareEtc(e, spec); err != nil {
		return runtime.State{}, err
	}
	s.runHooks(ctx, e, "master_prestart.d", log)

	// The row says the jail runs as soon as its init exists: the commit
	// (it waits on the disk) overlaps the rest of the start, and is undone
	// if the start fails after all.
	rec := &earlyRecord{}
	spec.OnPid = func(pid int) {
		rec.start(pid, func() error { return s.Store.Set(ctx, name, runningCols(pid)) })
	}
	st, err := s.Driver.Start(ctx, spec)
	recPid, recErr := rec.wait()
	if err != nil {
		if recPid != 0 && recErr == nil {
			s.Store.Set(context.Background(), name, map[string]string{"jid": e.Get("jid"), "status": e.Get("status")})
		}
		s.runHooks(context.Background(), e, "master_poststop.d", log)
		return runtime.State{}, fmt.Errorf("jail %s: start failed: %w", name, err)
	}
	if recPid != st.Pid || recErr != nil {
		err = s.Store.Set(ctx, name, runningCols(st.Pid))
	}
	if err != nil {
		s.Driver.Stop(context.Background(), name, spec.RunDir, runtime.StopOptions{Grace: 5 * time.Second})
		return runtime.State{}, err
	}
	started = true
	if st.Warning != "" {
		s.printf("jstart: %s: warning: %s\n", name, st.Warning)
	}
	s.runInside(ctx, e, "start.d", log)
	s.runHooks(ctx, e, "master_poststart.d", log)
	return st, nil
}

func runningCols(pid int) map[string]string {
	return map[string]string{"jid": fmt.Sprint(pid), "status": "1", "state_time": fmt.Sprint(time.Now().Unix())}
}

// earlyRecord is an inventory update started from a driver's OnPid: at
// most one, none once the start has returned.
type earlyRecord struct {
	mu     sync.Mutex
	closed bool
	pid    int
	done   chan error
}

func (r *earlyRecord) start(pid int, set func() error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed || r.done != nil {
		return
	}
	r.pid, r.done = pid, make(chan error, 1)
	go func() { r.done <- set() }()
}

// wait closes r and returns the pid recorded (0: none) and how it went.
func (r *earlyRecord) wait() (int, error) {
	r.mu.Lock()
	r.closed = true
	done := r.done
	r.mu.Unlock()
	if done == nil {
		return 0, nil
	}
	return r.pid, <-done
}

func (s *Service) runHooks(ctx context.Context, e *env.Env, dir string, log io.Writer) {
	for _, r := range hook.RunHost(ctx, s.Run, filepath.Join(s.L.SysDir(e.Name()), dir), e, log) {
		if r.Err != nil {
			fmt.Fprintf(log, "%s %s: %v (ignored)\n", time.Now().Format(time.RFC3339), r.Script, r.Err)
			s.Log.Warn("hook failed", "jail", e.Name(), "hook", r.Script, "err", r.Err)
		}
	}
}

// runInside copies the scripts of a hook directory into the jail's /tmp and
// runs them there (CBSD's start.d/stop.d); failures are only logged.
func (s *Service) runInside(ctx context.Context, e *env.Env, dir string, log io.Writer) {
	scripts := hook.Scripts(filepath.Join(s.L.SysDir(e.Name()), dir))
	if len(scripts) == 0 {
		return
	}
	dst := filepath.Join(dataDir(s.L, e), "tmp", dir)
	os.MkdirAll(dst, 0o755)
	for _, sc := range scripts {
		b, err := os.ReadFile(sc)
		if err != nil {
			continue
		}
		in := filepath.Join(dst, filepath.Base(sc))
		if err := os.WriteFile(in, b, 0o755); err != nil {
			continue
		}
		lf, _ := os.CreateTemp("", "cbsd-hook")
		code, err := s.Driver.Exec(ctx, e.Name(), s.L.RunDir(e.Name()), runtime.Process{
			Argv: []string{"/tmp/" + dir + "/" + filepath.Base(sc)}, Env: []string{"jname=" + e.Name()},
			Stdin: devNull(), Stdout: lf, Stderr: lf})
		if lf != nil {
			lf.Seek(0, 0)
			io.Copy(log, lf)
			lf.Close()
			os.Remove(lf.Name())
		}
		if err != nil || code != 0 {
			fmt.Fprintf(log, "%s %s (inside %s): exit %d %v (ignored)\n", time.Now().Format(time.RFC3339), sc, e.Name(), code, err)
		}
	}
}

func devNull() *os.File {
	f, _ := os.Open(os.DevNull)
	return f
}

// spec turns an inventory row into a runtime spec.
func (s *Service) spec(e *env.Env) (*runtime.Spec, error) {
	name := e.Name()
	data := dataDir(s.L, e)
	sp := &runtime.Spec{
		Settings: e, Workdir: s.L.W,
		Name: name, Hostname: e.Get("host_hostname"),
		ExecStart: e.Get("exec_start"), ExecStop: e.Get("exec_stop"),
		Persist:     e.Get("persist") != "0",
		StopTimeout: time.Duration(e.Int("stop_timeout")) * time.Second,
		RawSockets:  e.Bool("allow_raw_sockets"),
		Log:         s.consoleLog(e),
		OwnerFile:   filepath.Join(s.L.SysDir(name), "locked"),
		OwnerStale:  s.ownerStale(),
		OpLock:      s.L.OpLock(name),
		Node:        s.NodeSetting("nodename", "localhost"),
		OCIRuntime:  s.NodeSetting("oci_runtime", "auto"),
		RunDir:      s.L.RunDir(name),
		CgroupPath:  s.L.Cgroup(name),
	}
	if sp.Hostname == "" || sp.Hostname == "0" {
		sp.Hostname = name
	}
	limits, err := rctl.Read(s.L.SysDir(name))
	if err != nil {
		return nil, fmt.Errorf("jail %s: %w", name, err)
	}
	sp.Limits = limits
	if sp.StopTimeout <= 0 {
		sp.StopTimeout = 10 * time.Second
	}
	if e.Get("ver") == "empty" || e.Bool("baserw") {
		sp.Root = data
		if !base.Ready(data) && e.Get("ver") != "empty" {
			return nil, fmt.Errorf("jail %s: %s has no /bin/sh: %w", name, data, errdefs.ErrNotFound)
		}
	} else {
		sp.Root = s.BaseDir(e)
		sp.ReadOnly = true
		if !base.Ready(sp.Root) {
			return nil, fmt.Errorf("jail %s: base %s is missing: build it with: cbsd mkbase ver=%s: %w",
				name, sp.Root, e.Get("ver"), errdefs.ErrNotFound)
		}
		if _, err := os.Stat(e.Get("mount_fstab")); errors.Is(err, os.ErrNotExist) {
			if err := s.writeFstab(e, data, ""); err != nil {
				return nil, err
			}
		}
	}
	if _, err := os.Stat(sp.Root); err != nil {
		return nil, fmt.Errorf("jail %s: root %s: %w", name, sp.Root, err)
	}
	mounts, err := s.mounts(e)
	if err != nil {
		return nil, err
	}
	sp.Mounts = mounts
	if s.Driver.Name() == "oci" { // jail(8) plans its own epairs and aliases
		if e.Bool("vnet") {
			n, err := s.vnet(e)
			if err != nil {
				return nil, err
			}
			sp.Net = n
		} else if sp.Aliases, err = network.Aliases(e.Get("ip4_addr"), e.Get("interface"), network.LinkFor); err != nil {
			return nil, fmt.Errorf("jail %s: %w", name, err)
		}
	}
	return sp, nil
}

// ownerStale is the node's owner_stale setting (seconds, default 1800).
func (s *Service) ownerStale() time.Duration {
	n, err := strconv.Atoi(s.NodeSetting("owner_stale", "1800"))
	if err != nil || n <= 0 {
		n = 1800
	}
	return time.Duration(n) * time.Second
}

func (s *Service) consoleLog(e *env.Env) string {
	if v := e.Get("exec_consolelog"); strings.HasPrefix(v, "/") {
		return v
	}
	return s.L.Log(e.Name())
}

// mounts reads fstab and fstab.local (fstab.local wins per mount point).
func (s *Service) mounts(e *env.Env) ([]runtime.Mount, error) {
	file := e.Get("mount_fstab")
	if file == "" || file == "0" {
		file = s.L.Fstab(e.Name())
	}
	sysEntries, err := fstab.Parse(file, s.L.W)
	if err != nil {
		return nil, err
	}
	local, err := fstab.Parse(file+".local", s.L.W)
	if err != nil {
		return nil, err
	}
	var out []runtime.Mount
	for _, m := range fstab.Merge(sysEntries, local) {
		switch m.Type {
		case "nullfs", "bind":
			if _, err := os.Stat(m.Source); err != nil {
				return nil, fmt.Errorf("fstab: source of %s: %w", m.MountPoint, err)
			}
			out = append(out, runtime.Mount{Source: m.Source, Destination: m.MountPoint, Type: "bind", Options: m.Options})
		case "external", "zfs", "geli":
			s.Log.Warn("fstab entry type not supported on this platform, skipped", "jail", e.Name(), "type", m.Type, "mountpoint", m.MountPoint)
		default:
			out = append(out, runtime.Mount{Source: m.Source, Destination: m.MountPoint, Type: m.Type, Options: m.Options})
		}
	}
	return out, nil
}

// vnet builds the network of a vnet jail and makes sure the bridge exists.
func (s *Service) vnet(e *env.Env) (*runtime.Net, error) {
	pool, err := network.ParsePool(s.NodeSetting("nodeippool", DefaultPool))
	if err != nil {
		return nil, err
	}
	addrs, err := network.ParseAddrs(e.Get("ip4_addr"), pool.Prefix)
	if err != nil {
		return nil, err
	}
	gw := pool.Gateway()
	if v := e.Get("ci_gw4"); v != "0" && v != "" && v != "auto" {
		if gw, err = netip.ParseAddr(v); err != nil {
			return nil, fmt.Errorf("ci_gw4=%q: %w", v, errdefs.ErrInvalid)
		}
	}
	br := s.NodeSetting("bridge", "cbsdbr0")
	if err := network.EnsureBridge(br, netip.PrefixFrom(pool.Gateway(), pool.Prefix)); err != nil {
		return nil, err
	}
	return &runtime.Net{Bridge: br, Addrs: addrs, Gateway: gw}, nil
}

// prepareEtc writes hostname, resolv.conf (floatresolv) and hosts
// (mkhostsfile) into the jail's writable /etc.
func (s *Service) prepareEtc(e *env.Env, sp *runtime.Spec) error {
	etc := filepath.Join(dataDir(s.L, e), "etc")
	if st, err := os.Stat(etc); err != nil || !st.IsDir() {
		return nil
	}
	if err := writeIfChanged(filepath.Join(etc, "hostname"), sp.Hostname+"\n"); err != nil {
		return err
	}
	if e.Bool("floatresolv") {
		ns := e.Get("jnameserver")
		if ns == "" || ns == "0" {
			ns = s.NodeSetting("jnameserver", "")
		}
		if ns != "" {
			var b strings.Builder
			for _, n := range strings.Split(ns, ",") {
				if n = strings.TrimSpace(n); n != "" {
					fmt.Fprintf(&b, "nameserver %s\n", n)
				}
			}
			if err := writeIfChanged(filepath.Join(etc, "resolv.conf"), b.String()); err != nil {
				return err
			}
		}
	}
	if e.Bool("mkhostsfile") {
		addrs, _ := network.ParseAddrs(e.Get("ip4_addr"), 24)
		short := strings.SplitN(sp.Hostname, ".", 2)[0]
		var block strings.Builder
		block.WriteString("# cbsd: begin\n")
		for _, a := range addrs {
			fmt.Fprintf(&block, "%s\t%s %s\n", a.Addr(), sp.Hostname, short)
		}
		block.WriteString("# cbsd: end\n")
		old, _ := os.ReadFile(filepath.Join(etc, "hosts"))
		var keep []string
		in := false
		for _, line := range strings.Split(strings.TrimRight(string(old), "\n"), "\n") {
			switch {
			case line == "# cbsd: begin":
				in = true
			case line == "# cbsd: end":
				in = false
			case !in && line != "":
				keep = append(keep, line)
			}
		}
		if len(keep) == 0 {
			keep = []string{"127.0.0.1\tlocalhost"}
		}
		if err := writeIfChanged(filepath.Join(etc, "hosts"), strings.Join(keep, "\n")+"\n"+block.String()); err != nil {
			return err
		}
	}
	return nil
}

// writeIfChanged sets a file in the etc of a jail that is not running. A
// regular file is rewritten in place (no new inode to allocate); anything
// else the jail may have planted there (a symbolic link, a fifo, a device
// node) is replaced, never opened.
func writeIfChanged(path, content string) error {
	if st, err := os.Lstat(path); err == nil && st.Mode().IsRegular() {
		f, err := os.OpenFile(path, os.O_RDWR|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
		if err == nil {
			defer f.Close()
			if fst, err := f.Stat(); err == nil && os.SameFile(st, fst) {
				old, err := io.ReadAll(io.LimitReader(f, int64(len(content))+1))
				if err == nil && string(old) == content {
					return nil
				}
				if err == nil {
					if err = f.Truncate(0); err == nil {
						_, err = f.WriteAt([]byte(content), 0)
					}
				}
				return err
			}
		}
	}
	if st, err := os.Lstat(path); err == nil && !st.Mode().IsRegular() {
		if err := os.Remove(path); err != nil {
			return err
		}
	}
	return workdir.WriteFileAtomic(path, []byte(content), 0o644)
}

// Stop stops one jail: prestop hooks, exec_stop and SIGTERM through the
// runtime, SIGKILL after stop_timeout, poststop hooks.
func (s *Service) Stop(ctx context.Context, name string) error {
	if err := env.ValidateName(name); err != nil {
		return err
	}
	ol, e, err := s.lockAndLoad(ctx, name)
	if err != nil {
		return err
	}
	defer ol.Release()
	if e.Status() == env.StatusMaintenance {
		return fmt.Errorf("jail %s is in maintenance: %w", name, errdefs.ErrBusy)
	}
	st := s.State(ctx, e)
	if !st.Running {
		s.markOff(ctx, e)
		return fmt.Errorf("jail %s: Not Running: %w", name, errdefs.ErrNotRunning)
	}
	log := s.hookLog(name)
	defer log.Close()
	s.runHooks(ctx, e, "master_prestop.d", log)
	s.hostCommand(ctx, e, "exec_master_prestop", log)
	s.runInside(ctx, e, "stop.d", log)
	grace := time.Duration(e.Int("stop_timeout")) * time.Second
	if grace <= 0 {
		grace = 10 * time.Second
	}
	opt := runtime.StopOptions{Grace: grace, Hold: ol.File()}
	if hook.Enabled(e.Get("mnt_stop")) {
		opt.Hold = nil // mnt_stop must run after the runtime has let go of everything
	}
	// The inventory is updated while the jail goes down (the commit waits
	// on the disk, the stop on the jail), and put back if the stop fails.
	marked := make(chan struct{})
	go func() { s.markOff(ctx, e); close(marked) }()
	err = s.Driver.Stop(ctx, name, s.L.RunDir(name), opt)
	<-marked
	if err != nil && !errors.Is(err, errdefs.ErrNotRunning) {
		s.Store.Set(context.Background(), name, map[string]string{"jid": e.Get("jid"), "status": e.Get("status")})
		return fmt.Errorf("jail %s: stop: %w", name, err)
	}
	s.hostCommand(ctx, e, "exec_master_poststop", log)
	s.runHooks(ctx, e, "master_poststop.d", log)
	s.mntStop(ctx, e, log)
	return nil
}

func (s *Service) markOff(ctx context.Context, e *env.Env) {
	if e.Int("jid") == 0 && e.Status() != env.StatusOn {
		return
	}
	cols := map[string]string{"jid": "0", "state_time": fmt.Sprint(time.Now().Unix())}
	if e.Status() == env.StatusOn {
		cols["status"] = "0"
	}
	s.Store.Set(ctx, e.Name(), cols)
}

// hostCommand runs an exec_master_* command line on the host with /bin/sh
// (the value is the user's own command line, passed as one argument).
func (s *Service) hostCommand(ctx context.Context, e *env.Env, key string, log io.Writer) {
	cmd := e.Get(key)
	if cmd == "" || cmd == "0" {
		return
	}
	_, err := s.Run.Run(ctx, sys.Cmd{Argv: []string{"/bin/sh", "-c", cmd}, Env: hook.Env(e), Stdout: log, Stderr: log, Timeout: hook.Timeout})
	if err != nil {
		fmt.Fprintf(log, "%s %s: %v (ignored)\n", time.Now().Format(time.RFC3339), key, err)
	}
}
