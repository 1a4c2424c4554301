package cli

import (
	"context"
	"fmt"
	"path"
	"path/filepath"
	"strings"

	"github.com/cbsdgo/cbsd/internal/env"
	"github.com/cbsdgo/cbsd/internal/errdefs"
	"github.com/cbsdgo/cbsd/internal/fetch"
	"github.com/cbsdgo/cbsd/internal/workdir"
)

// vmProfile reads etc/defaults/vm-<type>-<profile>.conf, then etc/ (later wins).
func vmProfile(l workdir.Layout, osType, profile string) (map[string]string, error) {
	if strings.ContainsAny(osType+profile, "/ ") {
		return nil, fmt.Errorf("bad vm_os_type/vm_os_profile: %w", errdefs.ErrInvalid)
	}
	name := "vm-" + osType + "-" + profile + ".conf"
	p, err := env.ReadProfile(l.Vars(), l.Path("etc", "defaults", name), l.Path("etc", name))
	if err != nil {
		return nil, err
	}
	if len(p) == 0 {
		return nil, fmt.Errorf("no VM profile %s in %s or %s: %w", name, l.Path("etc", "defaults"), l.Path("etc"), errdefs.ErrNotFound)
	}
	return p, nil
}

// isoName is where a profile's ISO is kept: W/src/iso/<register_iso_name>.
func isoName(p map[string]string) string {
	if n := p["register_iso_name"]; n != "" && n != "0" {
		return n
	}
	return "cbsd-iso-" + p["iso_img"]
}

func fetchISOCmd() *Command {
	return &Command{
		Name: "fetch_iso", Desc: "Download an ISO or cloud image, verify its SHA-256",
		Opt: []string{"url", "sha256sum", "name", "vm_os_type", "vm_os_profile", "dstdir"},
		Usage: `  cbsd fetch_iso url=https://host/debian.iso sha256sum=<hex>
  cbsd fetch_iso vm_os_type=linux vm_os_profile=debian12   # from the profile's iso_site/iso_img/sha256sum
The file goes to W/src/iso/ (name= or the profile's register_iso_name); a
checksum mismatch discards it. Progress goes to stderr; --quiet hides it.`,
		Run: func(ctx context.Context, c *Ctx, a *Args) error {
			dir := a.Value("dstdir", c.L.Path("src", "iso"))
			var urls []string
			name, sum := a.KV["name"], a.KV["sha256sum"]
			if u := a.KV["url"]; u != "" {
				urls = []string{u}
				if name == "" {
					name = "cbsd-iso-" + path.Base(u)
				}
			} else if a.KV["vm_os_profile"] != "" {
				p, err := vmProfile(c.L, a.Value("vm_os_type", "linux"), a.KV["vm_os_profile"])
				if err != nil {
					return err
				}
				for _, site := range strings.Fields(p["iso_site"]) {
					urls = append(urls, strings.TrimSuffix(site, "/")+"/"+p["iso_img"])
				}
				if name == "" {
					name = isoName(p)
				}
				if sum == "" {
					sum = p["sha256sum"]
				}
			}
			if len(urls) == 0 {
				fmt.Fprintln(c.Stdout, "Please set fetch_iso: url or vm_os_profile")
				return &errdefs.ExitCode{Code: 1}
			}
			if name == "" || strings.ContainsAny(name, "/") || name == "." || name == ".." {
				return fmt.Errorf("name=%q: %w", name, errdefs.ErrInvalid)
			}
			dst := filepath.Join(dir, name)
			var last error
			for i, u := range urls {
				fmt.Fprintf(c.Stdout, "fetch_iso: %s -> %s\n", u, dst)
				if last = fetch.File(ctx, u, dst, sum, progressOut(c, a)); last == nil {
					if sum == "" || sum == "0" {
						fmt.Fprintln(c.Stdout, "fetch_iso: no sha256sum given: not verified")
					} else {
						fmt.Fprintln(c.Stdout, "fetch_iso: sha256 verified")
					}
					return nil
				}
				if i < len(urls)-1 {
					fmt.Fprintf(c.Stdout, "fetch_iso: %s; trying the next site\n", message(last))
				}
			}
			return last
		},
	}
}
