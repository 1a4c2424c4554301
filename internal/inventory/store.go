package inventory

import (
	"context"

	"github.com/cbsdgo/cbsd/internal/env"
)

// Filter selects environments. Zero value = all.
type Filter struct {
	// Emulators restricts to these emulators (empty = any).
	Emulators []string
	// Mask is a CBSD name mask ("*" = any run of characters); "" = any.
	Mask string
	// Where holds column=value equality conditions.
	Where map[string]string
	// Columns limits the columns read (nil = all); jname is always read.
	Columns []string
}

// Store is the inventory of environments.
//
// Get returns errdefs.ErrNotFound for an unknown name; Insert returns
// errdefs.ErrExists for a duplicate. Update runs fn inside one write
// transaction and stores the environment fn leaves behind; Set writes only
// the given jails columns (a state change: jid, status, state_time).
type Store interface {
	Get(ctx context.Context, jname string) (*env.Env, error)
	List(ctx context.Context, f Filter) ([]*env.Env, error)
	Insert(ctx context.Context, e *env.Env) error
	Update(ctx context.Context, jname string, fn func(*env.Env) error) error
	Set(ctx context.Context, jname string, cols map[string]string) error
	Delete(ctx context.Context, jname string) error
	Close() error
}
