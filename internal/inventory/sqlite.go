package inventory

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/cbsdgo/cbsd/internal/env"
	"github.com/cbsdgo/cbsd/internal/errdefs"
	"modernc.org/sqlite" // database/sql driver "sqlite"
)

// SQLite is the Store on CBSD's inventory database.
type SQLite struct {
	db   *sql.DB
	path string

	mu     sync.Mutex
	cols   []string // columns present in the jails table (nil: not read yet)
	vmcols []string // columns of the bhyve table, without jname (nil: not read yet)
}

var _ Store = (*SQLite)(nil)

// LocalColumns are the columns of CBSD's "local" table (node settings).
var LocalColumns = []env.Column{
	col("nodename", "text", "null"), col("hostname", "text", "null"), col("nodeip", "text", "null"),
	col("nodedescr", "text", "null"), col("jnameserver", "text", "null"),
	col("nodeippool", "text", "null"), col("natip", "text", "null"), col("nat_enable", "text", "null"),
	col("fbsdrepo", "boolean", "1"), col("mdtmp", "integer", "0"), col("repo", "text", "null"),
	col("workdir", "text", "null"), col("ipfw_enable", "boolean", "0"), col("fs", "text", "null"),
	col("zfsfeat", "boolean", "0"), col("jail_interface", "text", "null"),
	col("ncpu", "integer", "0"), col("physmem", "integer", "0"), col("memtype", "text", "null"),
	col("disks", "text", "null"), col("cpumodel", "text", "null"), col("cpufreq", "integer", "0"),
	col("kernhz", "integer", "0"), col("sched", "text", "null"), col("eventtimer", "text", "null"),
	col("nics", "text", "null"), col("parallel", "integer", "5"), col("stable", "integer", "0"),
	col("osrelease", "text", "null"), col("hostarch", "text", "null"),
	col("vimage_feature", "boolean", "0"), col("racct", "integer", "0"),
	col("sqlreplica", "integer", "1"), col("domain", "text", "0"), col("platform", "text", "0"),
	col("hammerfeat", "boolean", "0"), col("node_ip4_active", "boolean", "0"),
	col("node_ip6_active", "boolean", "0"), col("la", "text", "0"), col("is_virtual", "text", "0"),
	col("freemem", "integer", "0"), col("statsd_bhyve_enable", "boolean", "0"),
	col("statsd_jail_enable", "boolean", "0"), col("statsd_hoster_enable", "boolean", "0"),
	col("cbsdver", "text", "unknown"), col("nodeip6pool", "text", "null"),
	col("nodeip6", "text", "null"), col("jail_feat", "integer", "1"), col("xen_feat", "integer", "1"),
	col("bhyve_feat", "integer", "1"), col("default_vs", "boolean", "0"),
	// cbsd (Linux) additions
	col("oci_runtime", "text", "auto"), col("bridge", "text", "cbsdbr0"),
	col("owner_stale", "integer", "1800"),
}

func col(name, typ, def string) env.Column {
	return env.Column{Name: name, SQLType: typ, Default: def}
}

// Open opens an existing inventory.
func Open(ctx context.Context, path string) (*SQLite, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("inventory %s: %w (run cbsd initenv)", path, errdefs.ErrNotFound)
	}
	db, err := open(path)
	if err != nil {
		return nil, err
	}
	return &SQLite{db: db, path: path}, nil
}

// The column lists are read when first needed, from the result columns of
// a query (a query that reads rows anyway fills them in for free): every
// cbsd command opens the inventory, few need both tables.

// jailCols returns the columns of the jails table.
func (s *SQLite) jailCols(ctx context.Context) ([]string, error) { return s.columnsOf(ctx, "jails") }

// vmCols returns the columns of the bhyve table, without jname.
func (s *SQLite) vmCols(ctx context.Context) ([]string, error) { return s.columnsOf(ctx, "bhyve") }

// columnsOf returns the recorded columns of the jails or the bhyve table,
// reading them first when no query has recorded them yet.
func (s *SQLite) columnsOf(ctx context.Context, table string) ([]string, error) {
	s.mu.Lock()
	c := *s.recorded(table)
	s.mu.Unlock()
	if c != nil {
		return c, nil
	}
	c, err := s.tableCols(ctx, table)
	if err != nil {
		return nil, err
	}
	return s.record(table, c), nil
}

func (s *SQLite) recorded(table string) *[]string {
	if table == "jails" {
		return &s.cols
	}
	return &s.vmcols
}

// record records a table's columns from a result's columns (the bhyve
// table's without jname) unless they are known, and returns what is known.
func (s *SQLite) record(table string, c []string) []string {
	if table != "jails" {
		c = slices.DeleteFunc(slices.Clone(c), func(n string) bool { return n == "jname" })
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.recorded(table)
	if *p == nil {
		*p = c
	}
	return *p
}

// tableCols reads a table's columns; the jails table missing means the
// workdir was never initialised.
func (s *SQLite) tableCols(ctx context.Context, table string) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT * FROM "+table+" LIMIT 0")
	if err != nil {
		return nil, s.tableErr(table, err)
	}
	defer rows.Close()
	return rows.Columns()
}

func (s *SQLite) tableErr(table string, err error) error {
	if strings.Contains(err.Error(), "no such table") {
		return fmt.Errorf("inventory %s has no %s table (run cbsd initenv): %w", s.path, table, errdefs.ErrNotFound)
	}
	return err
}

// Create creates or upgrades the inventory schema at path: missing tables
// are created and missing columns added by name (CBSD's updatesql).
func Create(ctx context.Context, path string) (*SQLite, error) {
	db, err := open(path)
	if err != nil {
		return nil, err
	}
	s := &SQLite{db: db, path: path}
	if err := s.ensureTable(ctx, "jails", env.Columns, "jname"); err != nil {
		db.Close()
		return nil, err
	}
	if err := s.ensureTable(ctx, "local", LocalColumns, "nodename"); err != nil {
		db.Close()
		return nil, err
	}
	if err := s.ensureTable(ctx, "bhyve", env.VMColumns, "jname"); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

func dsn(path string) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(PERSIST)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate")
	return "file:" + path + "?" + q.Encode()
}

// open opens the database. It keeps a rollback journal, as CBSD does:
// readers need no extra files, which keeps the many short-lived cbsd
// processes fast (a WAL would be opened and mapped by every one of them).
// The journal file persists between writes (journal_mode=PERSIST), so a
// write does not create and unlink it each time.
func open(path string) (*sql.DB, error) {
	// Commits sync with fdatasync(2), as distribution builds of SQLite do:
	// the same durability, without waiting for time stamps to be journaled.
	sqlite.Fdatasync(true)
	db, err := sql.Open("sqlite", dsn(path))
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	return db, nil
}

func sqlDefault(c env.Column) string {
	switch {
	case c.Default == "null":
		return "null"
	case c.Default == "":
		return "''"
	case strings.Trim(c.Default, "0123456789") == "":
		return c.Default
	}
	return "'" + strings.ReplaceAll(c.Default, "'", "''") + "'"
}

func (s *SQLite) ensureTable(ctx context.Context, table string, cols []env.Column, pk string) error {
	have, err := s.columns(ctx, table)
	if err != nil {
		return err
	}
	if len(have) == 0 {
		var defs []string
		for _, c := range cols {
			d := fmt.Sprintf("%s %s default %s", c.Name, c.SQLType, sqlDefault(c))
			if c.Name == pk {
				d += " unique PRIMARY KEY"
			}
			defs = append(defs, d)
		}
		_, err := s.db.ExecContext(ctx, fmt.Sprintf("CREATE TABLE %s (%s)", table, strings.Join(defs, ", ")))
		return err
	}
	present := map[string]bool{}
	for _, c := range have {
		present[c] = true
	}
	for _, c := range cols {
		if present[c.Name] {
			continue
		}
		q := fmt.Sprintf("ALTER TABLE %s ADD COLUMN %s %s default %s", table, c.Name, c.SQLType, sqlDefault(c))
		if _, err := s.db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("add column %s.%s: %w", table, c.Name, err)
		}
	}
	return nil
}

func (s *SQLite) columns(ctx context.Context, table string) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT name FROM pragma_table_info(?)", table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// Close closes the database.
func (s *SQLite) Close() error { return s.db.Close() }

// query is a SELECT of jails columns (and, for VMs, bhyve columns) with
// the names the scan uses.
type query struct {
	sql  string
	cols []string // result column names, in order
	vm   int      // index of the first bhyve column (NULL for jails: skipped)
}

// selectFrom selects cols (nil = all) from jails LEFT JOIN bhyve.
func (s *SQLite) selectFrom(ctx context.Context, cols []string) (query, error) {
	all, err := s.jailCols(ctx)
	if err != nil {
		return query{}, err
	}
	vmAll, err := s.vmCols(ctx)
	if err != nil {
		return query{}, err
	}
	var jc, vc []string
	if cols == nil {
		jc, vc = all, vmAll
	} else {
		for _, c := range cols {
			switch {
			case slices.Contains(all, c):
				jc = append(jc, c)
			case slices.Contains(vmAll, c):
				vc = append(vc, c)
			}
		}
	}
	var sel []string
	for _, c := range jc {
		sel = append(sel, "jails."+c)
	}
	for _, c := range vc {
		sel = append(sel, "bhyve."+c)
	}
	from := " FROM jails"
	if len(vc) > 0 {
		from += " LEFT JOIN bhyve ON bhyve.jname = jails.jname"
	}
	return query{sql: "SELECT " + strings.Join(sel, ", ") + from, cols: append(append([]string{}, jc...), vc...), vm: len(jc)}, nil
}

func (q query) scan(rows *sql.Rows) ([]*env.Env, error) {
	return scanEnvs(rows, q.cols, q.vm)
}

func scanEnvs(rows *sql.Rows, cols []string, vm int) ([]*env.Env, error) {
	var out []*env.Env
	vals := make([]sql.NullString, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		m := make(map[string]string, len(cols))
		for i, c := range cols {
			switch {
			case vals[i].Valid:
				m[c] = vals[i].String
			case i < vm:
				m[c] = "0"
			}
		}
		out = append(out, env.FromRow(m))
	}
	return out, rows.Err()
}

// row reads the one row of a SELECT * into m: NULL is "0" in the jails
// table (as CBSD reads it) and absent elsewhere; jname is kept from the
// jails table. It reports whether there was a row, and the result columns.
func row(rows *sql.Rows, m map[string]string, nullZero bool) (bool, []string, error) {
	cols, err := rows.Columns()
	if err != nil {
		return false, nil, err
	}
	if !rows.Next() {
		return false, cols, rows.Err()
	}
	vals := make([]sql.NullString, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		return false, nil, err
	}
	for i, c := range cols {
		switch {
		case c == "jname" && !nullZero:
		case vals[i].Valid:
			m[c] = vals[i].String
		case nullZero:
			m[c] = "0"
		}
	}
	return true, cols, rows.Err()
}

// Get returns one environment: its jails row and, for a VM, its bhyve
// row (two short queries cost less than preparing the join of both).
func (s *SQLite) Get(ctx context.Context, jname string) (*env.Env, error) {
	return s.get(ctx, s.db, jname)
}

// querier is a database or a transaction.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func (s *SQLite) get(ctx context.Context, q querier, jname string) (*env.Env, error) {
	m := map[string]string{}
	ok, err := s.readRow(ctx, q, "jails", jname, m)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("%s: %w", jname, errdefs.ErrNotFound)
	}
	if m["emulator"] == "bhyve" {
		if _, err := s.readRow(ctx, q, "bhyve", jname, m); err != nil {
			return nil, err
		}
	}
	return env.FromRow(m), nil
}

func (s *SQLite) readRow(ctx context.Context, q querier, table, jname string, m map[string]string) (bool, error) {
	rows, err := q.QueryContext(ctx, "SELECT * FROM "+table+" WHERE jname = ?", jname)
	if err != nil {
		return false, s.tableErr(table, err)
	}
	defer rows.Close()
	ok, cols, err := row(rows, m, table == "jails")
	if err != nil {
		return false, err
	}
	s.record(table, cols)
	return ok, nil
}

// List returns the environments matching f, ordered by name.
func (s *SQLite) List(ctx context.Context, f Filter) ([]*env.Env, error) {
	jc, err := s.jailCols(ctx)
	if err != nil {
		return nil, err
	}
	vc, err := s.vmCols(ctx)
	if err != nil {
		return nil, err
	}
	has := func(c string) bool { return slices.Contains(jc, c) || slices.Contains(vc, c) }
	var cols []string
	if len(f.Columns) > 0 {
		cols = []string{"jname"}
		for _, c := range f.Columns {
			if c != "jname" && has(c) {
				cols = append(cols, c)
			}
		}
	}
	for k := range f.Where {
		if cols != nil && slices.Contains(vc, k) {
			cols = append(cols, k) // the join is needed for the condition
		}
	}
	sel, err := s.selectFrom(ctx, cols)
	if err != nil {
		return nil, err
	}
	q := sel.sql
	var conds []string
	var args []any
	if len(f.Emulators) > 0 {
		conds = append(conds, "jails.emulator IN ("+strings.TrimSuffix(strings.Repeat("?,", len(f.Emulators)), ",")+")")
		for _, e := range f.Emulators {
			args = append(args, e)
		}
	}
	if f.Mask != "" && f.Mask != "*" {
		conds = append(conds, `jails.jname LIKE ? ESCAPE '\'`)
		args = append(args, maskToLike(f.Mask))
	}
	keys := make([]string, 0, len(f.Where))
	for k := range f.Where {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !has(k) {
			return nil, fmt.Errorf("no such column %q: %w", k, errdefs.ErrInvalid)
		}
		table := "jails."
		if !slices.Contains(jc, k) {
			table = "bhyve."
			if cols == nil && !strings.Contains(q, "LEFT JOIN") {
				q += " LEFT JOIN bhyve ON bhyve.jname = jails.jname"
			}
		}
		conds = append(conds, table+k+" = ?")
		args = append(args, f.Where[k])
	}
	if len(conds) > 0 {
		q += " WHERE " + strings.Join(conds, " AND ")
	}
	q += " ORDER BY jails.jname"
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	es, err := sel.scan(rows)
	if err != nil {
		return nil, err
	}
	// LIKE is case-insensitive for ASCII; CBSD names are case-sensitive.
	if f.Mask != "" && f.Mask != "*" {
		kept := es[:0]
		for _, e := range es {
			if env.MatchMask(f.Mask, e.Name()) {
				kept = append(kept, e)
			}
		}
		es = kept
	}
	return es, nil
}

func maskToLike(mask string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`, `*`, `%`)
	return r.Replace(mask)
}

// execer is a database or a transaction.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// putVM writes a VM's bhyve row (insert or replace).
// vc are the bhyve table's columns, read before the transaction began (it
// holds the only connection).
func putVM(ctx context.Context, x execer, e *env.Env, vc []string) error {
	if e.Emulator() != "bhyve" {
		return nil
	}
	cols := []string{"jname"}
	args := []any{e.Name()}
	for _, c := range vc {
		if e.Has(c) {
			cols = append(cols, c)
			args = append(args, e.Get(c))
		}
	}
	q := fmt.Sprintf("INSERT OR REPLACE INTO bhyve (%s) VALUES (%s)", strings.Join(cols, ", "),
		strings.TrimSuffix(strings.Repeat("?,", len(cols)), ","))
	_, err := x.ExecContext(ctx, q, args...)
	return err
}

// Insert adds a new environment; ErrExists when the name is taken.
func (s *SQLite) Insert(ctx context.Context, e *env.Env) error {
	if err := env.ValidateName(e.Name()); err != nil {
		return err
	}
	cols, args, err := s.values(ctx, e)
	if err != nil {
		return err
	}
	var vc []string
	if e.Emulator() == "bhyve" {
		if vc, err = s.vmCols(ctx); err != nil {
			return err
		}
	}
	q := fmt.Sprintf("INSERT INTO jails (%s) VALUES (%s)", strings.Join(cols, ", "),
		strings.TrimSuffix(strings.Repeat("?,", len(cols)), ","))
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, q, args...); err != nil {
		if strings.Contains(err.Error(), "UNIQUE constraint") {
			return fmt.Errorf("%s: %w", e.Name(), errdefs.ErrExists)
		}
		return err
	}
	if err := putVM(ctx, tx, e, vc); err != nil {
		return err
	}
	return tx.Commit()
}

func (s *SQLite) values(ctx context.Context, e *env.Env) ([]string, []any, error) {
	all, err := s.jailCols(ctx)
	if err != nil {
		return nil, nil, err
	}
	var cols []string
	var args []any
	for _, c := range all {
		if !e.Has(c) {
			continue
		}
		cols = append(cols, c)
		args = append(args, e.Get(c))
	}
	return cols, args, nil
}

// Update changes one environment inside a write transaction.
func (s *SQLite) Update(ctx context.Context, jname string, fn func(*env.Env) error) error {
	// The transaction holds the only connection: the column lists first.
	if _, err := s.jailCols(ctx); err != nil {
		return err
	}
	vc, err := s.vmCols(ctx)
	if err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	e, err := s.get(ctx, tx, jname)
	if err != nil {
		return err
	}
	was := e.Emulator()
	if err := fn(e); err != nil {
		return err
	}
	cols, args, err := s.values(ctx, e)
	if err != nil {
		return err
	}
	sets := make([]string, len(cols))
	for i, c := range cols {
		sets[i] = c + " = ?"
	}
	args = append(args, jname)
	if _, err := tx.ExecContext(ctx, "UPDATE jails SET "+strings.Join(sets, ", ")+" WHERE jname = ?", args...); err != nil {
		return err
	}
	if e.Name() != jname && (was == "bhyve" || e.Emulator() == "bhyve") {
		if _, err := tx.ExecContext(ctx, "DELETE FROM bhyve WHERE jname = ?", jname); err != nil {
			return err
		}
	}
	if err := putVM(ctx, tx, e, vc); err != nil {
		return err
	}
	return tx.Commit()
}

// Set implements Store: one UPDATE of the named jails columns.
func (s *SQLite) Set(ctx context.Context, jname string, cols map[string]string) error {
	all, err := s.jailCols(ctx)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(cols))
	for c := range cols {
		if !slices.Contains(all, c) {
			return fmt.Errorf("no such column %q: %w", c, errdefs.ErrInvalid)
		}
		names = append(names, c)
	}
	sort.Strings(names)
	sets := make([]string, len(names))
	args := make([]any, 0, len(names)+1)
	for i, c := range names {
		sets[i] = c + " = ?"
		args = append(args, cols[c])
	}
	res, err := s.db.ExecContext(ctx, "UPDATE jails SET "+strings.Join(sets, ", ")+" WHERE jname = ?", append(args, jname)...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%s: %w", jname, errdefs.ErrNotFound)
	}
	return nil
}

// Delete removes one environment's row.
func (s *SQLite) Delete(ctx context.Context, jname string) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "DELETE FROM bhyve WHERE jname = ?", jname); err != nil && !strings.Contains(err.Error(), "no such table") {
		return err
	}
	res, err := tx.ExecContext(ctx, "DELETE FROM jails WHERE jname = ?", jname)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%s: %w", jname, errdefs.ErrNotFound)
	}
	return tx.Commit()
}

// Local returns the node settings row ("local" table).
func (s *SQLite) Local(ctx context.Context) (map[string]string, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT * FROM local LIMIT 1")
	if err != nil {
		if strings.Contains(err.Error(), "no such table") {
			return nil, fmt.Errorf("no local table: %w", errdefs.ErrNotFound)
		}
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	m := map[string]string{}
	if !rows.Next() {
		return m, rows.Err()
	}
	vals := make([]sql.NullString, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		return nil, err
	}
	for i, c := range cols {
		if vals[i].Valid {
			m[c] = vals[i].String
		}
	}
	return m, rows.Err()
}

// SetLocal replaces the node settings row with m (unknown keys ignored).
func (s *SQLite) SetLocal(ctx context.Context, m map[string]string) error {
	cols, err := s.columns(ctx, "local")
	if err != nil {
		return err
	}
	var names []string
	var args []any
	for _, c := range cols {
		if v, ok := m[c]; ok {
			names = append(names, c)
			args = append(args, v)
		}
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "DELETE FROM local"); err != nil {
		return err
	}
	q := fmt.Sprintf("INSERT INTO local (%s) VALUES (%s)", strings.Join(names, ", "),
		strings.TrimSuffix(strings.Repeat("?,", len(names)), ","))
	if _, err := tx.ExecContext(ctx, q, args...); err != nil {
		return err
	}
	return tx.Commit()
}

// IsNotFound reports whether err is a not-found error.
func IsNotFound(err error) bool { return errors.Is(err, errdefs.ErrNotFound) }
