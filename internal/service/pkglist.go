package service

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/cbsdgo/cbsd/internal/errdefs"
	"github.com/cbsdgo/cbsd/internal/runtime"
)

// PackageManager names the package manager a base has ("apt" for Debian
// bases), or "" when it has none (busybox).
func PackageManager(baseDir string) string {
	if _, err := os.Stat(filepath.Join(baseDir, "usr", "bin", "apt-get")); err == nil {
		return "apt"
	}
	return ""
}

// parsePkglist splits pkglist (space- or comma-separated package names)
// and refuses anything that is not a package name.
func parsePkglist(v string) ([]string, error) {
	if strings.TrimSpace(v) == "0" {
		return nil, nil
	}
	var out []string
	for _, p := range strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == ',' || r == '\t' }) {
		if strings.HasPrefix(p, "-") || strings.Trim(p, "abcdefghijklmnopqrstuvwxyz0123456789.+-:=~") != "" {
			return nil, fmt.Errorf("pkglist: %q is not a package name: %w", p, errdefs.ErrInvalid)
		}
		out = append(out, p)
	}
	return out, nil
}

// installPackages starts a new jail, installs pkgs with its package
// manager and stops it again (CBSD's pkglist at jcreate).
func (s *Service) installPackages(ctx context.Context, name string, pkgs []string) error {
	if _, err := s.Start(ctx, name); err != nil {
		return fmt.Errorf("pkglist: start %s: %w", name, err)
	}
	run := func(argv ...string) error {
		s.printf("jcreate: %s: %s\n", name, strings.Join(argv, " "))
		code, err := s.Exec(ctx, name, runtime.Process{Argv: argv,
			Env:   []string{"DEBIAN_FRONTEND=noninteractive"},
			Stdin: devNull(), Stdout: s.outFile(), Stderr: s.outFile()})
		if err == nil && code != 0 {
			err = fmt.Errorf("%s exited with %d", argv[0], code)
		}
		return err
	}
	err := run("apt-get", "-q", "update")
	if err == nil {
		err = run(append([]string{"apt-get", "-q", "-y", "--no-install-recommends", "install"}, pkgs...)...)
	}
	if err == nil {
		err = run("apt-get", "clean")
	}
	if serr := s.Stop(ctx, name); serr != nil && !errors.Is(serr, errdefs.ErrNotRunning) && err == nil {
		err = serr
	}
	if err != nil {
		return fmt.Errorf("pkglist: %w", err)
	}
	return nil
}

// outFile is where a command inside a jail writes what the user should
// see: the service's output when it is a file, else nowhere.
func (s *Service) outFile() *os.File {
	if f, ok := s.Out.(*os.File); ok {
		return f
	}
	return devNull()
}
