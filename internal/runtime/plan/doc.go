// Package plan runs ordered command plans: each step is an argv with the
// argv that undoes it. Platform drivers (FreeBSD jail(8), bhyve(8)) build
// plans as plain data, which is golden-tested anywhere, and Executor runs
// them through the one command runner, unwinding the steps already done,
// in reverse, when a step fails.
package plan
