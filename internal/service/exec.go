package service

import (
	"context"
	"errors"
	"fmt"

	"github.com/cbsdgo/cbsd/internal/env"
	"github.com/cbsdgo/cbsd/internal/errdefs"
	"github.com/cbsdgo/cbsd/internal/runtime"
)

// Exec runs a process in a running jail and returns its exit code.
func (s *Service) Exec(ctx context.Context, name string, p runtime.Process) (int, error) {
	if err := env.ValidateName(name); err != nil {
		return -1, err
	}
	e, err := s.Store.Get(ctx, name)
	if errors.Is(err, errdefs.ErrNotFound) {
		return -1, notFound(name)
	} else if err != nil {
		return -1, err
	}
	if e.Emulator() != "jail" {
		return -1, fmt.Errorf("%s is a %s environment, not a jail: %w", name, e.Emulator(), errdefs.ErrInvalid)
	}
	code, err := s.Driver.Exec(ctx, name, s.L.RunDir(name), p)
	if errors.Is(err, errdefs.ErrNotRunning) {
		return -1, fmt.Errorf("jail %s: Not Running: %w", name, errdefs.ErrNotRunning)
	}
	return code, err
}
