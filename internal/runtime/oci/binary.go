package oci

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cbsdgo/cbsd/internal/errdefs"
	"github.com/cbsdgo/cbsd/internal/sys"
)

// Runtime is one OCI runtime binary with its state directory.
type Runtime struct {
	Name string // runc or crun
	Path string
	Root string // --root state directory
}

// SelectRuntime resolves the oci_runtime setting: "runc", "crun" or "auto"
// (crun where it works on this host, runc otherwise). stateDir is the
// parent of the per-runtime state directories (W/var/run).
func SelectRuntime(setting, stateDir string) (*Runtime, error) {
	try := func(name string) (*Runtime, error) {
		p, err := sys.LookPath(name)
		if err != nil {
			return nil, fmt.Errorf("OCI runtime %s is not installed (apt-get install %s): %w", name, name, errdefs.ErrNotSupported)
		}
		return &Runtime{Name: name, Path: p, Root: filepath.Join(stateDir, name)}, nil
	}
	switch setting {
	case "runc", "crun":
		return try(setting)
	case "", "0", "auto":
		if !HybridCgroupsWithV2Controllers() {
			if r, err := try("crun"); err == nil {
				return r, nil
			}
		}
		if r, err := try("runc"); err == nil {
			return r, nil
		}
		return nil, fmt.Errorf("no OCI runtime found: install runc or crun (apt-get install runc): %w", errdefs.ErrNotSupported)
	}
	return nil, fmt.Errorf("oci_runtime=%q: want auto, runc or crun: %w", setting, errdefs.ErrInvalid)
}

// HybridCgroupsWithV2Controllers reports the host layout that crun 1.x
// refuses ("cgroups in hybrid mode not supported"): v1 controllers plus a
// cgroup2 mount at /sys/fs/cgroup/unified that has controllers of its own.
func HybridCgroupsWithV2Controllers() bool {
	b, err := os.ReadFile("/sys/fs/cgroup/unified/cgroup.controllers")
	if err != nil {
		return false
	}
	return strings.TrimSpace(string(b)) != ""
}

// ContainerID maps an environment name to a runtime container id. Names may
// hold '@', '%' and ':', which OCI runtimes refuse; they are escaped with
// '.', which never occurs in environment names, so the map is one to one.
func ContainerID(name string) string {
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch c {
		case '@', '%', ':':
			fmt.Fprintf(&b, ".%02x", c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// Delete removes the runtime's state of a container (force).
func (r *Runtime) Delete(ctx context.Context, run *sys.Runner, id string) error {
	_, err := run.Run(ctx, sys.Cmd{Argv: []string{r.Path, "--root", r.Root, "delete", "-f", id}, Timeout: 30 * time.Second})
	if err != nil && (strings.Contains(err.Error(), "does not exist") || strings.Contains(err.Error(), "not found")) {
		return nil
	}
	return err
}
