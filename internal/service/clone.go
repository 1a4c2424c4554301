package service

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/cbsdgo/cbsd/internal/base"
	"github.com/cbsdgo/cbsd/internal/env"
	"github.com/cbsdgo/cbsd/internal/errdefs"
	"github.com/cbsdgo/cbsd/internal/hook"
	"github.com/cbsdgo/cbsd/internal/network"
	"github.com/cbsdgo/cbsd/internal/revert"
	"github.com/cbsdgo/cbsd/internal/sys"
	"github.com/cbsdgo/cbsd/internal/workdir"
)

// CloneRequest is what jclone was given.
type CloneRequest struct {
	Old, New   string
	Hostname   string // host_hostname of the clone ("" = <new>.<domain of old>)
	IP4        string // "" = the old jail's, DHCP = a new one from the pool
	CheckState bool   // refuse a running source (checkstate=1, the default)
}

// Clone copies a jail under a new name: settings, fstabs, system directory
// and data. The data is cloned by the storage backend (an O(1) snapshot on
// btrfs and ZFS, a copy on plain directories) unless clone-local.d scripts
// of the source did it on the storage side (CBSD's contract: no scripts =
// cbsd copies; all succeed = they made the new data directory; one fails =
// abort). clone.d scripts run first, on the host; their result is ignored.
func (s *Service) Clone(ctx context.Context, req CloneRequest) (*env.Env, error) {
	for _, n := range []string{req.Old, req.New} {
		if err := env.ValidateName(n); err != nil {
			return nil, err
		}
	}
	ol, err := s.opLock(ctx, req.Old)
	if err != nil {
		return nil, err
	}
	defer ol.Release()
	nl, err := s.opLock(ctx, req.New)
	if err != nil {
		return nil, err
	}
	defer nl.Release()
	old, err := s.Store.Get(ctx, req.Old)
	if errors.Is(err, errdefs.ErrNotFound) {
		return nil, notFound(req.Old)
	} else if err != nil {
		return nil, err
	}
	if old.Emulator() != "jail" {
		return nil, fmt.Errorf("%s is a %s environment: jclone copies jails: %w", req.Old, old.Emulator(), errdefs.ErrInvalid)
	}
	if req.CheckState && s.State(ctx, old).Running {
		return nil, fmt.Errorf("jail %s is running: stop it first (or checkstate=0): %w", req.Old, errdefs.ErrRunning)
	}
	if _, err := s.Store.Get(ctx, req.New); err == nil {
		return nil, fmt.Errorf("jail %s already exist: %w", req.New, errdefs.ErrExists)
	}
	newData, newSys, newFstab := s.L.DataDir(req.New), s.L.SysDir(req.New), s.L.FstabDir(req.New)
	for _, p := range []string{newData, newSys, newFstab, s.L.Rcconf(req.New)} {
		if exists(p) {
			return nil, fmt.Errorf("%s already exists: %w", p, errdefs.ErrExists)
		}
	}
	e := old.Clone()
	e.Set("jname", req.New)
	e.Set("jid", "0")
	e.Set("status", "0")
	e.Set("path", s.L.JailPath(req.New))
	e.Set("data", newData)
	e.Set("mount_fstab", s.L.Fstab(req.New))
	e.Set("rcconf", s.L.Rcconf(req.New))
	e.Set("host_hostname", cloneHostname(old, req))
	log := s.hookLog(req.Old)
	defer log.Close()

	r := revert.New()
	defer r.Fail()
	switch ip := req.IP4; {
	case ip == "":
		// CBSD keeps the source's address; say so, it is rarely wanted.
		if network.HasDHCP(old.Get("ip4_addr")) || old.Get("ip4_addr") == "0" {
			break
		}
		s.printf("jclone: %s keeps the address of %s (%s); give ip4_addr=DHCP for a new one\n", req.New, req.Old, old.Get("ip4_addr"))
	default:
		e.Set("ip4_addr", ip)
		if network.HasDHCP(ip) {
			pl, err := s.poolLock(ctx)
			if err != nil {
				return nil, err
			}
			defer pl.Release()
			if err := s.allocateIP(ctx, e); err != nil {
				return nil, err
			}
		}
	}

	hookEnv := append(hook.Env(old), "newjname="+req.New, "newdata="+newData)
	for _, sc := range hook.Scripts(filepath.Join(s.L.SysDir(req.Old), "clone.d")) {
		if _, err := s.Run.Run(ctx, sys.Cmd{Argv: []string{sc}, Env: hookEnv, Stdout: log, Stderr: log, Timeout: hook.Timeout}); err != nil {
			fmt.Fprintf(log, "%s: %v (ignored)\n", sc, err)
		}
	}
	copied := false
	if local := hook.Scripts(filepath.Join(s.L.SysDir(req.Old), "clone-local.d")); len(local) > 0 {
		for _, sc := range local {
			if _, err := s.Run.Run(ctx, sys.Cmd{Argv: []string{sc}, Env: hookEnv, Stdout: log, Stderr: log, Timeout: hook.Timeout}); err != nil {
				return nil, fmt.Errorf("jclone: clone-local.d script failed, clone aborted: %w", err)
			}
		}
		if !exists(newData) {
			return nil, fmt.Errorf("jclone: clone-local.d scripts succeeded but did not make %s: %w", newData, errdefs.ErrNotFound)
		}
		copied = true
		r.Add(func() { s.destroyData(context.Background(), newData) })
	}
	if !copied {
		b := s.backend()
		if err := b.Clone(ctx, dataDir(s.L, old), newData); err != nil {
			return nil, fmt.Errorf("jclone: data (%s backend): %w", b.Name(), err)
		}
		r.Add(func() { s.destroyData(context.Background(), newData) })
	}
	// System directory and fstabs, with the old name's paths rewritten.
	if err := copyRenamed(s.L.SysDir(req.Old), newSys, req.Old, req.New); err != nil {
		return nil, err
	}
	r.Add(func() { removeTree(newSys) })
	os.Remove(filepath.Join(newSys, "locked"))
	os.Remove(filepath.Join(newSys, "rc.conf_"+req.Old))
	if err := copyRenamed(s.L.FstabDir(req.Old), newFstab, req.Old, req.New); err != nil {
		return nil, err
	}
	r.Add(func() { removeTree(newFstab) })
	if err := s.Store.Insert(ctx, e); err != nil {
		return nil, err
	}
	r.Add(func() { s.Store.Delete(context.Background(), req.New) })
	var b bytes.Buffer
	if err := env.WriteDescriptor(&b, e, ""); err != nil {
		return nil, err
	}
	if err := workdir.WriteFileAtomic(s.L.SysRcconf(req.New), b.Bytes(), 0o644); err != nil {
		return nil, err
	}
	r.Success()
	return e, nil
}

func cloneHostname(old *env.Env, req CloneRequest) string {
	if req.Hostname != "" {
		return req.Hostname
	}
	h := old.Get("host_hostname")
	if i := strings.IndexByte(h, '.'); i > 0 {
		return req.New + h[i:]
	}
	return req.New
}

// copyRenamed copies the tree src to dst and rewrites /<old> path elements
// to /<new> in its text files (fstab, hook scripts), like CBSD's
// sed s:/old:/new:g. A missing src makes an empty dst.
func copyRenamed(src, dst, old, new string) error {
	if !exists(src) {
		return os.MkdirAll(dst, 0o755)
	}
	if err := base.CopyTree(src, dst); err != nil {
		return err
	}
	for _, f := range []string{"fstab", "fstab.local"} {
		p := filepath.Join(dst, f)
		if err := rewriteFile(p, func(line string) string { return renamePaths(line, old, new) }); err != nil {
			return err
		}
	}
	return nil
}

// renamePaths replaces path elements named old (and old-data) by new.
func renamePaths(line, old, new string) string {
	line = strings.ReplaceAll(line, "/"+old+"-data", "/"+new+"-data")
	line = strings.ReplaceAll(line, "/"+old+"/", "/"+new+"/")
	if strings.HasSuffix(line, "/"+old) {
		line = strings.TrimSuffix(line, "/"+old) + "/" + new
	}
	return line
}
