// Package qemu runs bhyve-style VMs on Linux under QEMU: the argv is built
// from the VM's settings (pure, golden-tested), the accelerator is chosen
// explicitly (KVM when it is real, TCG otherwise: a PVM /dev/kvm accepts a
// probe but cannot run stock guest kernels), QEMU runs in the foreground
// under a cbsd supervisor that holds the ownership lock, the serial console
// is a unix socket whose output is also appended to W/var/log/<J>.console.log,
// and stop is ACPI power-down over QMP, forced after hard_timeout.
package qemu
