package cli

import (
	"context"
	"fmt"

	"github.com/cbsdgo/cbsd/internal/base"
	"github.com/cbsdgo/cbsd/internal/errdefs"
)

func mkbaseCmd() *Command {
	return &Command{
		Name: "mkbase", Desc: "Build a base (busybox, a Debian release by debootstrap, a FreeBSD release)",
		Args: []string{"ver"}, Opt: []string{"arch", "target_arch", "url", "force", "inter"},
		Usage: `  cbsd mkbase ver=busybox     # tiny base from busybox-static, in seconds
  cbsd mkbase ver=bookworm    # Debian minbase via debootstrap (about a minute)
  cbsd mkbase ver=14.3        # FreeBSD base.txz, as cbsd repo action=get sources=base
The base goes to W/basejail/base_<arch>_<arch>_<ver>; force=1 rebuilds it.
Progress (debootstrap stages, downloads) goes to stderr: a bar on a terminal,
lines otherwise; --quiet hides it.`,
		Run: func(ctx context.Context, c *Ctx, a *Args) error {
			if !c.L.Exists() {
				return fmt.Errorf("no workdir at %s: run cbsd initenv first: %w", c.Workdir, errdefs.ErrNotFound)
			}
			b := &base.Builder{L: c.L, Run: c.Run, Out: func(f string, x ...any) { fmt.Fprintf(c.Stdout, f, x...) }, Progress: progressOut(c, a)}
			ver := a.KV["ver"]
			if ver == "native" {
				ver = base.NativeVer()
			}
			if base.IsFreeBSDRelease(ver) {
				return fetchRelease(ctx, c, a, ver)
			}
			_, err := b.Build(ctx, ver, a.Value("arch", "native"), a.KV["force"] == "1")
			return err
		},
	}
}

func basesCmd() *Command {
	return &Command{
		Name: "bases", Desc: "List installed bases", Opt: []string{"header", "display"},
		Usage: `  cbsd bases                # NAME ARCH VER PATH
  cbsd bases header=0
  cbsd bases --json         # [{"name": ..., "arch": ..., "ver": ..., "path": ...}]`,
		Run: func(ctx context.Context, c *Ctx, a *Args) error {
			bs, err := base.List(c.L)
			if err != nil {
				return err
			}
			if a.Flags["json"] {
				out := make([]map[string]string, 0, len(bs))
				for _, b := range bs {
					out = append(out, map[string]string{"name": b.Name, "arch": b.Arch, "ver": b.Ver, "path": b.Path})
				}
				return writeJSON(c.Stdout, out)
			}
			var rows [][]string
			for _, b := range bs {
				rows = append(rows, []string{b.Name, b.Arch, b.Ver, b.Path})
			}
			table(c.Stdout, []string{"NAME", "ARCH", "VER", "PATH"}, rows, a.Value("header", "1") != "0")
			return nil
		},
	}
}
