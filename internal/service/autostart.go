package service

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/cbsdgo/cbsd/internal/env"
	"github.com/cbsdgo/cbsd/internal/errdefs"
	"github.com/cbsdgo/cbsd/internal/inventory"
)

// bootOrder sorts environments by b_order, then name.
func bootOrder(es []*env.Env) {
	sort.SliceStable(es, func(i, j int) bool {
		if a, b := es[i].Int("b_order"), es[j].Int("b_order"); a != b {
			return a < b
		}
		return es[i].Name() < es[j].Name()
	})
}

// AutoStart starts every jail and VM with astart=1, in b_order, one at a
// time (what the boot script runs). A failure is reported through report
// and the others still start; the error lists the ones that failed.
func (s *Service) AutoStart(ctx context.Context, report func(name string, err error)) error {
	es, err := s.Store.List(ctx, inventory.Filter{Where: map[string]string{"astart": "1"}})
	if err != nil {
		return err
	}
	bootOrder(es)
	var failed []string
	for _, e := range es {
		if e.Status() == env.StatusSlave || e.Status() == env.StatusMaintenance {
			continue
		}
		if e.Emulator() == "bhyve" {
			_, err = s.VMStart(ctx, e.Name())
		} else {
			_, err = s.Start(ctx, e.Name())
		}
		if errors.Is(err, errdefs.ErrRunning) {
			err = nil
		}
		report(e.Name(), err)
		if err != nil {
			failed = append(failed, e.Name())
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("%d environments did not start: %v", len(failed), failed)
	}
	return nil
}

// AutoStop stops every running jail and VM in reverse b_order (what the
// shutdown script runs).
func (s *Service) AutoStop(ctx context.Context, report func(name string, err error)) error {
	es, err := s.List(ctx, inventory.Filter{}, false)
	if err != nil {
		return err
	}
	bootOrder(es)
	var failed []string
	for i := len(es) - 1; i >= 0; i-- {
		e := es[i]
		if e.Status() != env.StatusOn {
			continue
		}
		if e.Emulator() == "bhyve" {
			err = s.VMStop(ctx, e.Name())
		} else {
			err = s.Stop(ctx, e.Name())
		}
		if errors.Is(err, errdefs.ErrNotRunning) {
			err = nil
		}
		report(e.Name(), err)
		if err != nil {
			failed = append(failed, e.Name())
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("%d environments did not stop: %v", len(failed), failed)
	}
	return nil
}
