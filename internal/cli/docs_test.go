package cli

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite docs/commands.md from the command table")

const (
	commandsDoc = "../../docs/commands.md" // generated from the command table
	jsonDoc     = "../../docs/json.md"     // written by hand, checked against it
	regenerate  = "go test ./internal/cli -run TestCommandsDoc -update"
)

// TestCommandsDoc fails when docs/commands.md no longer matches the
// command table; -update rewrites it.
func TestCommandsDoc(t *testing.T) {
	var b bytes.Buffer
	writeCommandsDoc(&b, commands(), new(App).aliases())
	if *update {
		if err := os.WriteFile(commandsDoc, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	have, err := os.ReadFile(commandsDoc)
	if err != nil {
		t.Fatalf("%v: generate it with: %s", err, regenerate)
	}
	if !bytes.Equal(have, b.Bytes()) {
		t.Errorf("docs/commands.md is out of date with the command table; regenerate it with:\n\t%s", regenerate)
	}
}

// TestJSONDoc checks that docs/json.md has a section for every command
// whose usage shows --json, and none for commands without it.
func TestJSONDoc(t *testing.T) {
	b, err := os.ReadFile(jsonDoc)
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for _, line := range strings.Split(string(b), "\n") {
		if name, ok := strings.CutPrefix(line, "## "); ok {
			documented[strings.Fields(name)[0]] = true
		}
	}
	for _, c := range commands() {
		if hasJSON(c) && !documented[c.Name] {
			t.Errorf("%s takes --json but docs/json.md has no \"## %s\" section", c.Name, c.Name)
		}
		delete(documented, c.Name)
	}
	delete(documented, "Conventions")
	for name := range documented {
		t.Errorf("docs/json.md documents %q, which is not a command with --json in its usage", name)
	}
}

// writeCommandsDoc renders the command reference in Markdown: visible
// commands sorted by name, with their arguments, aliases and usage.
func writeCommandsDoc(w *bytes.Buffer, cmds []*Command, aliases map[string]string) {
	visible := make([]*Command, 0, len(cmds))
	for _, c := range cmds {
		if !c.Hidden {
			visible = append(visible, c)
		}
	}
	sort.Slice(visible, func(i, j int) bool { return visible[i].Name < visible[j].Name })
	aliasesOf := map[string][]string{}
	for alias, target := range aliases {
		aliasesOf[target] = append(aliasesOf[target], alias)
	}
	code := func(words []string, suffix string) string {
		if len(words) == 0 {
			return "none"
		}
		out := make([]string, len(words))
		for i, w := range words {
			out[i] = "`" + w + suffix + "`"
		}
		return strings.Join(out, " ")
	}

	fmt.Fprintf(w, "# cbsd command reference\n\n")
	fmt.Fprintf(w, "<!-- Generated from the command table in internal/cli; do not edit.\n     Regenerate: %s -->\n\n", regenerate)
	fmt.Fprintf(w, "Every command is `cbsd <command> [key=value ...] [name ...]`; `cbsd <command> --help`\n")
	fmt.Fprintf(w, "prints the same reference for one command. Arguments may also be preset\n")
	fmt.Fprintf(w, "in the environment as `H_CBSD_<key>=<value>` (the command line wins). Commands\n")
	fmt.Fprintf(w, "marked JSON print JSON with `--json`; the schemas are in [json.md](json.md).\n")
	fmt.Fprintf(w, "Shell completion: `cbsd completion bash` or `cbsd completion zsh`.\n\n")
	fmt.Fprintf(w, "| Command | Aliases | Description |\n| --- | --- | --- |\n")
	for _, c := range visible {
		as := aliasesOf[c.Name]
		sort.Strings(as)
		al := ""
		if len(as) > 0 {
			al = code(as, "")
		}
		fmt.Fprintf(w, "| [`%s`](#%s) | %s | %s |\n", c.Name, c.Name, al, strings.ReplaceAll(c.Desc, "|", `\|`))
	}
	for _, c := range visible {
		fmt.Fprintf(w, "\n## %s\n\n%s\n\n", c.Name, c.Desc)
		fmt.Fprintf(w, "- Required: %s\n", code(c.Args, "="))
		fmt.Fprintf(w, "- Optional: %s\n", code(c.Opt, "="))
		if c.PosName {
			fmt.Fprintf(w, "- Names: `jname` may be given as positional words (`cbsd %s NAME ...`)\n", c.Name)
		}
		if as := aliasesOf[c.Name]; len(as) > 0 {
			sort.Strings(as)
			fmt.Fprintf(w, "- Aliases: %s\n", code(as, ""))
		}
		if hasJSON(c) {
			fmt.Fprintf(w, "- JSON: `--json`, see [json.md](json.md#%s)\n", c.Name)
		}
		if u := strings.TrimRight(strings.TrimLeft(c.Usage, "\n"), " \t\n"); u != "" {
			fmt.Fprintf(w, "\n```\n%s\n```\n", u)
		}
	}
}
