// Package inventory stores environments and node settings in CBSD's SQLite
// schema (W/var/db/local.sqlite -> inv.<nodename>.sqlite): table "jails"
// with CBSD's column names and defaults, and table "local" with the initenv
// settings, so sqlite3 queries and tools written for CBSD keep working.
//
// The Store interface is what the service layer uses; SQLite is its one
// implementation (modernc.org/sqlite, pure Go, so FreeBSD builds need no cgo).
package inventory
