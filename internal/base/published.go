package base

import (
	"fmt"
	"path/filepath"
	"time"

	"github.com/cbsdgo/cbsd/internal/errdefs"
)

// InstallPublished installs a base published in a repository (a verified
// archive of an installed base) as dst, W/basejail/base_<arch>_<arch>_<ver>:
// extract fills a temporary directory beside dst, which must then hold a
// shell, and the directory is renamed into place (replacing an older
// dst), so a failed or partial extraction leaves nothing.
func (b *Builder) InstallPublished(dst string, extract func(tmp string) error) error {
	start := time.Now()
	err := b.install(dst, func(tmp string) error {
		if err := extract(tmp); err != nil {
			return err
		}
		if !Ready(tmp) {
			return fmt.Errorf("the published base has no bin/sh: %w", errdefs.ErrInvalid)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if b.Out != nil {
		b.Out("base %s ready in %s (%.1fs)\n", filepath.Base(dst), dst, time.Since(start).Seconds())
	}
	return nil
}
