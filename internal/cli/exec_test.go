package cli

import (
	"reflect"
	"testing"
)

func TestSplitExec(t *testing.T) {
	tests := []struct {
		name  string
		words []string
		kv    map[string]string
		argv  []string
	}{
		{
			name:  "options then command",
			words: []string{"jname=web1", "user=nobody", "dir=/tmp", "id", "-u"},
			kv:    map[string]string{"jname": "web1", "user": "nobody", "dir": "/tmp"},
			argv:  []string{"id", "-u"},
		},
		{
			name:  "later k=v stays in argv",
			words: []string{"jname=web1", "env", "FOO=bar", "user=x", "printenv"},
			kv:    map[string]string{"jname": "web1"},
			argv:  []string{"env", "FOO=bar", "user=x", "printenv"},
		},
		{
			name:  "unknown leading k=v starts the command",
			words: []string{"jname=web1", "FOO=bar", "env"},
			kv:    map[string]string{"jname": "web1"},
			argv:  []string{"FOO=bar", "env"},
		},
		{
			name:  "cmd option",
			words: []string{"jname=web1", "cmd=ls -l / | wc -l"},
			kv:    map[string]string{"jname": "web1", "cmd": "ls -l / | wc -l"},
			argv:  []string{},
		},
		{
			name:  "quiet inter workdir are options",
			words: []string{"quiet=1", "inter=0", "workdir=/w", "jname=a", "sh", "-c", "echo a=b"},
			kv:    map[string]string{"quiet": "1", "inter": "0", "workdir": "/w", "jname": "a"},
			argv:  []string{"sh", "-c", "echo a=b"},
		},
		{
			name:  "no options",
			words: []string{"cat", "/etc/os-release"},
			kv:    map[string]string{},
			argv:  []string{"cat", "/etc/os-release"},
		},
		{
			name:  "command word with leading =",
			words: []string{"jname=a", "=x"},
			kv:    map[string]string{"jname": "a"},
			argv:  []string{"=x"},
		},
		{
			name:  "nothing",
			words: []string{},
			kv:    map[string]string{},
			argv:  []string{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, argv := splitExec(tt.words)
			if !reflect.DeepEqual(a.KV, tt.kv) {
				t.Errorf("KV = %q, want %q", a.KV, tt.kv)
			}
			if len(a.Pos) != 0 {
				t.Errorf("Pos = %q, want none", a.Pos)
			}
			if len(argv) != len(tt.argv) || (len(argv) > 0 && !reflect.DeepEqual(argv, tt.argv)) {
				t.Errorf("argv = %q, want %q", argv, tt.argv)
			}
		})
	}
}
