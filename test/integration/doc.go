// Package integration runs cbsd end to end as root with a real OCI runtime
// (runc), real network namespaces and real bases. The tests skip with a
// message naming what is missing when they cannot run (not root, no runc,
// no busybox-static); CI installs all of it so they always run there.
package integration
