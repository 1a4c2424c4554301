package service

import (
	"context"

	"github.com/cbsdgo/cbsd/internal/rctl"
)

// Limits returns an environment's RCTL limits.
func (s *Service) Limits(ctx context.Context, name string) (rctl.Limits, error) {
	if _, err := s.Get(ctx, name); err != nil {
		return nil, err
	}
	return rctl.Read(s.L.SysDir(name))
}

// SetLimits sets (value) or clears ("0") limits under the environment's
// operation lock; they apply at its next start. It reports whether the
// environment runs now.
func (s *Service) SetLimits(ctx context.Context, name string, change rctl.Limits) (running bool, err error) {
	if err := change.Validate(); err != nil {
		return false, err
	}
	ol, e, err := s.lockAndLoad(ctx, name)
	if err != nil {
		return false, err
	}
	defer ol.Release()
	l, err := rctl.Read(s.L.SysDir(name))
	if err != nil {
		return false, err
	}
	for k, v := range change {
		l[k] = v
	}
	if err := rctl.Write(s.L.SysDir(name), l); err != nil {
		return false, err
	}
	return s.State(ctx, e).Running, nil
}
