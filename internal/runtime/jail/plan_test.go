package jail

import (
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cbsdgo/cbsd/internal/env"
	"github.com/cbsdgo/cbsd/internal/rctl"
	"github.com/cbsdgo/cbsd/internal/runtime"
	"github.com/cbsdgo/cbsd/internal/runtime/plan"
	"github.com/cbsdgo/cbsd/internal/sys"
)

var update = flag.Bool("update", false, "rewrite the golden files")

const w = "/usr/jails"

func jail(name string, kv map[string]string) *env.Env {
	e := env.New(name)
	defaults := map[string]string{
		"host_hostname": name + ".my.domain", "path": w + "/jails/" + name, "data": w + "/jails-data/" + name + "-data",
		"ver": "14.3", "mount_fstab": "0", "exec_start": "/bin/sh /etc/rc", "exec_stop": "/bin/sh /etc/rc.shutdown",
		"devfs_ruleset": "4", "allow_mount": "1", "allow_nullfs": "1", "allow_devfs": "1", "allow_procfs": "1",
		"allow_reserved_ports": "1", "allow_unprivileged_proc_debug": "1", "exec_timeout": "180",
		"stop_timeout": "900", "mount_fdescfs": "1", "persist": "1", "interface": "0", "ip4_addr": "0",
	}
	for k, v := range defaults {
		e.Set(k, v)
	}
	for k, v := range kv {
		e.Set(k, v)
	}
	return e
}

// render is a golden-file view of a plan: files, then one argv per line.
func render(p *plan.Plan) string {
	var b strings.Builder
	for path, content := range p.Files {
		b.WriteString("== " + path + "\n" + content)
	}
	for _, s := range p.Steps {
		b.WriteString("$ " + strings.Join(s.Do, " "))
		if len(s.Undo) > 0 {
			b.WriteString("    # undo: " + strings.Join(s.Undo, " "))
		}
		for v, d := range s.Find {
			b.WriteString("    # " + v + " = interface described " + d)
		}
		if s.Ignore {
			b.WriteString("    # failure ignored")
		}
		b.WriteString("\n")
	}
	return b.String()
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	file := filepath.Join("testdata", name)
	if *update {
		os.WriteFile(file, []byte(got), 0o644)
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Fatalf("%s differs:\n%s", file, got)
	}
}

// TestPlansGolden pins jail.conf and the ordered jstart/jstop commands.
func TestPlansGolden(t *testing.T) {
	dir := t.TempDir()
	fst := func(name, system, local string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(system), 0o644)
		os.WriteFile(p+".local", []byte(local), 0o644)
		return p
	}
	cases := map[string]*env.Env{
		"baserw0-two-ips": jail("web1", map[string]string{"ver": "13.5", "ip4_addr": "10.0.0.5/24,2001:db8::5", "interface": "em0",
			"mount_fstab": fst("web1", "", "")}),
		"baserw1-vnet-two-nics": jail("net1", map[string]string{"baserw": "1", "vnet": "1", "ip4_addr": "10.0.0.7/24",
			"interface": "bridge0,bridge1", "ci_gw4": "10.0.0.1", "mount_fstab": fst("net1", "", "")}),
		"fstab-local-wins": jail("fs1", map[string]string{"mount_fstab": fst("fs1",
			"/usr/jails/jails-data/fs1-data/etc /etc nullfs rw 0 0\n/srv/shared /mnt nullfs ro 0 0\n",
			"/srv/other /mnt nullfs rw 0 0\ntank/fs1 /data zfs rw 0 0\n")}),
		"fstab-external": jail("ex1", map[string]string{"mount_fstab": fst("ex1", "",
			"/usr/local/bin/ntfs-3g.sh /mnt/win external ro 0 0\n")}),
		"mnt-start": jail("dfs1", map[string]string{"mnt_start": "/root/env_start_nfs.sh", "mnt_stop": "/root/env_stop_nfs.sh",
			"mount_fstab": fst("dfs1", "", ""), "mount_src": "1", "mount_ports": "1"}),
	}
	for name, e := range cases {
		t.Run(name, func(t *testing.T) {
			var limits rctl.Limits
			var baseRel, hostRel int
			ver := e.Get("ver")
			if e.Name() == "web1" {
				limits = rctl.Limits{"memoryuse": "1g", "maxproc": "200"}
				baseRel, hostRel = 1305000, 1403000 // a 13.5 base on a 14.3 host
			}
			paths := Paths{Limits: limits, BaseOSRelDate: baseRel, HostOSRelDate: hostRel, W: w, Base: w + "/basejail/base_amd64_amd64_" + ver, ConfFile: w + "/ftmp/" + e.Name() + ".conf",
				ConsoleLog: w + "/var/log/" + e.Name() + ".log", SrcDir: w + "/src/src_14.3/src"}
			start, err := StartPlan(e, paths)
			if err != nil {
				t.Fatal(err)
			}
			stop, err := StopPlan(e, paths)
			if err != nil {
				t.Fatal(err)
			}
			out := strings.ReplaceAll("## jstart\n"+render(start)+"## jstop\n"+render(&plan.Plan{Steps: stop.Steps}), dir, "FSTABDIR")
			golden(t, name+".golden", out)
		})
	}
}

// recorder is a Runner that records argv and fails on one command.
type recorder struct {
	calls  []string
	failOn string
	out    map[string]string
}

func (r *recorder) Run(_ context.Context, c sys.Cmd) ([]byte, error) {
	line := strings.Join(c.Argv, " ")
	r.calls = append(r.calls, line)
	if r.failOn != "" && strings.HasPrefix(line, r.failOn) {
		return nil, &sys.ExecError{Argv: c.Argv, ExitCode: 1, Err: errors.New("exit status 1")}
	}
	return []byte(r.out[line]), nil
}

// TestDriverStartRunsPlan: the driver runs the plan's argv through the one
// runner, in order, and asks jls for the jid.
func TestDriverStartRunsPlan(t *testing.T) {
	r := &recorder{out: map[string]string{"jls -j web1 jid": "7\n"}}
	e := jail("web1", map[string]string{"ver": "14.3", "arch": "amd64", "mnt_start": "/bin/true"})
	st, err := (&Driver{Run: r}).Start(context.Background(), &runtime.Spec{Settings: e, Workdir: t.TempDir(), Name: "web1"})
	if err != nil || !st.Running || st.Pid != 7 {
		t.Fatalf("start: %+v %v", st, err)
	}
	joined := strings.Join(r.calls, "\n")
	if strings.Contains(joined, "/bin/true") {
		t.Fatal("mnt_start ran inside the driver (the service runs it)")
	}
	if !strings.Contains(joined, "mount_nullfs -o ro ") || !strings.HasSuffix(strings.Split(joined, "\njls")[0], "-c web1") {
		t.Fatalf("calls:\n%s", joined)
	}
}

// TestDriverStopRunsSavedPlan: jstop undoes what jstart did, from the plan
// saved at start (unmounts, aliases, RCTL rules), and removes it.
func TestDriverStopRunsSavedPlan(t *testing.T) {
	r := &recorder{out: map[string]string{"jls -j web1 jid": "7\n"}}
	e := jail("web1", map[string]string{"arch": "amd64", "ip4_addr": "10.0.0.5/24", "interface": "em0"})
	run := t.TempDir()
	d := &Driver{Run: r}
	spec := &runtime.Spec{Settings: e, Workdir: t.TempDir(), Name: "web1", RunDir: run, Limits: rctl.Limits{"maxproc": "9"}}
	if _, err := d.Start(context.Background(), spec); err != nil {
		t.Fatal(err)
	}
	r.calls = nil
	if err := d.Stop(context.Background(), "web1", run, runtime.StopOptions{}); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(r.calls, "\n")
	for _, want := range []string{"jail -f ", "rctl -r jail:web1", "umount -f ", "ifconfig em0 inet 10.0.0.5 -alias"} {
		if !strings.Contains(got, want) {
			t.Errorf("stop lacks %q:\n%s", want, got)
		}
	}
	if _, err := os.Stat(filepath.Join(run, "stop.json")); err == nil {
		t.Error("stop plan kept after stop")
	}
}
