package service

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/cbsdgo/cbsd/internal/base"
	"github.com/cbsdgo/cbsd/internal/env"
	"github.com/cbsdgo/cbsd/internal/errdefs"
	"github.com/cbsdgo/cbsd/internal/hook"
	"github.com/cbsdgo/cbsd/internal/lock"
	"github.com/cbsdgo/cbsd/internal/network"
	"github.com/cbsdgo/cbsd/internal/revert"
	"github.com/cbsdgo/cbsd/internal/sys"
	"github.com/cbsdgo/cbsd/internal/workdir"
)

// ProfileFile is the defaults profile name for this platform.
func ProfileFile() string { return "jail-" + strings.ToLower(workdir.Platform()) + "-default.conf" }

// CreateRequest is what jcreate was given.
type CreateRequest struct {
	Args  map[string]string // k=v words of the command line
	Jconf string            // jconf= file, if any
}

// Compose builds the new environment's settings: the defaults profile
// (W/etc/defaults, then W/etc), then the jconf file, then the command-line
// arguments. It touches no file.
func (s *Service) Compose(req CreateRequest) (*env.Env, map[string]string, error) {
	name := req.Args["jname"]
	var fromJconf map[string]string
	if req.Jconf != "" {
		b, err := os.ReadFile(req.Jconf)
		if err != nil {
			return nil, nil, fmt.Errorf("jconf: %w", err)
		}
		as, err := env.ParseAssignments(bytes.NewReader(b))
		if err != nil {
			return nil, nil, fmt.Errorf("jconf %s: %w", req.Jconf, err)
		}
		fromJconf = map[string]string{}
		for _, a := range as {
			fromJconf[a.Key] = env.FromPlaceholder(a.Value, s.L.W)
		}
		if name == "" {
			name = fromJconf["jname"]
		}
	}
	if err := env.ValidateName(name); err != nil {
		return nil, nil, err
	}
	vars := s.L.Vars()
	vars["jname"] = name
	prof, err := env.ReadProfile(vars, s.L.Path("etc", "defaults", ProfileFile()), s.L.Path("etc", ProfileFile()))
	if err != nil {
		return nil, nil, err
	}
	if len(prof) == 0 {
		prof, err = profileFromText(vars)
		if err != nil {
			return nil, nil, err
		}
	}
	// jprofile=<p> (command line, else jconf) overlays a named profile.
	jprofile := req.Args["jprofile"]
	if jprofile == "" {
		jprofile = fromJconf["jprofile"]
	}
	if jprofile != "" && jprofile != "default" && jprofile != "0" {
		named, err := s.readJailProfile(vars, jprofile)
		if err != nil {
			return nil, nil, err
		}
		for k, v := range named {
			prof[k] = v
		}
	}
	e := env.New(name)
	knobs := map[string]string{}
	apply := func(m map[string]string) {
		for k, v := range m {
			switch {
			case k == "jname":
			case env.IsColumn(k) || env.IsParam(k):
				e.Set(k, v)
			default:
				knobs[k] = v
			}
		}
	}
	apply(prof)
	apply(fromJconf)
	args := map[string]string{}
	for k, v := range req.Args {
		if k != "jconf" {
			args[k] = v
		}
	}
	apply(args)
	return e, knobs, nil
}

// JailProfileFile is the file of jail profile name (jprofile=).
func JailProfileFile(name string) string {
	return "jail-" + strings.ToLower(workdir.Platform()) + "-" + name + ".conf"
}

// JailProfiles lists the named jail profiles in W/etc/defaults and W/etc
// (not "default", which every jail starts from).
func (s *Service) JailProfiles() []string {
	seen := map[string]bool{}
	var out []string
	prefix := "jail-" + strings.ToLower(workdir.Platform()) + "-"
	for _, dir := range []string{s.L.Path("etc", "defaults"), s.L.Path("etc")} {
		files, _ := filepath.Glob(filepath.Join(dir, prefix+"*.conf"))
		for _, f := range files {
			n := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), prefix), ".conf")
			if !seen[n] && n != "default" {
				seen[n] = true
				out = append(out, n)
			}
		}
	}
	sort.Strings(out)
	return out
}

// readJailProfile reads jail profile name: W/etc/defaults, then W/etc.
func (s *Service) readJailProfile(vars map[string]string, name string) (map[string]string, error) {
	if strings.ContainsAny(name, "/ ") || name == ".." {
		return nil, fmt.Errorf("jprofile=%q: %w", name, errdefs.ErrInvalid)
	}
	files := []string{s.L.Path("etc", "defaults", JailProfileFile(name)), s.L.Path("etc", JailProfileFile(name))}
	found := false
	for _, f := range files {
		if _, err := os.Stat(f); err == nil {
			found = true
		}
	}
	if !found {
		return nil, fmt.Errorf("no jail profile %q: looked for %s (profiles: %s): %w", name, strings.Join(files, " and "),
			strings.Join(s.JailProfiles(), " "), errdefs.ErrNotFound)
	}
	return env.ReadProfile(vars, files...)
}

func profileFromText(vars map[string]string) (map[string]string, error) {
	dir, err := os.MkdirTemp("", "cbsd-profile")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	p := filepath.Join(dir, "p.conf")
	if err := os.WriteFile(p, []byte(env.DefaultProfile), 0o600); err != nil {
		return nil, err
	}
	return env.ReadProfile(vars, p)
}

// validate checks settings that would otherwise fail late.
func validate(e *env.Env) error {
	for _, k := range []string{"baserw", "vnet", "persist", "protected", "hidden", "astart"} {
		if v := e.Get(k); v != "0" && v != "1" {
			return fmt.Errorf("%s=%q: want 0 or 1: %w", k, v, errdefs.ErrInvalid)
		}
	}
	for _, k := range []string{"stop_timeout", "exec_timeout", "b_order", "boot_delay", "status", "jid"} {
		if v := e.Get(k); strings.Trim(v, "0123456789") != "" {
			return fmt.Errorf("%s=%q: want a number: %w", k, v, errdefs.ErrInvalid)
		}
	}
	if _, err := network.ParseAddrs(e.Get("ip4_addr"), 24); err != nil {
		return err
	}
	if e.Emulator() != "jail" {
		return fmt.Errorf("emulator=%q: jcreate makes jails only: %w", e.Emulator(), errdefs.ErrInvalid)
	}
	for _, k := range []string{"mnt_start", "mnt_stop"} {
		if err := hook.CheckScript(k, e.Get(k)); err != nil {
			return err
		}
	}
	if _, err := hook.ParseTimeout(e.Get("mnt_timeout")); err != nil {
		return err
	}
	h := e.Get("host_hostname")
	if len(h) > 253 || strings.ContainsAny(h, " \t/\n") {
		return fmt.Errorf("host_hostname=%q: %w", h, errdefs.ErrInvalid)
	}
	return nil
}

// BaseDir resolves the base an environment runs on.
func (s *Service) BaseDir(e *env.Env) string {
	return s.L.BaseDir(e.Get("basename"), e.Get("arch"), e.Get("ver"))
}

// Create makes a new jail: files, data, descriptor and inventory row. On
// any failure everything it made is removed again.
func (s *Service) Create(ctx context.Context, req CreateRequest) (*env.Env, error) {
	e, knobs, err := s.Compose(req)
	if err != nil {
		return nil, err
	}
	name := e.Name()
	if v := e.Get("ver"); v == "native" || v == "0" {
		e.Set("ver", base.NativeVer())
	}
	if v := e.Get("arch"); v == "native" || v == "0" {
		e.Set("arch", workdir.Arch())
	}
	if strings.ContainsAny(e.Get("ver")+e.Get("arch")+e.Get("basename"), "/ ") {
		return nil, fmt.Errorf("bad ver/arch/basename: %w", errdefs.ErrInvalid)
	}
	if err := validate(e); err != nil {
		return nil, err
	}
	ol, err := s.opLock(ctx, name)
	if err != nil {
		return nil, err
	}
	defer ol.Release()

	if err := s.ensureUnregistered(ctx, name, "already exist"); err != nil {
		return nil, err
	}
	if exists(s.L.Rcconf(name)) {
		return nil, fmt.Errorf("jail %s already exists unregistered (%s); use cbsd jregister: %w", name, s.L.Rcconf(name), errdefs.ErrExists)
	}
	empty := e.Get("ver") == "empty"
	baseDir := s.BaseDir(e)
	if !empty && !base.Ready(baseDir) {
		return nil, fmt.Errorf("no base for ver=%s arch=%s (%s): build it with: cbsd mkbase ver=%s: %w",
			e.Get("ver"), e.Get("arch"), baseDir, e.Get("ver"), errdefs.ErrNotFound)
	}
	pkgs, err := parsePkglist(knobs["pkglist"])
	if err != nil {
		return nil, err
	}
	if len(pkgs) > 0 && (empty || PackageManager(baseDir) == "") {
		return nil, fmt.Errorf("pkglist: base %s has no package manager (apt-get): %w", e.Get("ver"), errdefs.ErrNotSupported)
	}
	if len(pkgs) > 0 && !e.Bool("baserw") {
		return nil, fmt.Errorf("pkglist needs baserw=1: apt installs into /usr, which a baserw=0 jail shares read-only: %w", errdefs.ErrInvalid)
	}
	// Canonical paths.
	e.Set("path", s.L.JailPath(name))
	if !e.IsSet("data") {
		e.Set("data", s.L.DataDir(name))
	}
	e.Set("mount_fstab", s.L.Fstab(name))
	e.Set("rcconf", s.L.Rcconf(name))
	data := dataDir(s.L, e)
	if exists(data) && !emptyDir(data) {
		return nil, fmt.Errorf("data directory %s exists and is not empty (left from an unregistered jail?): %w", data, errdefs.ErrExists)
	}
	sysDir, fstabDir := s.L.SysDir(name), s.L.FstabDir(name)
	for _, d := range []string{sysDir, fstabDir} {
		if exists(d) {
			return nil, fmt.Errorf("%s already exists (left from an unregistered jail?): %w", d, errdefs.ErrExists)
		}
	}

	r := revert.New()
	defer r.Fail()
	if network.HasDHCP(e.Get("ip4_addr")) {
		pl, err := s.poolLock(ctx)
		if err != nil {
			return nil, err
		}
		defer pl.Release() // held until the row with the address is in
		if err := s.allocateIP(ctx, e); err != nil {
			return nil, err
		}
	}
	e.Set("state_time", fmt.Sprint(time.Now().Unix()))
	e.Set("status", "0")
	e.Set("jid", "0")
	// The row goes in while the directories are made and filled (the commit
	// waits on the disk, the rest on the filesystem); it goes again if they
	// fail. A concurrent start, stop or remove waits for the operation lock.
	inserted := make(chan error, 1)
	go func() { inserted <- s.Store.Insert(ctx, e) }()
	waitInsert := sync.OnceValue(func() error { return <-inserted })
	r.Add(func() {
		if waitInsert() == nil {
			s.Store.Delete(context.Background(), name)
		}
	})
	for _, d := range []string{sysDir, fstabDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
		d := d
		r.Add(func() { removeTree(d) })
	}
	// The data directory: the hook's mount point, or the backend's volume
	// (a btrfs subvolume, a ZFS dataset, a directory).
	if hook.Enabled(e.Get("mnt_start")) {
		if err := os.MkdirAll(data, 0o755); err != nil {
			return nil, err
		}
		r.Add(func() { removeTree(data) })
	} else {
		b := s.backend()
		if err := b.Create(ctx, data); err != nil {
			return nil, fmt.Errorf("create %s (%s backend): %w", data, b.Name(), err)
		}
		r.Add(func() { s.destroyData(context.Background(), data) })
	}
	log := s.hookLog(name)
	defer log.Close()
	// mnt_start owns the data mount: it runs before anything is written.
	if err := s.mountHook(ctx, e, "mnt_start", log); err != nil {
		return nil, fmt.Errorf("jcreate %s: %w", name, err)
	}
	if hook.Enabled(e.Get("mnt_start")) {
		r.Add(func() { s.mntStop(context.Background(), e, log) })
	}
	// Directory creation waits on the filesystem, not the CPU: in parallel.
	hookDirs := make([]string, len(hook.Dirs))
	for i, d := range hook.Dirs {
		hookDirs[i] = filepath.Join(sysDir, d)
	}
	// The descriptor goes straight to jails-system/<J> (where CBSD's
	// jregister mode=new moves it from jails-rcconf): the directory is this
	// create's own until it succeeds.
	var desc bytes.Buffer
	if err := env.WriteDescriptor(&desc, e, ""); err != nil {
		return nil, err
	}
	// The system directory fills while the data directory is populated:
	// different parents, so neither waits for the other's directory lock.
	sysDone := make(chan error, 1)
	go func() {
		err := inParallel(len(hookDirs), func(i int) error { return os.Mkdir(hookDirs[i], 0o755) })
		if sk := knobs["jailsysskeldir"]; err == nil && sk != "" && sk != "0" {
			// A system skeleton (hook scripts, tests/, fstab.local ...).
			if err = base.CopyTree(sk, sysDir); err != nil {
				err = fmt.Errorf("jailsysskeldir: %w", err)
			}
		}
		if err == nil {
			err = os.WriteFile(s.L.SysRcconf(name), desc.Bytes(), 0o644)
		}
		sysDone <- err
	}()
	var popErr error
	if !empty {
		s.printf("jcreate: populating %s from %s (baserw=%s)\n", data, filepath.Base(baseDir), e.Get("baserw"))
		popErr = s.populate(ctx, e, baseDir, data)
	}
	if err := errors.Join(<-sysDone, popErr); err != nil {
		return nil, err
	}
	if !empty {
		if pw := knobs["user_pw_root"]; pw != "" && pw != "0" {
			if err := base.SetRootPassword(ctx, s.Run, filepath.Join(data, "etc"), pw); err != nil {
				return nil, err
			}
		}
	}
	if err := s.writeFstab(e, data, knobs["fstablocal"]); err != nil {
		return nil, err
	}
	// Registered once the row is in (it has been on its way meanwhile).
	if err := waitInsert(); err != nil {
		return nil, err
	}
	r.Success()

	for _, res := range hook.RunHost(ctx, s.Run, filepath.Join(sysDir, "master_create.d"), e, log) {
		if res.Err != nil {
			s.printf("jcreate: hook %s failed (ignored): %v\n", res.Script, res.Err)
		}
	}
	if len(hook.Scripts(filepath.Join(sysDir, "create.d"))) > 0 {
		// create.d runs inside the jail: start it for them, stop it again.
		ol.Release()
		if _, err := s.Start(ctx, name); err != nil {
			s.printf("jcreate: create.d: %v (ignored)\n", err)
		} else {
			s.runInside(ctx, e, "create.d", log)
			if err := s.Stop(ctx, name); err != nil {
				s.printf("jcreate: create.d: %v (ignored)\n", err)
			}
		}
	}
	if len(pkgs) > 0 {
		ol.Release()
		if err := s.installPackages(ctx, name, pkgs); err != nil {
			// Nothing half-made: the jail goes again.
			if rerr := s.Remove(context.Background(), name); rerr != nil {
				s.printf("jcreate: remove %s after the failure: %v\n", name, rerr)
			}
			return nil, fmt.Errorf("jcreate %s: %w", name, err)
		}
	}
	if req.Jconf != "" && knobs["removejconf"] == "1" {
		os.Remove(req.Jconf)
	}
	s.printf("jcreate: %s created\n", name)
	return e, nil
}

// populate fills the data directory: a full copy of the base for
// baserw=1 (cp -a, reflinks where the filesystem has them), only the
// writable directories for baserw=0.
func (s *Service) populate(ctx context.Context, e *env.Env, baseDir, data string) error {
	if e.Bool("baserw") {
		_, err := s.Run.Run(ctx, sys.Cmd{Argv: []string{"cp", "-a", "--reflink=auto", baseDir + "/.", data}, Timeout: 30 * time.Minute})
		return err
	}
	err := inParallel(len(base.WritableDirs), func(i int) error {
		d := base.WritableDirs[i]
		src, dst := filepath.Join(baseDir, d), filepath.Join(data, d)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if st, err := os.Stat(src); err == nil && st.IsDir() {
			return base.CopyTree(src, dst)
		}
		return os.MkdirAll(dst, 0o755)
	})
	if err != nil {
		return err
	}
	return os.Chmod(filepath.Join(data, "tmp"), 0o1777)
}

// writeFstab writes the CBSD-managed fstab (baserw=0: the writable
// directories of the data dir over the base) and fstab.local.
func (s *Service) writeFstab(e *env.Env, data, fstablocal string) error {
	var b strings.Builder
	b.WriteString("# This file is managed by cbsd and regenerated: put your own mounts in fstab.local\n")
	if !e.Bool("baserw") && e.Get("ver") != "empty" {
		for _, d := range base.WritableDirs {
			fmt.Fprintf(&b, "%s /%s nullfs rw 0 0\n", filepath.Join(data, d), d)
		}
	}
	if err := workdir.WriteFileAtomic(s.L.Fstab(e.Name()), []byte(b.String()), 0o644); err != nil {
		return err
	}
	local := s.L.Fstab(e.Name()) + ".local"
	if fstablocal != "" && fstablocal != "0" {
		in, err := os.ReadFile(fstablocal)
		if err != nil {
			return fmt.Errorf("fstablocal: %w", err)
		}
		return workdir.WriteFileAtomic(local, in, 0o644)
	}
	if !exists(local) {
		return os.WriteFile(local, nil, 0o644)
	}
	return nil
}

// poolLock serialises address allocation node-wide; hold it until the
// allocated address is stored.
func (s *Service) poolLock(ctx context.Context) (*lock.OpLock, error) {
	lctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	return lock.Acquire(lctx, s.L.Path("var", "run", "lock", "ippool.lock"))
}

// allocateIP replaces DHCP in ip4_addr by the next free address of the
// node's pool. The caller holds poolLock.
func (s *Service) allocateIP(ctx context.Context, e *env.Env) error {
	pool, err := network.ParsePool(s.NodeSetting("nodeippool", DefaultPool))
	if err != nil {
		return err
	}
	all, err := s.Store.List(ctx, inventoryAll)
	if err != nil {
		return err
	}
	var vals []string
	for _, x := range all {
		if x.Name() != e.Name() {
			vals = append(vals, x.Get("ip4_addr"))
		}
	}
	used := network.UsedAddrs(vals)
	var parts []string
	for _, f := range strings.Split(e.Get("ip4_addr"), ",") {
		f = strings.TrimSpace(f)
		if !network.IsDHCPWord(f) {
			parts = append(parts, f)
			if ps, err := network.ParseAddrs(f, pool.Prefix); err == nil {
				for _, p := range ps {
					used[p.Addr()] = true
				}
			}
			continue
		}
		a, err := pool.Allocate(used)
		if err != nil {
			return err
		}
		used[a] = true
		pin := ""
		if i := strings.IndexByte(f, '|'); i >= 0 {
			pin = f[:i+1]
		}
		parts = append(parts, pin+netip.PrefixFrom(a, pool.Prefix).String())
	}
	e.Set("ip4_addr", strings.Join(parts, ","))
	return nil
}

// inParallel runs fn(0..n-1) concurrently and returns the first error.
func inParallel(n int, fn func(i int) error) error {
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		go func(i int) { errs <- fn(i) }(i)
	}
	var first error
	for i := 0; i < n; i++ {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}
