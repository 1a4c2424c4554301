//go:build !freebsd

package bhyve

import (
	"context"
	"errors"
	"testing"

	"github.com/cbsdgo/cbsd/internal/errdefs"
)

// TestDriverNotSupported: off FreeBSD the driver refuses cleanly.
func TestDriverNotSupported(t *testing.T) {
	d := &Driver{}
	if _, err := d.Start(context.Background(), &Spec{VM: VM{Name: "v"}}); !errors.Is(err, errdefs.ErrNotSupported) {
		t.Fatalf("Start: %v", err)
	}
	if err := d.Stop(context.Background(), "v", t.TempDir(), 0); !errors.Is(err, errdefs.ErrNotSupported) {
		t.Fatalf("Stop: %v", err)
	}
	if d.State(t.TempDir()).Running || RunSupervisor(t.TempDir()) == 0 {
		t.Fatal("state or supervisor claims success")
	}
}
