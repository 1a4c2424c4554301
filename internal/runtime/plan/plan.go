package plan

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cbsdgo/cbsd/internal/sys"
	"github.com/cbsdgo/cbsd/internal/workdir"
)

// Step is one command of a plan with the command that undoes it. Words
// "${NAME}" are replaced by what an earlier step captured (Capture: the
// first word of its output), e.g. the epair ifconfig created.
type Step struct {
	Name    string   `json:"name"`
	Do      []string `json:"do"`
	Undo    []string `json:"undo,omitempty"`
	Capture string   `json:"capture,omitempty"`
	// Find names a variable to look up before the step runs: the interface
	// whose description is the value (epairs are found as CBSD does, by
	// their "<J>-eth<N>" description).
	Find   map[string]string `json:"find,omitempty"`
	Ignore bool              `json:"ignore,omitempty"` // failure does not stop the plan
}

// Plan is an ordered list of steps plus the files to write first.
type Plan struct {
	Files map[string]string `json:"files,omitempty"`
	Steps []Step            `json:"steps"`
}

// Runner runs external commands (sys.CmdRunner).
type Runner = sys.CmdRunner

// Executor runs plans.
type Executor struct {
	Run Runner
	// Find returns the interface whose description is desc (FreeBSD:
	// parsed from ifconfig); nil when the plan has no Find steps.
	Find func(ctx context.Context, desc string) (string, error)
}

// Execute writes the plan's files, runs its steps in order and, when a
// step fails, runs the undo commands of the steps already done in reverse
// order before returning the error.
func (x *Executor) Execute(ctx context.Context, p *Plan) error {
	for path, content := range p.Files {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := workdir.WriteFileAtomic(path, []byte(content), 0o644); err != nil {
			return err
		}
	}
	vars := map[string]string{}
	var done []Step
	unwind := func() {
		for i := len(done) - 1; i >= 0; i-- {
			if u := done[i].Undo; len(u) > 0 {
				x.Run.Run(context.Background(), sys.Cmd{Argv: expand(u, vars), Timeout: time.Minute})
			}
		}
	}
steps:
	for _, s := range p.Steps {
		for v, desc := range s.Find {
			if x.Find == nil {
				return fmt.Errorf("step %s: no interface lookup", s.Name)
			}
			name, err := x.Find(ctx, desc)
			if err != nil {
				if s.Ignore {
					continue steps // nothing to act on
				}
				unwind()
				return fmt.Errorf("step %s: %w", s.Name, err)
			}
			vars[v] = name
		}
		out, err := x.Run.Run(ctx, sys.Cmd{Argv: expand(s.Do, vars), Timeout: 10 * time.Minute})
		if err != nil {
			if s.Ignore {
				continue
			}
			unwind()
			return fmt.Errorf("step %s: %w", s.Name, err)
		}
		if s.Capture != "" {
			f := strings.Fields(string(out))
			if len(f) == 0 {
				unwind()
				return fmt.Errorf("step %s: no output to capture", s.Name)
			}
			vars[s.Capture] = f[0]
			if strings.HasSuffix(f[0], "a") { // epairNa: its other end is epairNb
				vars[s.Capture+"B"] = strings.TrimSuffix(f[0], "a") + "b"
			}
		}
		done = append(done, s)
	}
	return nil
}

func expand(argv []string, vars map[string]string) []string {
	out := make([]string, len(argv))
	for i, a := range argv {
		out[i] = os.Expand(a, func(k string) string {
			if v, ok := vars[k]; ok {
				return v
			}
			return "${" + k + "}"
		})
	}
	return out
}
