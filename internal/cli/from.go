package cli

import (
	"context"
	"fmt"
	"os"
	"path"
	"strings"

	"github.com/cbsdgo/cbsd/internal/fetch"
	"github.com/cbsdgo/cbsd/internal/repo"
	"github.com/cbsdgo/cbsd/internal/service"
)

// createFrom is jcreate from=: a jail made from an image (a file, a name
// in W/import or in the repository, or a URL), under jname= with
// ip4_addr= and host_hostname= applied.
func createFrom(ctx context.Context, c *Ctx, a *Args, s *service.Service, from string) error {
	name := a.KV["jname"]
	if name == "" {
		return pleaseSet(c, "jname")
	}
	src := from
	switch {
	case strings.HasPrefix(from, "http://") || strings.HasPrefix(from, "https://"):
		base := strings.TrimSuffix(path.Base(from), ".img")
		if err := repo.CheckWord("image name", base); err != nil {
			return err
		}
		src = imagePath(c, base)
		if _, err := os.Stat(src); err != nil {
			fmt.Fprintf(c.Stdout, "jcreate: fetching %s (not verified: a URL carries no checksum; repositories do)\n", from)
			if err := fetch.File(ctx, from, src, "", progressOut(c, a)); err != nil {
				return err
			}
		}
	default:
		if _, err := s.ImagePath(from); err != nil {
			// Not here: the repository may have it.
			mirrors, merr := repoMirrors(ctx, c, a)
			if merr != nil || len(mirrors) == 0 {
				return fmt.Errorf("jcreate from=%s: %w", from, err)
			}
			get := &Args{KV: map[string]string{"name": from, "sources": repo.KindImage, "repo": a.KV["repo"]}, Flags: a.Flags}
			if err := repoGetFile(ctx, c, get, repo.KindImage); err != nil {
				return fmt.Errorf("jcreate from=%s: %w", from, err)
			}
		}
	}
	s.Progress = progressOut(c, a)
	e, err := s.Import(ctx, service.ImportRequest{Image: src, NewName: name, NewIP4: a.KV["ip4_addr"],
		NewHostname: a.KV["host_hostname"], Gold: true})
	if err != nil {
		return err
	}
	fmt.Fprintf(c.Stdout, "jcreate: %s created from %s (%s, %s)\n", e.Name(), from, e.Get("ip4_addr"), e.Get("host_hostname"))
	return nil
}
