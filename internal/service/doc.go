// Package service holds cbsd's use cases (create, start, stop, remove,
// exec, list, set) as ordered steps over the inventory, storage, hooks and a
// runtime driver. Each operation on one environment runs under that
// environment's operation lock, and a failed create or start undoes the
// steps already done, so nothing half-made is left behind.
package service
