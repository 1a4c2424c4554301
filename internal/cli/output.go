package cli

import (
	"encoding/json"
	"io"
	"strings"
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

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
