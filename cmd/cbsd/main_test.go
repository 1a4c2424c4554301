package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"cbsd": func() { os.Exit(run()) },
	})
}

// TestScript runs the CLI scripts in testdata/script against the real
// binary and a fresh workdir each.
func TestScript(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		Setup: func(e *testscript.Env) error {
			w := filepath.Join(e.WorkDir, "w")
			e.Setenv("workdir", w)
			e.Setenv("W", w)
			e.Setenv("CBSD_RCCONF", filepath.Join(e.WorkDir, "rc.conf"))
			e.Setenv("NOINTER", "1")
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			// httpserve DIR: serve DIR on 127.0.0.1 and set $URL.
			"httpserve": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) != 1 {
					ts.Fatalf("usage: httpserve DIR")
				}
				srv := httptest.NewServer(http.FileServer(http.Dir(ts.MkAbs(args[0]))))
				ts.Setenv("URL", srv.URL)
				ts.Defer(srv.Close)
			},
		},
		Condition: func(cond string) (bool, error) {
			switch cond {
			case "busybox":
				_, err := os.Stat("/bin/busybox")
				return err == nil, nil
			}
			return false, nil
		},
	})
}
