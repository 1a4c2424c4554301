package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/cbsdgo/cbsd/internal/env"
)

// table prints rows aligned in columns (as CBSD pipes through column -t).
func table(w io.Writer, header []string, rows [][]string, showHeader bool) {
	all := rows
	if showHeader {
		all = append([][]string{header}, rows...)
	}
	width := make([]int, len(header))
	for _, r := range all {
		for i, c := range r {
			if len(c) > width[i] {
				width[i] = len(c)
			}
		}
	}
	var b strings.Builder
	for _, r := range all {
		for i, c := range r {
			b.WriteString(c)
			if i < len(r)-1 {
				b.WriteString(strings.Repeat(" ", width[i]-len(c)+2))
			}
		}
		b.WriteByte('\n')
	}
	io.WriteString(w, b.String())
}

// printEnvs prints environments as a table of cols (upper-case header
// unless header is false) or, with asJSON, as a JSON array of objects;
// val renders one cell (typed values for JSON).
func printEnvs(w io.Writer, es []*env.Env, cols []string, header, asJSON bool, val func(e *env.Env, col string, typed bool) any) error {
	if asJSON {
		out := make([]map[string]any, 0, len(es))
		for _, e := range es {
			m := map[string]any{}
			for _, col := range cols {
				m[col] = val(e, col, true)
			}
			out = append(out, m)
		}
		return writeJSON(w, out)
	}
	head := make([]string, len(cols))
	for i, col := range cols {
		head[i] = strings.ToUpper(col)
	}
	rows := make([][]string, 0, len(es))
	for _, e := range es {
		r := make([]string, len(cols))
		for i, col := range cols {
			r[i] = fmt.Sprint(val(e, col, false))
		}
		rows = append(rows, r)
	}
	table(w, head, rows, header)
	return nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
