package service

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cbsdgo/cbsd/internal/errdefs"
	"github.com/cbsdgo/cbsd/internal/inventory"
	"github.com/cbsdgo/cbsd/internal/runtime"
	"github.com/cbsdgo/cbsd/internal/sys"
	"github.com/cbsdgo/cbsd/internal/workdir"
)

// fakeDriver records starts and stops instead of running anything.
type fakeDriver struct {
	running map[string]int
	failOn  string
	specs   map[string]*runtime.Spec
	onPid   map[string]int // pid passed to Spec.OnPid before the start ends
}

func (f *fakeDriver) Name() string { return "fake" }
func (f *fakeDriver) Start(_ context.Context, s *runtime.Spec) (runtime.State, error) {
	if pid, ok := f.onPid[s.Name]; ok && s.OnPid != nil {
		s.OnPid(pid)
	}
	if s.Name == f.failOn {
		return runtime.State{}, errors.New("boom")
	}
	f.running[s.Name] = 4242
	f.specs[s.Name] = s
	return runtime.State{Running: true, Pid: 4242}, nil
}
func (f *fakeDriver) Stop(_ context.Context, name, _ string, _ runtime.StopOptions) error {
	if _, ok := f.running[name]; !ok {
		return errdefs.ErrNotRunning
	}
	delete(f.running, name)
	return nil
}
func (f *fakeDriver) State(_ context.Context, name, _ string) (runtime.State, error) {
	pid, ok := f.running[name]
	return runtime.State{Running: ok, Pid: pid}, nil
}
func (f *fakeDriver) Exec(context.Context, string, string, runtime.Process) (int, error) {
	return 0, nil
}
func (f *fakeDriver) Cleanup(context.Context, string, string) error { return nil }

func newService(t *testing.T) (*Service, *fakeDriver) {
	t.Helper()
	l := workdir.Layout{W: t.TempDir()}
	if err := l.Create(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	st, err := inventory.Create(ctx, l.DB())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	node := map[string]string{"nodename": "n1", "nodeippool": "10.99.0.0/29"}
	if err := st.SetLocal(ctx, node); err != nil {
		t.Fatal(err)
	}
	d := &fakeDriver{running: map[string]int{}, specs: map[string]*runtime.Spec{}}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	return &Service{L: l, Store: st, Driver: d, Run: sys.NewRunner(log), Log: log, Out: io.Discard, Node: node}, d
}

func TestComposePrecedence(t *testing.T) {
	s, _ := newService(t)
	jconf := filepath.Join(t.TempDir(), "j.jconf")
	os.WriteFile(jconf, []byte("jname=\"fromfile\"\nhost_hostname=\"file.example\"\nastart=\"0\"\nver=\"empty\"\n"), 0o644)
	e, _, err := s.Compose(CreateRequest{Args: map[string]string{"astart": "1"}, Jconf: jconf})
	if err != nil {
		t.Fatal(err)
	}
	if e.Name() != "fromfile" || e.Get("host_hostname") != "file.example" || e.Get("astart") != "1" {
		t.Fatalf("compose: jname=%s host=%s astart=%s", e.Name(), e.Get("host_hostname"), e.Get("astart"))
	}
	// Profile defaults fill what neither gives, with ${jname} expanded.
	if e.Get("data") != s.L.DataDir("fromfile") || e.Get("exec_start") != "/bin/sh /etc/rc" {
		t.Fatalf("defaults: data=%s exec_start=%s", e.Get("data"), e.Get("exec_start"))
	}
}

func TestCreateAllocatesAndRegisters(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	var ips []string
	for _, n := range []string{"a", "b", "c"} {
		e, err := s.Create(ctx, CreateRequest{Args: map[string]string{"jname": n, "ver": "empty", "ip4_addr": "DHCP"}})
		if err != nil {
			t.Fatal(err)
		}
		ips = append(ips, e.Get("ip4_addr"))
		if _, err := os.Stat(s.L.SysRcconf(n)); err != nil {
			t.Fatalf("descriptor of %s: %v", n, err)
		}
		if _, err := os.Stat(s.L.Rcconf(n)); err == nil {
			t.Fatalf("%s left in jails-rcconf", n)
		}
	}
	if strings.Join(ips, " ") != "10.99.0.2/29 10.99.0.3/29 10.99.0.4/29" {
		t.Fatalf("allocated %v", ips)
	}
	if _, err := s.Create(ctx, CreateRequest{Args: map[string]string{"jname": "a", "ver": "empty"}}); !errors.Is(err, errdefs.ErrExists) {
		t.Fatalf("duplicate create: %v", err)
	}
	// The /29 has .2-.6: two more fit, then the pool is exhausted and the
	// failed create leaves nothing.
	for _, n := range []string{"d", "e"} {
		if _, err := s.Create(ctx, CreateRequest{Args: map[string]string{"jname": n, "ver": "empty", "ip4_addr": "DHCP"}}); err != nil {
			t.Fatal(err)
		}
	}
	_, err := s.Create(ctx, CreateRequest{Args: map[string]string{"jname": "f", "ver": "empty", "ip4_addr": "DHCP"}})
	if !errors.Is(err, errdefs.ErrBusy) {
		t.Fatalf("exhausted pool: %v", err)
	}
	for _, p := range []string{s.L.SysDir("f"), s.L.DataDir("f"), s.L.FstabDir("f")} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%s left behind", p)
		}
	}
}

func TestStartStopStateMachine(t *testing.T) {
	s, d := newService(t)
	ctx := context.Background()
	if _, err := s.Create(ctx, CreateRequest{Args: map[string]string{"jname": "j", "ver": "empty", "ip4_addr": "10.99.0.5", "vnet": "0"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Stop(ctx, "j"); !errors.Is(err, errdefs.ErrNotRunning) {
		t.Fatalf("stop of stopped: %v", err)
	}
	if _, err := s.Start(ctx, "j"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Start(ctx, "j"); !errors.Is(err, errdefs.ErrRunning) {
		t.Fatalf("second start: %v", err)
	}
	e, _ := s.Get(ctx, "j")
	if e.Get("jid") != "4242" || e.Get("status") != "1" {
		t.Fatalf("after start jid=%s status=%s", e.Get("jid"), e.Get("status"))
	}
	sp := d.specs["j"]
	if sp.Root != s.L.DataDir("j") || sp.StopTimeout != 10*time.Second || sp.Net != nil {
		t.Fatalf("spec: %+v", sp)
	}
	// Killed behind our back: List reconciles and fixes the row.
	delete(d.running, "j")
	es, err := s.List(ctx, inventory.Filter{}, true)
	if err != nil || len(es) != 1 || StatusText(es[0]) != "Off" {
		t.Fatalf("list: %v %v", es, err)
	}
	if e, _ := s.Get(ctx, "j"); e.Get("status") != "0" || e.Get("jid") != "0" {
		t.Fatalf("row not fixed: status=%s jid=%s", e.Get("status"), e.Get("jid"))
	}
	if _, err := s.Start(ctx, "missing"); !errors.Is(err, errdefs.ErrNotFound) || !strings.Contains(err.Error(), "No such jail") {
		t.Fatalf("start missing: %v", err)
	}
	d.failOn = "j"
	if _, err := s.Start(ctx, "j"); err == nil || !strings.Contains(err.Error(), "start failed") {
		t.Fatalf("failed start: %v", err)
	}
	if e, _ := s.Get(ctx, "j"); e.Get("status") != "0" {
		t.Fatal("failed start marked the jail On")
	}
}

func TestRemoveAndNames(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	for _, n := range []string{"web1", "web2", "db1"} {
		if _, err := s.Create(ctx, CreateRequest{Args: map[string]string{"jname": n, "ver": "empty", "ip4_addr": "0"}}); err != nil {
			t.Fatal(err)
		}
	}
	names, err := s.Names(ctx, "jail", []string{"web*", "db1", "nomatch*"})
	if err != nil || strings.Join(names, ",") != "web1,web2,db1,nomatch*" {
		t.Fatalf("Names = %v %v", names, err)
	}
	if _, err := s.Set(ctx, "db1", map[string]string{"protected": "1"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Remove(ctx, "db1"); !errors.Is(err, errdefs.ErrProtected) {
		t.Fatalf("remove protected: %v", err)
	}
	if err := s.Remove(ctx, "web1"); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{s.L.SysDir("web1"), s.L.DataDir("web1"), s.L.FstabDir("web1")} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%s left", p)
		}
	}
	if _, err := s.Get(ctx, "web1"); !errors.Is(err, errdefs.ErrNotFound) {
		t.Fatalf("row left: %v", err)
	}
	if _, err := s.Set(ctx, "web2", map[string]string{"baserw": "7"}); !errors.Is(err, errdefs.ErrInvalid) {
		t.Fatalf("bad jset accepted: %v", err)
	}
}

// A driver that reports the pid early has the row updated during the
// start; a start that fails after that leaves the row as it was.
func TestStartRecordsPidEarly(t *testing.T) {
	s, d := newService(t)
	ctx := context.Background()
	for _, n := range []string{"early", "late", "fails"} {
		if _, err := s.Create(ctx, CreateRequest{Args: map[string]string{"jname": n, "ver": "empty"}}); err != nil {
			t.Fatal(err)
		}
	}
	d.onPid = map[string]int{"early": 4242, "late": 17, "fails": 4242}
	d.failOn = "fails"
	for _, n := range []string{"early", "late"} {
		if _, err := s.Start(ctx, n); err != nil {
			t.Fatalf("start %s: %v", n, err)
		}
		e, err := s.Store.Get(ctx, n)
		if err != nil {
			t.Fatal(err)
		}
		if e.Get("jid") != "4242" || e.Get("status") != "1" {
			t.Errorf("%s after start: jid %s status %s, want 4242 and 1", n, e.Get("jid"), e.Get("status"))
		}
	}
	if _, err := s.Start(ctx, "fails"); err == nil {
		t.Fatal("start of fails succeeded")
	}
	e, err := s.Store.Get(ctx, "fails")
	if err != nil {
		t.Fatal(err)
	}
	if e.Get("jid") != "0" || e.Get("status") != "0" {
		t.Errorf("after a start that failed once the pid was known: jid %s status %s, want 0 and 0", e.Get("jid"), e.Get("status"))
	}
}
