// Package ctl holds what the runtime drivers share to talk to the
// processes they leave running: SOCK_SEQPACKET control sockets with JSON
// messages and passed file descriptors, JSON state files written
// atomically, and a liveness check that tells a running process from a
// zombie or a recycled pid.
package ctl
