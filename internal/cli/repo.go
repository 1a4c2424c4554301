package cli

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/cbsdgo/cbsd/internal/base"
	"github.com/cbsdgo/cbsd/internal/errdefs"
	"github.com/cbsdgo/cbsd/internal/workdir"
)

func repoCmd() *Command {
	return &Command{
		Name: "repo", Desc: "Fetch bases from a repository (FreeBSD releases from the official mirrors)",
		Args: []string{"action", "sources"}, Opt: []string{"ver", "arch", "target_arch", "url", "force"},
		Usage: `  cbsd repo action=get sources=base ver=14.3      # base.txz (+ lib32.txz on amd64)
  cbsd repo action=get sources=base ver=15.0-CURRENT arch=arm64
  cbsd repo action=get sources=base ver=14.3 url=http://mirror.example/pub/FreeBSD
Every set is checked against the SHA-256 of the release MANIFEST before it
is extracted into W/basejail/base_<arch>_<target_arch>_<ver>; a mirror that
fails or serves a mismatch is skipped for the next one. Mirror roots come
from url= (comma- or space-separated), else default_obtain_base_repo_sources
in W/etc/FreeBSD-bases.conf, else download.freebsd.org, ftp.freebsd.org and
pub.allbsd.org. --quiet hides download progress.`,
		Run: func(ctx context.Context, c *Ctx, a *Args) error {
			if !c.L.Exists() {
				return fmt.Errorf("no workdir at %s: run cbsd initenv first: %w", c.Workdir, errdefs.ErrNotFound)
			}
			if a.KV["action"] != "get" || a.KV["sources"] != "base" {
				return fmt.Errorf("repo action=%s sources=%s: only action=get sources=base is available: %w",
					a.KV["action"], a.KV["sources"], errdefs.ErrNotSupported)
			}
			ver := a.KV["ver"]
			if ver == "" {
				return fmt.Errorf("Please set repo: ver")
			}
			return fetchRelease(ctx, c, a, ver)
		},
	}
}

// fetchRelease installs a FreeBSD base (repo action=get, mkbase ver=14.3).
func fetchRelease(ctx context.Context, c *Ctx, a *Args, ver string) error {
	arch := a.Value("arch", "native")
	if arch == "native" {
		arch = workdir.Arch()
	}
	rel := base.Release{Ver: ver, Arch: arch, TargetArch: a.Value("target_arch", base.TargetArch(arch))}
	mirrors := base.ReadMirrors(c.L.Path("etc"))
	if u := a.KV["url"]; u != "" {
		mirrors = strings.Fields(strings.ReplaceAll(u, ",", " "))
	}
	b := &base.Builder{L: c.L, Run: c.Run, Out: func(f string, x ...any) { fmt.Fprintf(c.Stdout, f, x...) }, Progress: progressOut(c, a)}
	_, err := b.FetchRelease(ctx, rel, mirrors, a.KV["force"] == "1")
	return err
}

// progressOut is where long operations show progress: stderr, or nowhere
// with --quiet (or quiet=1).
func progressOut(c *Ctx, a *Args) io.Writer {
	if a.Flags["quiet"] || a.KV["quiet"] == "1" {
		return nil
	}
	return c.Stderr
}
