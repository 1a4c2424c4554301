package inventory

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/cbsdgo/cbsd/internal/env"
	"github.com/cbsdgo/cbsd/internal/errdefs"
)

func newDB(t *testing.T) (*SQLite, string) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "inv.test.sqlite")
	s, err := Create(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, p
}

func mkEnv(name string, kv ...string) *env.Env {
	e := env.New(name)
	for i := 0; i+1 < len(kv); i += 2 {
		e.Set(kv[i], kv[i+1])
	}
	return e
}

func names(es []*env.Env) []string {
	out := []string{}
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}

func TestInsertGet(t *testing.T) {
	ctx := context.Background()
	s, _ := newDB(t)
	e := mkEnv("web1", "path", "/w/jails/web1", "ip4_addr", "10.0.0.2/24", "astart", "1",
		"exec_start", `sh -c "echo 'it''s' $HOME"`, "emulator", "jail", "stop_timeout", "33")
	if err := s.Insert(ctx, e); err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(ctx, "web1")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range env.Columns {
		if got.Get(c.Name) != e.Get(c.Name) {
			t.Errorf("%s = %q, want %q", c.Name, got.Get(c.Name), e.Get(c.Name))
		}
	}
	if got.Int("stop_timeout") != 33 || !got.Bool("astart") {
		t.Errorf("stop_timeout %d astart %v", got.Int("stop_timeout"), got.Bool("astart"))
	}
}

func TestInsertDefaults(t *testing.T) {
	ctx := context.Background()
	s, _ := newDB(t)
	// An Env with only jname: the schema defaults fill the other columns.
	if err := s.Insert(ctx, env.FromRow(map[string]string{"jname": "bare"})); err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(ctx, "bare")
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{"emulator": "jail", "stop_timeout": "10", "allow_sysvipc": "new", "path": "0"} {
		if got.Get(k) != v {
			t.Errorf("%s = %q, want default %q", k, got.Get(k), v)
		}
	}
}

func TestInsertErrors(t *testing.T) {
	ctx := context.Background()
	s, _ := newDB(t)
	if err := s.Insert(ctx, mkEnv("web1")); err != nil {
		t.Fatal(err)
	}
	if err := s.Insert(ctx, mkEnv("web1", "path", "/other")); !errors.Is(err, errdefs.ErrExists) {
		t.Errorf("duplicate Insert = %v, want ErrExists", err)
	}
	got, _ := s.Get(ctx, "web1")
	if got.Get("path") != "0" {
		t.Errorf("duplicate Insert changed the row: path = %q", got.Get("path"))
	}
	for _, bad := range []string{"", "../x", "a b"} {
		if err := s.Insert(ctx, mkEnv(bad)); !errors.Is(err, errdefs.ErrInvalid) {
			t.Errorf("Insert(%q) = %v, want ErrInvalid", bad, err)
		}
	}
}

func TestGetMissing(t *testing.T) {
	s, _ := newDB(t)
	_, err := s.Get(context.Background(), "nope")
	if !errors.Is(err, errdefs.ErrNotFound) || !IsNotFound(err) {
		t.Errorf("Get(missing) = %v, want ErrNotFound", err)
	}
}

func TestList(t *testing.T) {
	ctx := context.Background()
	s, _ := newDB(t)
	for _, e := range []*env.Env{
		mkEnv("web2", "astart", "1"),
		mkEnv("web1", "astart", "1", "ip4_addr", "10.0.0.2"),
		mkEnv("w_b"),
		mkEnv("wxb", "emulator", "bhyve"),
		mkEnv("Wz", "astart", "1"),
		mkEnv("db1", "emulator", "bhyve", "astart", "1"),
	} {
		if err := s.Insert(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name string
		f    Filter
		want []string
	}{
		{"all", Filter{}, []string{"Wz", "db1", "w_b", "web1", "web2", "wxb"}},
		{"star", Filter{Mask: "*"}, []string{"Wz", "db1", "w_b", "web1", "web2", "wxb"}},
		{"w*", Filter{Mask: "w*"}, []string{"w_b", "web1", "web2", "wxb"}},
		{"W*", Filter{Mask: "W*"}, []string{"Wz"}},
		{"w_* is literal", Filter{Mask: "w_*"}, []string{"w_b"}},
		{"*b*", Filter{Mask: "*b*"}, []string{"db1", "w_b", "web1", "web2", "wxb"}},
		{"exact", Filter{Mask: "web1"}, []string{"web1"}},
		{"no match", Filter{Mask: "zz*"}, []string{}},
		{"emulator", Filter{Emulators: []string{"bhyve"}}, []string{"db1", "wxb"}},
		{"emulators", Filter{Emulators: []string{"jail", "bhyve"}}, []string{"Wz", "db1", "w_b", "web1", "web2", "wxb"}},
		{"where", Filter{Where: map[string]string{"astart": "1"}}, []string{"Wz", "db1", "web1", "web2"}},
		{"where two", Filter{Where: map[string]string{"astart": "1", "emulator": "jail"}}, []string{"Wz", "web1", "web2"}},
		{"all filters", Filter{Mask: "w*", Emulators: []string{"jail"}, Where: map[string]string{"astart": "1"}}, []string{"web1", "web2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			es, err := s.List(ctx, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			if got := names(es); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("List = %q, want %q", got, tt.want)
			}
		})
	}

	_, err := s.List(ctx, Filter{Where: map[string]string{"nosuch": "1"}})
	if !errors.Is(err, errdefs.ErrInvalid) {
		t.Errorf("List(Where nosuch) = %v, want ErrInvalid", err)
	}
}

func TestListColumns(t *testing.T) {
	ctx := context.Background()
	s, _ := newDB(t)
	if err := s.Insert(ctx, mkEnv("web1", "ip4_addr", "10.0.0.2", "path", "/p")); err != nil {
		t.Fatal(err)
	}
	es, err := s.List(ctx, Filter{Columns: []string{"ip4_addr", "jname", "nosuch"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 1 {
		t.Fatalf("List = %d rows", len(es))
	}
	if got := es[0].Keys(); !reflect.DeepEqual(got, []string{"ip4_addr", "jname"}) {
		t.Errorf("keys = %q, want [ip4_addr jname]", got)
	}
	if es[0].Get("ip4_addr") != "10.0.0.2" || es[0].Name() != "web1" {
		t.Errorf("row = %v", es[0].Map())
	}
}

func TestUpdate(t *testing.T) {
	ctx := context.Background()
	s, _ := newDB(t)
	if err := s.Insert(ctx, mkEnv("web1", "status", "0", "path", "/p")); err != nil {
		t.Fatal(err)
	}
	err := s.Update(ctx, "web1", func(e *env.Env) error {
		if e.Get("path") != "/p" {
			t.Errorf("fn sees path %q", e.Get("path"))
		}
		e.Set("status", "1")
		e.Set("jid", "42")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := s.Get(ctx, "web1")
	if got.Status() != 1 || got.Int("jid") != 42 || got.Get("path") != "/p" {
		t.Errorf("after Update: status %d jid %d path %q", got.Status(), got.Int("jid"), got.Get("path"))
	}

	// An error from fn leaves the row unchanged.
	boom := errors.New("boom")
	err = s.Update(ctx, "web1", func(e *env.Env) error {
		e.Set("status", "3")
		return boom
	})
	if !errors.Is(err, boom) {
		t.Errorf("Update = %v, want boom", err)
	}
	got, _ = s.Get(ctx, "web1")
	if got.Status() != 1 {
		t.Errorf("failed Update changed status to %d", got.Status())
	}

	called := false
	err = s.Update(ctx, "nope", func(*env.Env) error { called = true; return nil })
	if !errors.Is(err, errdefs.ErrNotFound) || called {
		t.Errorf("Update(missing) = %v (fn called %v), want ErrNotFound", err, called)
	}
}

func TestSet(t *testing.T) {
	ctx := context.Background()
	s, _ := newDB(t)
	if err := s.Insert(ctx, mkEnv("web1", "status", "0", "path", "/p", "jid", "0")); err != nil {
		t.Fatal(err)
	}
	if err := s.Set(ctx, "web1", map[string]string{"status": "1", "jid": "42"}); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Get(ctx, "web1")
	if got.Status() != 1 || got.Int("jid") != 42 || got.Get("path") != "/p" {
		t.Errorf("after Set: status %d jid %d path %q", got.Status(), got.Int("jid"), got.Get("path"))
	}
	if err := s.Set(ctx, "nope", map[string]string{"status": "1"}); !errors.Is(err, errdefs.ErrNotFound) {
		t.Errorf("Set(missing) = %v, want ErrNotFound", err)
	}
	if err := s.Set(ctx, "web1", map[string]string{"status = 1; --": "x"}); !errors.Is(err, errdefs.ErrInvalid) {
		t.Errorf("Set(bad column) = %v, want ErrInvalid", err)
	}
	if got, _ := s.Get(ctx, "web1"); got.Status() != 1 {
		t.Errorf("a refused Set changed status to %d", got.Status())
	}
}

func TestDelete(t *testing.T) {
	ctx := context.Background()
	s, _ := newDB(t)
	for _, n := range []string{"a", "b"} {
		if err := s.Insert(ctx, mkEnv(n)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Delete(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, "a"); !errors.Is(err, errdefs.ErrNotFound) {
		t.Errorf("Get after Delete = %v", err)
	}
	if _, err := s.Get(ctx, "b"); err != nil {
		t.Errorf("Delete removed another row: %v", err)
	}
	if err := s.Delete(ctx, "a"); !errors.Is(err, errdefs.ErrNotFound) {
		t.Errorf("second Delete = %v, want ErrNotFound", err)
	}
	// The name is free again.
	if err := s.Insert(ctx, mkEnv("a")); err != nil {
		t.Errorf("Insert after Delete: %v", err)
	}
}

func TestLocal(t *testing.T) {
	ctx := context.Background()
	s, _ := newDB(t)
	m, err := s.Local(ctx)
	if err != nil || len(m) != 0 {
		t.Fatalf("Local on a new db = %v, %v; want empty", m, err)
	}
	if err := s.SetLocal(ctx, map[string]string{"nodename": "n1", "nodeippool": "10.0.0.0/24", "unknown": "x"}); err != nil {
		t.Fatal(err)
	}
	m, err = s.Local(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if m["nodename"] != "n1" || m["nodeippool"] != "10.0.0.0/24" {
		t.Errorf("Local = %v", m)
	}
	if _, ok := m["unknown"]; ok {
		t.Error("unknown key stored")
	}
	if m["oci_runtime"] != "auto" || m["bridge"] != "cbsdbr0" || m["parallel"] != "5" {
		t.Errorf("defaults: oci_runtime %q bridge %q parallel %q", m["oci_runtime"], m["bridge"], m["parallel"])
	}
	if _, ok := m["natip"]; ok {
		t.Errorf("null column natip returned as %q", m["natip"])
	}

	// SetLocal replaces the row: keys not given fall back to defaults.
	if err := s.SetLocal(ctx, map[string]string{"nodename": "n2"}); err != nil {
		t.Fatal(err)
	}
	m, _ = s.Local(ctx)
	if m["nodename"] != "n2" {
		t.Errorf("nodename = %q", m["nodename"])
	}
	if _, ok := m["nodeippool"]; ok {
		t.Errorf("nodeippool survived the replacement: %q", m["nodeippool"])
	}
	var n int
	if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM local").Scan(&n); err != nil || n != 1 {
		t.Errorf("local has %d rows (%v), want 1", n, err)
	}
}

func TestCreateIdempotentAndOpen(t *testing.T) {
	ctx := context.Background()
	s, p := newDB(t)
	if err := s.Insert(ctx, mkEnv("web1", "path", "/p")); err != nil {
		t.Fatal(err)
	}
	if err := s.SetLocal(ctx, map[string]string{"nodename": "n1"}); err != nil {
		t.Fatal(err)
	}
	s.Close()

	s2, err := Create(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s2.Get(ctx, "web1")
	if err != nil || got.Get("path") != "/p" {
		t.Errorf("after second Create: %v, path %q", err, got.Get("path"))
	}
	m, _ := s2.Local(ctx)
	if m["nodename"] != "n1" {
		t.Errorf("after second Create: nodename %q", m["nodename"])
	}
	if cols, err := s2.jailCols(ctx); err != nil || len(cols) != len(env.Columns) {
		t.Errorf("%d columns after second Create (%v), want %d", len(cols), err, len(env.Columns))
	}
	s2.Close()

	s3, err := Open(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	defer s3.Close()
	if _, err := s3.Get(ctx, "web1"); err != nil {
		t.Errorf("Get via Open: %v", err)
	}
}

func TestCreateAddsMissingColumns(t *testing.T) {
	ctx := context.Background()
	s, p := newDB(t)
	if _, err := s.db.ExecContext(ctx, "ALTER TABLE jails DROP COLUMN jnameserver"); err != nil {
		t.Skipf("cannot drop a column: %v", err)
	}
	if _, err := s.db.ExecContext(ctx, "INSERT INTO jails (jname) VALUES ('old')"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s2, err := Create(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	got, err := s2.Get(ctx, "old")
	if err != nil {
		t.Fatal(err)
	}
	if !got.Has("jnameserver") || got.Get("jnameserver") != "0" {
		t.Errorf("jnameserver after upgrade = %q (present %v)", got.Get("jnameserver"), got.Has("jnameserver"))
	}
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if _, err := Open(ctx, filepath.Join(dir, "missing.sqlite")); !errors.Is(err, errdefs.ErrNotFound) {
		t.Errorf("Open(missing) = %v, want ErrNotFound", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "missing.sqlite")); err == nil {
		t.Error("Open created the missing file")
	}
	empty := filepath.Join(dir, "empty.sqlite")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	// An inventory without tables (never initialised) fails on first use,
	// pointing at initenv.
	s, err := Open(ctx, empty)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Get(ctx, "web1"); !errors.Is(err, errdefs.ErrNotFound) || !strings.Contains(err.Error(), "run cbsd initenv") {
		t.Errorf("Get on an empty inventory = %v, want ErrNotFound naming initenv", err)
	}
	if _, err := s.List(ctx, Filter{}); err == nil || !strings.Contains(err.Error(), "run cbsd initenv") {
		t.Errorf("List on an empty inventory = %v, want an error naming initenv", err)
	}
}
