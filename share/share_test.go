package share

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestInstall(t *testing.T) {
	dir := t.TempDir()
	if err := Install(dir); err != nil {
		t.Fatal(err)
	}
	rc := filepath.Join(dir, "rc.d/cbsdd")
	st, err := os.Stat(rc)
	if err != nil || st.Mode().Perm()&0o111 == 0 {
		t.Fatalf("rc.d/cbsdd: %v %v", st, err)
	}
	if out, err := exec.Command("sh", "-n", rc).CombinedOutput(); err != nil {
		t.Fatalf("sh -n rc.d/cbsdd: %v %s", err, out)
	}
	b, _ := os.ReadFile(rc)
	for _, want := range []string{"rcvar=cbsdd_enable", `"${cbsd_command}" astart`, `"${cbsd_command}" astop`, "KEYWORD: shutdown"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("rc.d/cbsdd lacks %q", want)
		}
	}
	if string(RCScript()) != string(b) {
		t.Error("RCScript differs from the installed script")
	}
	unit, _ := os.ReadFile(filepath.Join(dir, "systemd/cbsd.service"))
	for _, want := range []string{"ExecStart=/usr/local/bin/cbsd astart", "ExecStop=/usr/local/bin/cbsd astop", "WantedBy=multi-user.target"} {
		if !strings.Contains(string(unit), want) {
			t.Errorf("cbsd.service lacks %q", want)
		}
	}
	for _, p := range []string{"examples/env_start/nfsv4/env_start_nfs.sh", "examples/env_start/lib.sh"} {
		if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
			t.Error(err)
		}
	}
}
