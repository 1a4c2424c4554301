package cli

import (
	"reflect"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name  string
		words []string
		kv    map[string]string
		keys  []string
		pos   []string
		flags map[string]bool
	}{
		{
			name:  "empty",
			words: nil,
			kv:    map[string]string{}, flags: map[string]bool{},
		},
		{
			name:  "kv anywhere and positional",
			words: []string{"web1", "jname=a", "stop", "ip4_addr=10.0.0.1/24", "x"},
			kv:    map[string]string{"jname": "a", "ip4_addr": "10.0.0.1/24"},
			keys:  []string{"jname", "ip4_addr"},
			pos:   []string{"web1", "stop", "x"},
			flags: map[string]bool{},
		},
		{
			name:  "flags",
			words: []string{"--force", "a=1", "--help", "--", "--x=1"},
			kv:    map[string]string{"a": "1"},
			keys:  []string{"a"},
			pos:   []string{"--", "--x=1"},
			flags: map[string]bool{"force": true, "help": true},
		},
		{
			name:  "quotes stripped",
			words: []string{`a="x"`, `b='y z'`, `c=""`, `d=`, `e=x"y"`},
			kv:    map[string]string{"a": "x", "b": "y z", "c": "", "d": "", "e": `x"y"`},
			keys:  []string{"a", "b", "c", "d", "e"},
			flags: map[string]bool{},
		},
		{
			name:  "quoted value across words",
			words: []string{`a="x`, `y"`, "b=1"},
			kv:    map[string]string{"a": "x y", "b": "1"},
			keys:  []string{"a", "b"},
			flags: map[string]bool{},
		},
		{
			name:  "single quoted across three words",
			words: []string{"p", `cmd='ls`, "-l", `/'`, "q"},
			kv:    map[string]string{"cmd": "ls -l /"},
			keys:  []string{"cmd"},
			pos:   []string{"p", "q"},
			flags: map[string]bool{},
		},
		{
			name:  "unterminated quote takes the rest",
			words: []string{`a="x`, "y", "z"},
			kv:    map[string]string{"a": "x y z"},
			keys:  []string{"a"},
			flags: map[string]bool{},
		},
		{
			name:  "non-identifier keys are positional",
			words: []string{"=x", "1a=2", "a-b=3", "/p=q", "a b=c", "_ok=1", "K9=2"},
			kv:    map[string]string{"_ok": "1", "K9": "2"},
			keys:  []string{"_ok", "K9"},
			pos:   []string{"=x", "1a=2", "a-b=3", "/p=q", "a b=c"},
			flags: map[string]bool{},
		},
		{
			name:  "value keeps later equals signs",
			words: []string{"a=b=c"},
			kv:    map[string]string{"a": "b=c"},
			keys:  []string{"a"},
			flags: map[string]bool{},
		},
		{
			name:  "repeated key keeps the last value",
			words: []string{"a=1", "b=2", "a=3"},
			kv:    map[string]string{"a": "3", "b": "2"},
			keys:  []string{"a", "b"},
			flags: map[string]bool{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := Parse(tt.words)
			if !reflect.DeepEqual(a.KV, tt.kv) {
				t.Errorf("KV = %q, want %q", a.KV, tt.kv)
			}
			if !reflect.DeepEqual(a.Keys, tt.keys) {
				t.Errorf("Keys = %q, want %q", a.Keys, tt.keys)
			}
			if !reflect.DeepEqual(a.Pos, tt.pos) {
				t.Errorf("Pos = %q, want %q", a.Pos, tt.pos)
			}
			if !reflect.DeepEqual(a.Flags, tt.flags) {
				t.Errorf("Flags = %v, want %v", a.Flags, tt.flags)
			}
			if !reflect.DeepEqual(a.Words, tt.words) {
				t.Errorf("Words = %q, want %q", a.Words, tt.words)
			}
		})
	}
}

func TestArgsValue(t *testing.T) {
	a := Parse([]string{"a=1", "e="})
	if v, ok := a.KV["e"]; !ok || v != "" {
		t.Errorf("KV[e] = %q, %v", v, ok)
	}
	if a.Value("a", "d") != "1" || a.Value("e", "d") != "" || a.Value("z", "d") != "d" {
		t.Errorf("Value: %q %q %q", a.Value("a", "d"), a.Value("e", "d"), a.Value("z", "d"))
	}
}

func TestArgsName(t *testing.T) {
	for _, tc := range []struct {
		words []string
		want  string
	}{
		{[]string{"jname=j1", "j2"}, "j1"},
		{[]string{"j2", "inter=0"}, "j2"},
		{[]string{"inter=0"}, ""},
		{nil, ""},
	} {
		if got := Parse(tc.words).Name(); got != tc.want {
			t.Errorf("Parse(%q).Name() = %q, want %q", tc.words, got, tc.want)
		}
	}
}
