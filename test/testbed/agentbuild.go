//go:build linux

package testbed

import (
	"context"
	"os/exec"
	"path/filepath"
	"runtime"
)

const agentPkg = "github.com/cbsdgo/cbsd/test/testbed/agent"

// buildAgent builds the guest agent as a static binary into dir. It runs
// in the current directory, which must be inside the module (go test runs
// in the package directory). -trimpath makes equal sources give equal
// binaries, so the image cache key stays stable.
func buildAgent(ctx context.Context, dir string) (string, error) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		gobin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	out := filepath.Join(dir, "tbagent")
	_, err = command{
		argv: []string{gobin, "build", "-trimpath", "-ldflags=-s -w", "-o", out, agentPkg},
		env:  []string{"CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64"},
	}.run(ctx)
	return out, err
}
