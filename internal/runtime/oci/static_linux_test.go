package oci

import (
	"errors"
	"os"
	"testing"

	"github.com/cbsdgo/cbsd/internal/errdefs"
)

func TestCheckStatic(t *testing.T) {
	if err := checkStatic("/bin/sh"); !errors.Is(err, errdefs.ErrNotSupported) {
		t.Errorf("checkStatic(/bin/sh, dynamically linked) = %v, want ErrNotSupported", err)
	}
	if _, err := os.Stat("/bin/busybox"); err != nil {
		t.Skip("no /bin/busybox (busybox-static) to check a static binary with")
	}
	if err := checkStatic("/bin/busybox"); err != nil {
		t.Errorf("checkStatic(/bin/busybox, static) = %v", err)
	}
	if err := checkStatic("/nonexistent"); err == nil {
		t.Error("checkStatic of a missing file succeeded")
	}
}
