package service

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cbsdgo/cbsd/internal/env"
	"github.com/cbsdgo/cbsd/internal/errdefs"
	"github.com/cbsdgo/cbsd/internal/inventory"
	"github.com/cbsdgo/cbsd/internal/lock"
	"github.com/cbsdgo/cbsd/internal/runtime"
	"github.com/cbsdgo/cbsd/internal/runtime/bhyve"
	"github.com/cbsdgo/cbsd/internal/runtime/qemu"
	"github.com/cbsdgo/cbsd/internal/sys"
	"github.com/cbsdgo/cbsd/internal/workdir"
)

// Service is cbsd's use-case layer for one workdir.
type Service struct {
	L      workdir.Layout
	Store  *inventory.SQLite
	Driver runtime.Driver
	VMs    *qemu.Driver  // VMs (emulator=bhyve) on Linux
	Bhyve  *bhyve.Driver // VMs on FreeBSD (when set, VMs is not used)
	Run    *sys.Runner
	Log    *slog.Logger
	Out    io.Writer // progress messages for the user
	// Progress shows long copies (jclone on plain directories); nil = quiet.
	Progress io.Writer
	Node     map[string]string // the "local" table: node settings
}

// LockTimeout bounds the wait for another operation on the same environment.
const LockTimeout = 10 * time.Minute

func (s *Service) printf(format string, a ...any) {
	if s.Out != nil {
		fmt.Fprintf(s.Out, format, a...)
	}
}

// NodeSetting returns a node setting with a fallback.
func (s *Service) NodeSetting(k, def string) string {
	if v := strings.TrimSpace(s.Node[k]); v != "" && v != "0" {
		return v
	}
	return def
}

func (s *Service) opLock(ctx context.Context, name string) (*lock.OpLock, error) {
	ctx, cancel := context.WithTimeout(ctx, LockTimeout)
	defer cancel()
	return lock.Acquire(ctx, s.L.OpLock(name))
}

// lockAndLoad takes an environment's operation lock and loads it; an
// unknown name is CBSD's "No such jail".
func (s *Service) lockAndLoad(ctx context.Context, name string) (*lock.OpLock, *env.Env, error) {
	ol, err := s.opLock(ctx, name)
	if err != nil {
		return nil, nil, err
	}
	e, err := s.Store.Get(ctx, name)
	if err != nil {
		ol.Release()
		if errors.Is(err, errdefs.ErrNotFound) {
			return nil, nil, notFound(name)
		}
		return nil, nil, err
	}
	return ol, e, nil
}

// ensureUnregistered fails when name is in the inventory already.
func (s *Service) ensureUnregistered(ctx context.Context, name, what string) error {
	if _, err := s.Store.Get(ctx, name); err == nil {
		return fmt.Errorf("jail %s %s: %w", name, what, errdefs.ErrExists)
	} else if !errors.Is(err, errdefs.ErrNotFound) {
		return err
	}
	return nil
}

// Get loads one environment from the inventory.
func (s *Service) Get(ctx context.Context, name string) (*env.Env, error) {
	if err := env.ValidateName(name); err != nil {
		return nil, err
	}
	return s.Store.Get(ctx, name)
}

// Names expands names and masks to the registered environments of the
// given emulator. A name that matches nothing is returned as is, so the
// caller reports it as missing.
func (s *Service) Names(ctx context.Context, emulator string, words []string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, w := range words {
		if !env.IsMask(w) {
			if !seen[w] {
				out = append(out, w)
				seen[w] = true
			}
			continue
		}
		es, err := s.Store.List(ctx, inventory.Filter{Mask: w, Emulators: []string{emulator}})
		if err != nil {
			return nil, err
		}
		for _, e := range es {
			if !seen[e.Name()] {
				out = append(out, e.Name())
				seen[e.Name()] = true
			}
		}
		if len(es) == 0 {
			out = append(out, w)
		}
	}
	return out, nil
}

// State returns the runtime's truth about e.
func (s *Service) State(ctx context.Context, e *env.Env) runtime.State {
	if e.Emulator() == "bhyve" {
		running, pid := s.vms().State(e.Name())
		return runtime.State{Running: running, Pid: pid}
	}
	st, err := s.Driver.State(ctx, e.Name(), s.L.RunDir(e.Name()))
	if err != nil {
		s.Log.Debug("state", "jail", e.Name(), "err", err)
	}
	return st
}

// Reconcile sets jid/status of e from the runtime (not stored).
func (s *Service) Reconcile(ctx context.Context, e *env.Env) runtime.State {
	st := s.State(ctx, e)
	switch {
	case st.Running:
		e.Set("jid", fmt.Sprint(st.Pid))
		if e.Status() == env.StatusOff {
			e.Set("status", fmt.Sprint(env.StatusOn))
		}
	case e.Status() == env.StatusOn || e.Int("jid") != 0:
		e.Set("jid", "0")
		if e.Status() == env.StatusOn {
			e.Set("status", fmt.Sprint(env.StatusOff))
		}
	}
	return st
}

// hookLog returns the environment's hook log, opened for appending on the
// first write (most operations run no hook and make no file).
func (s *Service) hookLog(name string) io.WriteCloser {
	return &lazyLog{path: s.L.Path("var", "log", name+".hooks.log")}
}

type lazyLog struct {
	path string
	f    *os.File
	err  error
}

func (l *lazyLog) Write(p []byte) (int, error) {
	if l.f == nil && l.err == nil {
		l.f, l.err = os.OpenFile(l.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	}
	if l.err != nil {
		return len(p), nil // a log that cannot be written never fails an operation
	}
	return l.f.Write(p)
}

func (l *lazyLog) Close() error {
	if l.f != nil {
		return l.f.Close()
	}
	return nil
}

// notFound builds CBSD's "No such jail" error.
func notFound(name string) error {
	return fmt.Errorf("No such jail: %s: %w", name, errdefs.ErrNotFound)
}

func exists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}

func emptyDir(p string) bool {
	ents, err := os.ReadDir(p)
	return err == nil && len(ents) == 0
}

func dataDir(l workdir.Layout, e *env.Env) string {
	if e.IsSet("data") {
		d := e.Get("data")
		if !filepath.IsAbs(d) {
			d = l.Path(d)
		}
		return d
	}
	return l.DataDir(e.Name())
}

// DefaultPool is the ip pool used when the node has none configured.
const DefaultPool = "10.0.0.0/24"

var inventoryAll = inventory.Filter{}
