package cli

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/cbsdgo/cbsd/internal/env"
	"github.com/cbsdgo/cbsd/internal/errdefs"
	"github.com/cbsdgo/cbsd/internal/inventory"
	"github.com/cbsdgo/cbsd/internal/service"
)

// DefaultJlsDisplay are jls's default columns (CBSD code order).
const DefaultJlsDisplay = "jname,jid,ip4_addr,host_hostname,path,status"

func jlsCmd() *Command {
	return &Command{
		Name: "jls", Desc: "List jails with their live status",
		Opt: []string{"display", "header", "order", "alljails", "shownode", "node"},
		Usage: `  cbsd jls                              # JNAME JID IP4_ADDR HOST_HOSTNAME PATH STATUS
  cbsd jls display=jname,status header=0
  cbsd jls status=on vnet=1             # any column=value filters
  cbsd jls web1 'db*'                   # names and masks
  cbsd jls --json
Status comes from the runtime, not from the inventory alone; unregistered
descriptors in W/jails-rcconf are listed with status Unregister.`,
		Run: runJls,
	}
}

func runJls(ctx context.Context, c *Ctx, a *Args) error {
	s, err := c.Service(ctx)
	if err != nil {
		return err
	}
	cols := strings.Split(a.Value("display", DefaultJlsDisplay), ",")
	for i := range cols {
		cols[i] = strings.TrimSpace(cols[i])
		if !env.IsColumn(cols[i]) {
			return fmt.Errorf("display: unknown column %q: %w", cols[i], errdefs.ErrInvalid)
		}
	}
	f := inventory.Filter{Emulators: []string{"jail"}, Where: map[string]string{}}
	for _, k := range a.Keys {
		switch k {
		case "display", "header", "order", "alljails", "shownode", "node", "workdir", "inter":
			continue
		case "status":
			f.Where[k] = env.StatusValue(strings.ToLower(a.KV[k]))
		default:
			if !env.IsColumn(k) {
				return fmt.Errorf("unknown column %q: %w", k, errdefs.ErrInvalid)
			}
			f.Where[k] = a.KV[k]
		}
	}
	f.Columns = append([]string{"jid", "status", "baserw", "data", "emulator"}, cols...)
	status, statusFilter := f.Where["status"]
	delete(f.Where, "status") // status is filtered after reconciliation
	es, err := s.List(ctx, f, len(f.Where) == 0 && !statusFilter)
	if err != nil {
		return err
	}
	var kept []*env.Env
	for _, e := range es {
		if len(a.Pos) > 0 && !matchAny(a.Pos, e.Name()) {
			continue
		}
		if statusFilter && e.Get("status") != status {
			continue
		}
		kept = append(kept, e)
	}
	if a.Value("order", "asc") == "desc" {
		for i, j := 0, len(kept)-1; i < j; i, j = i+1, j-1 {
			kept[i], kept[j] = kept[j], kept[i]
		}
	}
	return printEnvs(c.Stdout, kept, cols, a.Value("header", "1") != "0", a.Flags["json"], jlsValue)
}

func matchAny(words []string, name string) bool {
	for _, w := range words {
		if env.MatchMask(w, name) {
			return true
		}
	}
	return false
}

func jlsValue(e *env.Env, col string, typed bool) any {
	v := e.Get(col)
	switch col {
	case "status":
		return service.StatusText(e)
	case "path":
		if e.Bool("baserw") && e.IsSet("data") {
			v = e.Get("data")
		}
	case "jid":
		if typed {
			n, _ := strconv.Atoi(v)
			return n
		}
	}
	if !typed && v == "" {
		return "-"
	}
	return v
}
