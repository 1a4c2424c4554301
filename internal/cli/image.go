package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/cbsdgo/cbsd/internal/errdefs"
	"github.com/cbsdgo/cbsd/internal/service"
)

// exportCmd is jexport (jails) or bexport (VMs, their disks included).
func exportCmd(name, what string) *Command {
	return &Command{
		Name: name, Desc: "Export " + what + " to a CBSD .img file (running ones too)", Args: []string{"jname"},
		Opt: []string{"dstdir", "imgname", "compress", "jexport_exclude"}, PosName: true,
		Usage: `  cbsd ` + name + ` jname=web1                      # W/export/web1.img, xz -6e as CBSD
  cbsd ` + name + ` jname='web*' compress=zstd        # zstd (much faster), or zstd:<level>
  cbsd ` + name + ` jname=web1 compress=0 dstdir=/backup imgname=web1-$(date +%F).img
  cbsd ` + name + ` jname=web1 jexport_exclude="var/cache tmp"   # paths in the data dir
The file follows CBSD's .img format (hdrver 4: HEADER, RCCONF with CBSDROOT,
FSTAB, PKGINFO, DESCR, INFO, LOCALFSTAB, SYSDATA, DATA) and is written
through <file>.part, streaming: tar and the compressor never hold it in
memory. Progress on stderr; --quiet hides it.`,
		Run: func(ctx context.Context, c *Ctx, a *Args) error {
			return forEach(ctx, c, a, func(ctx context.Context, s *service.Service, n string) (string, error) {
				s.Progress = progressOut(c, a)
				path, size, err := s.Export(ctx, service.ExportRequest{Name: n, Dir: a.KV["dstdir"], File: a.KV["imgname"],
					Compress: a.KV["compress"], Exclude: strings.Fields(a.KV["jexport_exclude"])})
				if errors.Is(err, errdefs.ErrNotFound) {
					return "", fmt.Errorf("No such jail: %s", n)
				} else if err != nil {
					return "", err
				}
				return fmt.Sprintf("%s: %s exported to %s (%s)", name, n, path, humanBytes(size)), nil
			})
		},
	}
}

// importCmd is jimport or bimport.
func importCmd(name string) *Command {
	return &Command{
		Name: name, Desc: "Create an environment from a CBSD .img file", Args: []string{"jname"},
		Opt: []string{"new_jname", "new_ip4_addr", "new_host_hostname"}, PosName: true,
		Usage: `  cbsd ` + name + ` jname=web1                  # W/import/web1.img
  cbsd ` + name + ` jname=/backup/web1.img new_jname=web2 new_ip4_addr=DHCP
An existing name is refused; a failed import leaves nothing behind. A renamed
environment's host name becomes <new>.<old domain> unless new_host_hostname=
is given. Images from CBSD (xz) and cbsd (xz, zstd or none) are read alike.`,
		Run: func(ctx context.Context, c *Ctx, a *Args) error {
			s, err := c.Service(ctx)
			if err != nil {
				return err
			}
			s.Progress = progressOut(c, a)
			src := a.Name()
			e, err := s.Import(ctx, service.ImportRequest{Image: src, NewName: a.KV["new_jname"],
				NewIP4: a.KV["new_ip4_addr"], NewHostname: a.KV["new_host_hostname"]})
			if err != nil {
				return err
			}
			fmt.Fprintf(c.Stdout, "%s: %s imported from %s (%s, %s)\n", name, e.Name(), src, e.Get("ip4_addr"), e.Get("host_hostname"))
			return nil
		},
	}
}

// humanBytes renders a size as CBSD's conv2human does, roughly.
func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
