package cli

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/cbsdgo/cbsd/internal/errdefs"
)

func completionCmd() *Command {
	return &Command{
		Name: "completion", Desc: "Print a shell completion script (bash or zsh)", NoInventory: true,
		Usage: `  cbsd completion bash > /etc/bash_completion.d/cbsd
  cbsd completion zsh > /usr/local/share/zsh/site-functions/_cbsd
bash: any directory bash-completion reads will do (also
~/.local/share/bash-completion/completions/cbsd), or source the output from
~/.bashrc. zsh: write it as _cbsd into a directory on $fpath, then start a new
shell (or run: autoload -U compinit && compinit); sourcing it works too.
The scripts are generated from the command table: they complete command names
and aliases, key= arguments, --json and --help, and jname= values (jail names
from cbsd jls, VM names from cbsd bls for commands starting with "b").
Regenerate them after upgrading cbsd.`,
		Run: func(ctx context.Context, c *Ctx, a *Args) error {
			shell := ""
			if len(a.Pos) > 0 {
				shell = a.Pos[0]
			}
			// The table and aliases New builds the App from (aliases reads no App state).
			cs := completionTable(commands(), new(App).aliases())
			switch shell {
			case "bash":
				return writeBashCompletion(c.Stdout, cs)
			case "zsh":
				return writeZshCompletion(c.Stdout, cs)
			case "":
				return fmt.Errorf("give a shell: cbsd completion bash (or zsh): %w", errdefs.ErrInvalid)
			}
			return fmt.Errorf("unknown shell %q: want %s: %w", shell, strings.Join(completionShells(), " or "), errdefs.ErrInvalid)
		},
	}
}

// completionShells are the shells completion writes scripts for.
func completionShells() []string { return []string{"bash", "zsh"} }

// compEntry is what a completion script knows of one command name (a
// command or an alias of one).
type compEntry struct {
	Name    string
	Desc    string
	Keys    []string // key= arguments: mandatory, then optional
	JSON    bool     // the command prints JSON with --json
	PosName bool     // positional words are environment names
}

// completionTable derives the completion entries from the command table:
// visible commands and their aliases, sorted by name.
func completionTable(cmds []*Command, aliases map[string]string) []compEntry {
	byName := map[string]*Command{}
	var out []compEntry
	for _, c := range cmds {
		if c.Hidden {
			continue
		}
		byName[c.Name] = c
		out = append(out, compEntry{Name: c.Name, Desc: c.Desc, Keys: cmdKeys(c), JSON: hasJSON(c), PosName: c.PosName})
	}
	for alias, target := range aliases {
		c, ok := byName[target]
		if !ok {
			continue
		}
		e := compEntry{Name: alias, Desc: "Alias of " + target + ": " + c.Desc, Keys: cmdKeys(c), JSON: hasJSON(c), PosName: c.PosName}
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// cmdKeys are a command's k=v argument names, mandatory first, each once.
func cmdKeys(c *Command) []string {
	seen := map[string]bool{}
	var keys []string
	for _, k := range append(append([]string{}, c.Args...), c.Opt...) {
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	return keys
}

// hasJSON reports whether a command takes --json: an example in its usage
// text (a line starting with "cbsd "), the documentation of record, shows
// the flag.
func hasJSON(c *Command) bool {
	for _, line := range strings.Split(c.Usage, "\n") {
		if line = strings.TrimSpace(line); strings.HasPrefix(line, "cbsd ") && strings.Contains(line, "--json") {
			return true
		}
	}
	return false
}

// shQuote quotes s for a POSIX shell (bash and zsh alike).
func shQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

const bashHead = `# bash completion for cbsd %s, generated from its command table by
# "cbsd completion bash": regenerate it after upgrading cbsd.
# Install: cbsd completion bash > /etc/bash_completion.d/cbsd

# _cbsd_names LISTER [workdir=W]: environment names from "cbsd jls" or
# "cbsd bls"; prints nothing when cbsd fails.
_cbsd_names() {
	local out
	out=$(command cbsd "$@" header=0 display=jname 2>/dev/null) && printf '%%s\n' "$out"
}

_cbsd() {
	local line=${COMP_LINE:0:COMP_POINT}
	local cur=${line##*[[:space:]]}
	local cmd=${COMP_WORDS[1]} keys= flags= pos=0 lister=jls k
	local -a extra=()
	COMPREPLY=()
	if [[ $COMP_CWORD -le 1 ]]; then
		COMPREPLY=($(compgen -W %s -- "$cur"))
		return 0
	fi
	case $cmd in
`

const bashTail = `	*) return 0 ;;
	esac
	[[ $cmd == b* ]] && lister=bls
	if [[ $line =~ [[:space:]]workdir=([^[:space:]]+) ]]; then
		extra=("workdir=${BASH_REMATCH[1]}")
	fi
	if [[ $cur == *=* ]]; then
		# Only jname= values are known; '=' usually splits words for bash.
		[[ ${cur%%=*} == jname ]] || return 0
		local prefix=
		[[ $COMP_WORDBREAKS == *=* ]] || prefix=jname=
		COMPREPLY=($(compgen -P "$prefix" -W "$(_cbsd_names $lister "${extra[@]}")" -- "${cur#*=}"))
		return 0
	fi
	local words=
	for k in $keys; do
		[[ " ${line%[[:space:]]*} " == *[[:space:]]$k=* ]] || words+=" $k="
	done
	[[ $COMP_CWORD -eq 2 ]] && flags+=' --help'
	COMPREPLY=($(compgen -W "$words $flags" -- "$cur"))
	if [[ $pos == 1 && $cur != -* ]]; then
		COMPREPLY+=($(compgen -W "$(_cbsd_names $lister "${extra[@]}")" -- "$cur"))
	fi
	if [[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == *= ]]; then
		compopt -o nospace 2>/dev/null
	fi
	return 0
}

complete -F _cbsd cbsd
`

// writeBashCompletion writes the bash completion script for cs.
func writeBashCompletion(w io.Writer, cs []compEntry) error {
	names := make([]string, len(cs))
	for i, e := range cs {
		names[i] = e.Name
	}
	var b strings.Builder
	fmt.Fprintf(&b, bashHead, Version, shQuote(strings.Join(names, " ")))
	fmt.Fprintf(&b, "\t%s) COMPREPLY=($(compgen -W %s -- \"$cur\")); return 0 ;;\n",
		shQuote("completion"), shQuote(strings.Join(completionShells(), " ")))
	for _, e := range cs {
		if e.Name == "completion" {
			continue // its arm above completes the shell names
		}
		fmt.Fprintf(&b, "\t%s) keys=%s", shQuote(e.Name), shQuote(strings.Join(e.Keys, " ")))
		if e.JSON {
			b.WriteString(" flags=--json")
		}
		if e.PosName {
			b.WriteString(" pos=1")
		}
		b.WriteString(" ;;\n")
	}
	b.WriteString(bashTail)
	_, err := io.WriteString(w, b.String())
	return err
}

const zshHead = `#compdef cbsd
# zsh completion for cbsd %s, generated from its command table by
# "cbsd completion zsh": regenerate it after upgrading cbsd.
# Install: write it as _cbsd into a directory on $fpath, e.g.
#   cbsd completion zsh > /usr/local/share/zsh/site-functions/_cbsd
# and start a new shell (compinit picks it up); or source it.

# _cbsd_names LISTER [workdir=W]: environment names from "cbsd jls" or
# "cbsd bls" into $reply; fails quietly when cbsd does.
_cbsd_names() {
	local out
	out=$(command cbsd "$@" header=0 display=jname 2>/dev/null) || return 1
	reply=(${(f)out})
}

_cbsd() {
	local -a cmds keys flags used reply extra
	local cmd lister=jls pos=0 k
	cmds=(
`

const zshMid = `	)
	if (( CURRENT == 2 )); then
		_describe -t commands 'cbsd command' cmds
		return
	fi
	cmd=$words[2]
	case $cmd in
`

const zshTail = `	(*) return 1 ;;
	esac
	[[ $cmd == b* ]] && lister=bls
	for k in $words[3,CURRENT-1]; do
		[[ $k == workdir=* ]] && extra=($k)
	done
	if compset -P 'jname='; then
		_cbsd_names $lister $extra && compadd -a reply
		return
	fi
	[[ $PREFIX == *=* ]] && return 1
	used=(${${(M)words[3,CURRENT-1]:#*=*}%%=*})
	keys=(${keys:|used})
	(( CURRENT == 3 )) && flags+=(--help)
	compadd -S = -a keys
	compadd -a flags
	if (( pos )) && _cbsd_names $lister $extra; then
		compadd -a reply
	fi
	return 0
}

if [[ $funcstack[1] == _cbsd ]]; then
	_cbsd "$@"
else
	compdef _cbsd cbsd
fi
`

// writeZshCompletion writes the zsh completion script for cs.
func writeZshCompletion(w io.Writer, cs []compEntry) error {
	var b strings.Builder
	fmt.Fprintf(&b, zshHead, Version)
	for _, e := range cs {
		fmt.Fprintf(&b, "\t\t%s\n", shQuote(e.Name+":"+e.Desc))
	}
	b.WriteString(zshMid)
	fmt.Fprintf(&b, "\t(%s) compadd %s; return ;;\n", shQuote("completion"), strings.Join(completionShells(), " "))
	for _, e := range cs {
		if e.Name == "completion" {
			continue // its arm above completes the shell names
		}
		keys := make([]string, len(e.Keys))
		for i, k := range e.Keys {
			keys[i] = shQuote(k)
		}
		fmt.Fprintf(&b, "\t(%s) keys=(%s)", shQuote(e.Name), strings.Join(keys, " "))
		if e.JSON {
			b.WriteString(" flags=(--json)")
		}
		if e.PosName {
			b.WriteString(" pos=1")
		}
		b.WriteString(" ;;\n")
	}
	b.WriteString(zshTail)
	_, err := io.WriteString(w, b.String())
	return err
}
