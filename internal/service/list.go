package service

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/cbsdgo/cbsd/internal/env"
	"github.com/cbsdgo/cbsd/internal/inventory"
	"github.com/cbsdgo/cbsd/internal/workdir"
)

// List returns the environments matching f with jid/status reconciled
// against the runtime, plus (when withUnregistered) one entry per
// descriptor in jails-rcconf with status Unregister.
func (s *Service) List(ctx context.Context, f inventory.Filter, withUnregistered bool) ([]*env.Env, error) {
	es, err := s.Store.List(ctx, f)
	if err != nil {
		return nil, err
	}
	// Ask the runtime about every jail that has runtime state or that the
	// inventory believes is running: one directory read, no per-row work
	// for the (many) jails that are simply off.
	live := map[string]bool{}
	if ents, err := os.ReadDir(s.L.Path("var", "run", "oci")); err == nil {
		for _, d := range ents {
			live[d.Name()] = true
		}
	}
	for _, e := range es {
		if live[e.Name()] || e.Status() == env.StatusOn || e.Int("jid") != 0 {
			wasOn := e.Status() == env.StatusOn
			if st := s.Reconcile(ctx, e); !st.Running && wasOn {
				// Killed behind cbsd's back: fix the inventory too, as
				// CBSD's loader does.
				s.Store.Update(ctx, e.Name(), func(x *env.Env) error {
					x.Set("jid", "0")
					if x.Status() == env.StatusOn {
						x.Set("status", "0")
					}
					return nil
				})
			}
		}
	}
	if !withUnregistered {
		return es, nil
	}
	ents, err := os.ReadDir(s.L.RcconfDir())
	if err != nil {
		return es, nil
	}
	for _, d := range ents {
		n, ok := strings.CutPrefix(d.Name(), "rc.conf_")
		if !ok || env.ValidateName(n) != nil {
			continue
		}
		if f.Mask != "" && !env.MatchMask(f.Mask, n) {
			continue
		}
		u := env.New(n)
		for _, c := range env.Columns {
			if c.Name != "jname" {
				u.Set(c.Name, "-")
			}
		}
		u.Set("jid", "0")
		u.Set("status", "Unregister")
		es = append(es, u)
	}
	return es, nil
}

// StatusText renders the status column of a listed environment.
func StatusText(e *env.Env) string {
	if v := e.Get("status"); v == "Unregister" {
		return v
	}
	return env.StatusName(e.Status())
}

// Set changes parameters of an environment. Running jails pick the new
// values up at their next start.
func (s *Service) Set(ctx context.Context, name string, kv map[string]string) (*env.Env, error) {
	if err := env.ValidateName(name); err != nil {
		return nil, err
	}
	var out *env.Env
	err := s.Store.Update(ctx, name, func(e *env.Env) error {
		for k, v := range kv {
			e.Set(k, v)
		}
		check := validate
		if e.Emulator() == "bhyve" {
			check = s.validateVM
		}
		if err := check(e); err != nil {
			return err
		}
		out = e.Clone()
		return nil
	})
	if inventory.IsNotFound(err) {
		return nil, notFound(name)
	}
	if err != nil {
		return nil, err
	}
	// Keep the last registered descriptor in step with the inventory.
	var b strings.Builder
	if err := env.WriteDescriptor(&b, out, ""); err == nil {
		workdir.WriteFileAtomic(s.L.SysRcconf(name), []byte(b.String()), 0o644)
	}
	return out, nil
}

// Describe returns a one-line summary of a state change for the user.
func Describe(verb, name string, pid int) string {
	if pid > 0 {
		return fmt.Sprintf("%s: %s (jid %d)", verb, name, pid)
	}
	return fmt.Sprintf("%s: %s", verb, name)
}
