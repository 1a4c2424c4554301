package service

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/cbsdgo/cbsd/internal/env"
)

// vmBackend runs VMs on this platform: QEMU on Linux (vm_qemu.go), bhyve(8)
// on FreeBSD (vm_bhyve.go). The service does everything around it (locks,
// hooks, inventory).
type vmBackend interface {
	// Argv is the hypervisor command line for e (bstart dryrun=1).
	Argv(e *env.Env) ([]string, error)
	// Start boots e and returns once the hypervisor runs.
	Start(ctx context.Context, e *env.Env) (pid int, warning string, err error)
	State(name string) (running bool, pid int)
	// Stop powers the guest down over ACPI, forced after grace.
	Stop(ctx context.Context, name string, grace time.Duration) error
	// Console attaches in and out to the serial console.
	Console(ctx context.Context, name string, in *os.File, out io.Writer) error
}

// vms is the platform's VM backend.
func (s *Service) vms() vmBackend {
	if s.Bhyve != nil {
		return &bhyveVMs{s: s, d: s.Bhyve}
	}
	return &qemuVMs{s: s, d: s.VMs}
}

// VMConsole attaches in and out to a running VM's serial console.
func (s *Service) VMConsole(ctx context.Context, name string, in *os.File, out io.Writer) error {
	return s.vms().Console(ctx, name, in, out)
}

// nicParents are a VM's NIC parents (nic_parent, comma-separated; none for
// 0 or disable).
func nicParents(e *env.Env) []string {
	p := strings.TrimSpace(e.Get("nic_parent"))
	if p == "" || p == "0" || p == "disable" {
		return nil
	}
	out := strings.Split(p, ",")
	for i := range out {
		out[i] = strings.TrimSpace(out[i])
	}
	return out
}

func nicCount(e *env.Env) int { return len(nicParents(e)) }

// fillMACs returns n comma-separated MACs: those of list kept by position
// (unless fresh), random locally administered ones for the rest.
func fillMACs(list string, n int, fresh bool) string {
	var have []string
	if !fresh && list != "0" {
		have = strings.Split(list, ",")
	}
	out := make([]string, n)
	for i := range out {
		if i < len(have) && strings.TrimSpace(have[i]) != "" && strings.TrimSpace(have[i]) != "0" {
			out[i] = strings.TrimSpace(have[i])
		} else {
			out[i] = newMAC()
		}
	}
	return strings.Join(out, ",")
}

// newMAC makes a random locally administered unicast MAC address.
func newMAC() string {
	b := make([]byte, 6)
	rand.Read(b)
	b[0] = (b[0] | 0x02) & 0xfe
	return fmt.Sprintf("%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4], b[5])
}
