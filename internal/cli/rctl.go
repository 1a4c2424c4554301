package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/cbsdgo/cbsd/internal/errdefs"
	"github.com/cbsdgo/cbsd/internal/rctl"
)

func jrctlCmd() *Command {
	return &Command{
		Name: "jrctl", Desc: "Show or set an environment's resource limits (RCTL names)", Args: []string{"jname"},
		Opt: append([]string{"mode"}, rctl.Names...),
		Usage: `  cbsd jrctl jname=web1                                   # limits set, one per line
  cbsd jrctl jname=web1 mode=set memoryuse=512m maxproc=200 pcpu=50
  cbsd jrctl jname=web1 mode=unset memoryuse              # mode=unset alone clears all
  cbsd jrctl jname=web1 --json
Limits apply at the next jstart: FreeBSD adds rctl(8) "deny" rules; Linux maps
memoryuse, swapuse, maxproc/nthr (pids), pcpu (100 = one CPU) and openfiles,
memorylocked, stacksize, datasize, coredumpsize, vmemoryuse (rlimits) and says
which others it cannot apply. Resources: ` + strings.Join(rctl.Names, " "),
		Run: func(ctx context.Context, c *Ctx, a *Args) error {
			s, err := c.Service(ctx)
			if err != nil {
				return err
			}
			name := a.KV["jname"]
			notFound := func(err error) error {
				if errors.Is(err, errdefs.ErrNotFound) {
					return fmt.Errorf("No such jail: %s", name)
				}
				return err
			}
			change := rctl.Limits{}
			switch mode := a.KV["mode"]; mode {
			case "", "show", "get":
				l, err := s.Limits(ctx, name)
				if err != nil {
					return notFound(err)
				}
				if a.Flags["json"] {
					out := map[string]string{}
					for _, kv := range l.Set() {
						out[kv[0]] = kv[1]
					}
					return writeJSON(c.Stdout, out)
				}
				for _, kv := range l.Set() {
					fmt.Fprintf(c.Stdout, "%s: %s\n", kv[0], kv[1])
				}
				return nil
			case "set":
				for _, k := range a.Keys {
					if k != "jname" && k != "mode" {
						change[k] = a.KV[k]
					}
				}
				if len(change) == 0 {
					return fmt.Errorf("jrctl mode=set: give limits as <resource>=<value>, e.g. memoryuse=512m")
				}
			case "unset":
				names := a.Pos
				if len(names) == 0 {
					names = rctl.Names
				}
				for _, k := range names {
					change[k] = "0"
				}
			default:
				return fmt.Errorf("jrctl: unknown mode=%s (show, set, unset)", mode)
			}
			running, err := s.SetLimits(ctx, name, change)
			if err != nil {
				return notFound(err)
			}
			if running {
				fmt.Fprintf(c.Stdout, "%s is running: the new limits apply at its next start (cbsd jrestart %s)\n", name, name)
			}
			return nil
		},
	}
}
