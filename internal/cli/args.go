package cli

import (
	"strings"
)

// Args is a parsed command line (the words after the command name).
type Args struct {
	KV    map[string]string // k=v words (quotes stripped)
	Keys  []string          // k=v keys in command-line order
	Pos   []string          // words without '='
	Flags map[string]bool   // --flag words
	Words []string          // the words as given
}

func isKey(k string) bool {
	if k == "" {
		return false
	}
	for i, c := range k {
		if c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (i > 0 && c >= '0' && c <= '9') {
			continue
		}
		return false
	}
	return true
}

// Parse splits words by CBSD's rules: every word whose text before the
// first '=' is a name is a k=v pair; surrounding double or single quotes
// are stripped from values, and a value whose opening quote closes in a
// later word is re-joined with spaces. Other words are positional; words
// starting with "--" are flags.
func Parse(words []string) *Args {
	a := &Args{KV: map[string]string{}, Flags: map[string]bool{}, Words: words}
	for i := 0; i < len(words); i++ {
		w := words[i]
		if strings.HasPrefix(w, "--") && len(w) > 2 && !strings.Contains(w, "=") {
			a.Flags[w[2:]] = true
			continue
		}
		eq := strings.IndexByte(w, '=')
		if eq <= 0 || !isKey(w[:eq]) {
			a.Pos = append(a.Pos, w)
			continue
		}
		k, v := w[:eq], w[eq+1:]
		if q := quoteOf(v); q != 0 && !(len(v) >= 2 && v[len(v)-1] == q) {
			// a="x y" split into several words: join until the closing quote.
			j := i + 1
			for ; j < len(words); j++ {
				v += " " + words[j]
				if strings.HasSuffix(words[j], string(q)) {
					break
				}
			}
			i = j
		}
		v = unquote(v)
		if _, seen := a.KV[k]; !seen {
			a.Keys = append(a.Keys, k)
		}
		a.KV[k] = v
	}
	return a
}

func quoteOf(v string) byte {
	if v != "" && (v[0] == '"' || v[0] == '\'') {
		return v[0]
	}
	return 0
}

func unquote(v string) string {
	if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
		return v[1 : len(v)-1]
	}
	if q := quoteOf(v); q != 0 {
		return v[1:]
	}
	return v
}

// Value returns a k=v value or def.
func (a *Args) Value(k, def string) string {
	if v, ok := a.KV[k]; ok {
		return v
	}
	return def
}

// Name returns jname=, or else the first positional word ("" when neither).
func (a *Args) Name() string {
	if n := a.KV["jname"]; n != "" {
		return n
	}
	if len(a.Pos) > 0 {
		return a.Pos[0]
	}
	return ""
}
