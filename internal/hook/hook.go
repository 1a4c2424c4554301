// Package hook runs the per-environment hook directories of
// jails-system/<J> (master_prestart.d, master_poststart.d, ...; CBSD spec
// §5.17) and reports what they did. Host hooks get the environment's
// parameters as environment variables. Only tests/ can abort a start: its
// scripts' failures are returned; every other directory's failures are
// logged and ignored.
package hook

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/cbsdgo/cbsd/internal/env"
	"github.com/cbsdgo/cbsd/internal/sys"
)

// Dirs are the hook directories jcreate makes in jails-system/<J>.
var Dirs = []string{
	"clone-local.d", "clone.d", "create.d", "facts.d", "master_create.d",
	"master_poststart.d", "master_poststop.d", "master_prestart.d", "master_prestop.d",
	"remove.d", "rename.d", "start.d", "stop.d", "tests",
}

// Timeout bounds one hook script.
const Timeout = 10 * time.Minute

// Scripts lists the executable files of a hook directory, sorted by name
// (CBSD runs them in find order; sorting makes the order predictable).
func Scripts(dir string) []string {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range ents {
		if e.IsDir() || e.Name() == "placeholder" || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		p := filepath.Join(dir, e.Name())
		st, err := os.Stat(p)
		if err != nil || st.Mode()&0o111 == 0 {
			continue
		}
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// Env is the environment host hooks run with: the system PATH and every
// parameter of e, plus jname and ipv4_first.
func Env(e *env.Env) []string {
	vars := []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "jname=" + e.Name()}
	for _, k := range e.Keys() {
		if k == "jname" {
			continue
		}
		vars = append(vars, k+"="+e.Get(k))
	}
	ip := strings.Split(e.Get("ip4_addr"), ",")[0]
	if i := strings.IndexByte(ip, '/'); i >= 0 {
		ip = ip[:i]
	}
	return append(vars, "ipv4_first="+ip)
}

// Result is the outcome of one script.
type Result struct {
	Script string
	Err    error
}

// RunHost runs every script of dir on the host and returns their results.
func RunHost(ctx context.Context, run *sys.Runner, dir string, e *env.Env, log io.Writer) []Result {
	var res []Result
	for _, s := range Scripts(dir) {
		_, err := run.Run(ctx, sys.Cmd{Argv: []string{s}, Env: Env(e), Dir: filepath.Dir(s), Timeout: Timeout, Stdout: log, Stderr: log})
		res = append(res, Result{Script: s, Err: err})
	}
	return res
}

// FirstError returns the first failed result as an error, or nil.
func FirstError(rs []Result) error {
	for _, r := range rs {
		if r.Err != nil {
			return fmt.Errorf("%s: %w", r.Script, r.Err)
		}
	}
	return nil
}
