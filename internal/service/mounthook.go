package service

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"

	"github.com/cbsdgo/cbsd/internal/env"
	"github.com/cbsdgo/cbsd/internal/hook"
	"github.com/cbsdgo/cbsd/internal/storage"
)

// mountArgs are the mnt_start/mnt_stop arguments of a jail.
func (s *Service) mountArgs(e *env.Env) hook.MountArgs {
	n := e.Name()
	a := hook.MountArgs{Data: dataDir(s.L, e), Fstab: s.L.FstabDir(n), Jname: n,
		Rcconf: s.L.RcconfDir(), Sys: s.L.SysDir(n)}
	if e.Emulator() == "bhyve" {
		a.Fstab = "" // VMs get no -f, as in CBSD
	}
	return a
}

// mountHook runs the jail's mnt_start or mnt_stop (key) when one is set,
// after making the directories it mounts on.
func (s *Service) mountHook(ctx context.Context, e *env.Env, key string, log io.Writer) error {
	script := e.Get(key)
	if !hook.Enabled(script) {
		return nil
	}
	timeout, err := hook.ParseTimeout(e.Get("mnt_timeout"))
	if err != nil {
		return err
	}
	a := s.mountArgs(e)
	for _, d := range []string{a.Data, a.Fstab, a.Sys, a.Rcconf} {
		if d == "" {
			continue
		}
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	return hook.RunMount(ctx, s.Run, key, script, a, timeout, log)
}

// mntStop runs mnt_stop and reports a failure without failing the caller
// (the environment is already stopped or gone).
func (s *Service) mntStop(ctx context.Context, e *env.Env, log io.Writer) {
	if err := s.mountHook(ctx, e, "mnt_stop", log); err != nil {
		s.printf("%s: warning: %v\n", e.Name(), err)
	}
}

// isMountpoint reports whether p is the root of a mounted filesystem.
func isMountpoint(p string) bool {
	var st, parent syscall.Stat_t
	if syscall.Lstat(p, &st) != nil || syscall.Lstat(filepath.Dir(p), &parent) != nil {
		return false
	}
	return st.Dev != parent.Dev
}

// removeTree removes p unless it is still a mount point: data that a
// mount hook put there (shared storage) is never deleted through it.
func removeTree(p string) error {
	if isMountpoint(p) {
		return fmt.Errorf("%s is still mounted (did mnt_stop unmount it?); not removing it", p)
	}
	return os.RemoveAll(p)
}

// backend is the storage backend of this node's jails-data.
func (s *Service) backend() storage.Backend {
	b := storage.Select(s.Run, s.L.Path("jails-data"), s.NodeSetting("zfsfeat", "0") == "1")
	if d, ok := b.(*storage.Dir); ok {
		d.Progress = s.Progress
	}
	return b
}

// destroyData removes a data directory through its backend, never through
// a mount point left by a hook.
func (s *Service) destroyData(ctx context.Context, data string) error {
	if isMountpoint(data) && !storage.IsSubvolume(data) && s.NodeSetting("zfsfeat", "0") != "1" {
		return removeTree(data) // refuses: still mounted
	}
	if _, err := os.Lstat(data); err != nil {
		return nil
	}
	return s.backend().Destroy(ctx, data)
}

// BackendName names the storage backend of this node's jails-data.
func (s *Service) BackendName() string { return s.backend().Name() }
