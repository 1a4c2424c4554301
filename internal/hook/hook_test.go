package hook

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cbsdgo/cbsd/internal/env"
	"github.com/cbsdgo/cbsd/internal/sys"
)

func TestScriptsAndRunHost(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(t.TempDir(), "out")
	write := func(name, body string, mode os.FileMode) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), mode); err != nil {
			t.Fatal(err)
		}
	}
	write("20-second", "#!/bin/sh\necho \"2 $jname $host_hostname $ipv4_first\" >> "+out+"\n", 0o755)
	write("10-first", "#!/bin/sh\necho 1 >> "+out+"\nexit 4\n", 0o755)
	write("notexec", "#!/bin/sh\necho never >> "+out+"\n", 0o644)
	write("placeholder", "", 0o755)
	write(".hidden", "#!/bin/sh\necho never >> "+out+"\n", 0o755)
	os.Mkdir(filepath.Join(dir, "sub.d"), 0o755)

	got := Scripts(dir)
	if len(got) != 2 || filepath.Base(got[0]) != "10-first" || filepath.Base(got[1]) != "20-second" {
		t.Fatalf("Scripts = %v", got)
	}
	e := env.New("j1")
	e.Set("host_hostname", "j1.example")
	e.Set("ip4_addr", "10.0.0.5/24,10.0.0.6")
	res := RunHost(context.Background(), sys.NewRunner(nil), dir, e, os.Stderr)
	if len(res) != 2 || res[0].Err == nil || res[1].Err != nil {
		t.Fatalf("results = %+v", res)
	}
	if err := FirstError(res); err == nil || !strings.Contains(err.Error(), "10-first") {
		t.Fatalf("FirstError = %v", err)
	}
	b, _ := os.ReadFile(out)
	if string(b) != "1\n2 j1 j1.example 10.0.0.5\n" {
		t.Fatalf("hook output = %q", b)
	}
	if Scripts(filepath.Join(dir, "missing")) != nil {
		t.Fatal("missing dir has scripts")
	}
}
