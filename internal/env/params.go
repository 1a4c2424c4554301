package env

import "sync"

// Column is one column of CBSD's "jails" table.
type Column struct {
	Name    string
	SQLType string // as in share/local-jails.schema
	Default string // schema default, the value stored when a key is absent
}

// Columns lists the "jails" table in CBSD's MYCOL order with the schema
// defaults of share/local-jails.schema.
var Columns = []Column{
	{"jname", "text", "0"}, {"jid", "integer", "0"}, {"path", "text", "0"},
	{"host_hostname", "text", "0"}, {"ip4_addr", "text", "0"},
	{"mount_devfs", "boolean", "0"}, {"allow_mount", "boolean", "0"},
	{"allow_devfs", "boolean", "0"}, {"allow_nullfs", "boolean", "0"},
	{"mount_fstab", "text", "0"}, {"mkhostsfile", "boolean", "0"},
	{"devfs_ruleset", "integer", "0"}, {"interface", "text", "0"},
	{"basename", "text", "0"}, {"slavenode", "text", "0"}, {"baserw", "boolean", "0"},
	{"mount_src", "boolean", "0"}, {"mount_obj", "boolean", "0"},
	{"mount_kernel", "text", "0"}, {"mount_ports", "boolean", "0"},
	{"astart", "integer", "0"}, {"data", "text", "0"}, {"vnet", "boolean", "0"},
	{"applytpl", "boolean", "0"}, {"mdsize", "integer", "0"}, {"rcconf", "text", "0"},
	{"floatresolv", "boolean", "0"}, {"ver", "text", "0"}, {"arch", "text", "0"},
	{"masterhost", "text", "0"}, {"exec_start", "text", "0"}, {"exec_stop", "text", "0"},
	{"exec_poststart", "text", "0"}, {"exec_poststop", "text", "0"},
	{"exec_prestart", "text", "0"}, {"exec_prestop", "text", "0"},
	{"exec_master_poststart", "text", "0"}, {"exec_master_poststop", "text", "0"},
	{"exec_master_prestart", "text", "0"}, {"exec_master_prestop", "text", "0"},
	{"status", "integer", "0"}, {"exec_timeout", "integer", "0"},
	{"exec_fib", "integer", "0"}, {"stop_timeout", "integer", "10"},
	{"mount_fdescfs", "integer", "1"}, {"allow_dying", "integer", "1"},
	{"depend", "text", "0"}, {"allow_procfs", "integer", "1"},
	{"allow_tmpfs", "integer", "0"}, {"allow_zfs", "integer", "1"},
	{"cpuset", "text", "0"}, {"emulator", "text", "jail"},
	{"emulator_flags", "text", "0"}, {"allow_kmem", "integer", "0"},
	{"exec_consolelog", "text", "0"}, {"jdomain", "text", "0"},
	{"b_order", "integer", "0"}, {"allow_fdescfs", "boolean", "0"},
	{"allow_sysvipc", "text", "new"}, {"protected", "integer", "0"},
	{"hidden", "integer", "0"}, {"maintenance", "text", "0"}, {"name", "text", ""},
	{"allow_reserved_ports", "integer", "1"}, {"childrenmax", "integer", "0"},
	{"persist", "integer", "1"}, {"enforce_statfs", "integer", "1"},
	{"state_time", "TIMESTAMP DATE", "0"}, {"allow_raw_sockets", "boolean", "0"},
	{"allow_fusefs", "boolean", "0"}, {"allow_linprocfs", "boolean", "0"},
	{"allow_linsysfs", "boolean", "0"}, {"allow_read_msgbuf", "boolean", "0"},
	{"allow_vmm", "boolean", "0"}, {"allow_unprivileged_proc_debug", "boolean", "1"},
	{"sysvsem", "text", "new"}, {"sysvshm", "text", "new"}, {"sysvmsg", "text", "new"},
	{"mnt_start", "text", "0"}, {"mnt_stop", "text", "0"},
	{"allow_mlock", "integer", "0"}, {"mount_procfs", "integer", "0"},
	{"mount_linprocfs", "integer", "0"}, {"mount_linsysfs", "integer", "0"},
	{"gid", "UNSIGNED INTEGER", "0"}, {"tags", "text", "0"}, {"ci_gw4", "text", "0"},
	{"zfs_encryption", "text", "0"}, {"boot_delay", "integer", "0"},
	{"allow_nfsd", "integer", "0"}, {"jnameserver", "text", "0"},
	// cbsd additions (ignored by CBSD's tools): seconds a mount hook may run.
	{"mnt_timeout", "integer", "0"},
}

// JARG lists the serialisable parameters (CBSD's share/jail-arg): what a
// descriptor carries and what jcreate/jset accept.
var JARG = []string{
	"allow_devfs", "allow_dying", "allow_fusefs", "allow_linprocfs", "allow_linsysfs",
	"allow_kmem", "allow_mount", "allow_nullfs", "allow_fdescfs", "allow_procfs",
	"allow_raw_sockets", "allow_read_msgbuf", "allow_reserved_ports", "allow_sysvipc",
	"allow_tmpfs", "allow_unprivileged_proc_debug", "allow_vmm", "allow_zfs", "applytpl",
	"arch", "astart", "b_order", "basename", "baserw", "childrenmax", "cpuset", "data",
	"devfs_ruleset", "emulator", "emulator_flags", "enforce_statfs", "exec_consolelog",
	"exec_fib", "exec_master_poststart", "exec_master_poststop", "exec_master_prestart",
	"exec_master_prestop", "exec_poststart", "exec_poststop", "exec_prestart",
	"exec_prestop", "exec_start", "exec_stop", "exec_timeout", "floatresolv", "hidden",
	"host_hostname", "interface", "ip4_addr", "jdomain", "jnameserver", "masterhost",
	"mdsize", "mkhostsfile", "mnt_start", "mnt_stop", "mount_devfs", "mount_fdescfs",
	"mount_procfs", "mount_linprocfs", "mount_linsysfs", "mount_fstab", "mount_kernel",
	"mount_obj", "mount_ports", "mount_src", "nic_hwaddr", "path", "persist", "protected",
	"rcconf", "slavenode", "stop_timeout", "sysvsem", "sysvshm", "sysvmsg", "ver", "vnet",
	"ci_gw4", "allow_mlock", "allow_nfsd", "gid", "tags", "zfs_encryption", "boot_delay",
	"mnt_timeout",
}

// CreateKnobs are jcreate-only arguments that are not inventory columns.
var CreateKnobs = []string{
	"jconf", "jprofile", "from", "zfs_snapsrc", "pkg_bootstrap", "pkglist", "delpkglist",
	"removejconf", "runasap", "customskel", "fstablocal", "sysrc", "sysrc_enable",
	"user_pw_root", "user_add", "ci_user_pubkey", "ci_ip4_addr", "flavor", "autorestart",
	"etcupdate_init", "quiet", "inter", "jailskeldir", "jailsysskeldir", "systemskeldir",
	"with_img_helpers", "nic_hwaddr", "relative_path", "oci_runtime",
}

// The indexes are built on first use: every cbsd process runs package
// initialisation, few of them need these.
var (
	columnIndex = sync.OnceValue(indexColumns)
	jargIndex   = sync.OnceValue(indexJARG)
)

func indexColumns() map[string]int {
	m := make(map[string]int, len(Columns))
	for i, c := range Columns {
		m[c.Name] = i
	}
	return m
}

func indexJARG() map[string]bool {
	m := make(map[string]bool, len(JARG))
	for _, k := range JARG {
		m[k] = true
	}
	return m
}

// IsColumn reports whether k is a column of the jails table.
func IsColumn(k string) bool { _, ok := columnIndex()[k]; return ok }

// IsParam reports whether k is a serialisable jail parameter.
func IsParam(k string) bool { return jargIndex()[k] }

// StatusValue maps "on"/"off"/... (as accepted by jls filters) to the
// numeric status; other values are returned unchanged.
func StatusValue(v string) string {
	switch v {
	case "off":
		return "0"
	case "on":
		return "1"
	case "slave":
		return "2"
	case "maintenance":
		return "3"
	}
	return v
}

// VMColumns are the columns of the "bhyve" table that this implementation
// uses (CBSD's names from share/local-bhyve.schema, plus vm_kernel,
// vm_initrd, vm_cmdline, vm_accel, imgsize and hard_timeout for QEMU, and
// nic_parent, nic_hwaddr and nic_driver from CBSD's per-VM bhyvenic table,
// here comma-separated lists with one entry per NIC): a
// VM is a "jails" row with emulator=bhyve plus a "bhyve" row.
var VMColumns = []Column{
	{"jname", "text", "0"},
	{"vm_cpus", "integer", "1"}, {"vm_ram", "integer", "536870912"},
	{"vm_os_type", "text", "linux"}, {"vm_os_profile", "text", "0"},
	{"vm_boot", "text", "hdd"}, {"vm_iso_path", "text", "0"},
	{"vm_efi", "text", "none"}, {"vm_vnc_port", "integer", "1"},
	{"bhyve_vnc_tcp_bind", "text", "127.0.0.1"},
	{"on_poweroff", "text", "destroy"}, {"on_reboot", "text", "restart"},
	{"on_crash", "text", "destroy"},
	{"imgsize", "text", "0"}, {"vm_kernel", "text", "0"}, {"vm_initrd", "text", "0"},
	{"vm_cmdline", "text", "0"}, {"vm_accel", "text", "auto"},
	{"hard_timeout", "integer", "30"},
	{"nic_parent", "text", "0"}, {"nic_hwaddr", "text", "0"},
	{"ci_user_pubkey", "text", "0"}, {"ci_ip4_addr", "text", "0"}, {"ci_gw4", "text", "0"},
	// bhyve(8) settings (share/local-bhyve.schema and local-bhyvenic.schema).
	{"virtio_type", "text", "ahci-hd"}, {"vm_hostbridge", "text", "hostbridge"},
	{"bhyve_flags", "text", "0"}, {"bhyve_cmd", "text", "/usr/sbin/bhyve"},
	{"bhyve_generate_acpi", "integer", "1"}, {"bhyve_wire_memory", "integer", "0"},
	{"bhyve_rts_keeps_utc", "integer", "0"}, {"bhyve_force_msi_irq", "integer", "0"},
	{"bhyve_x2apic_mode", "integer", "0"}, {"bhyve_mptable_gen", "integer", "1"},
	{"bhyve_ignore_msr_acc", "integer", "0"},
	{"bhyve_vnc_resolution", "text", "1024x768"}, {"bhyve_vnc_vgaconf", "text", "io"},
	{"vnc_password", "text", "0"}, {"cd_vnc_wait", "integer", "0"},
	{"fbuf", "integer", "1"}, {"xhci", "integer", "0"}, {"tablet", "integer", "1"},
	{"uuid", "text", "0"}, {"nic_driver", "text", "vtnet"},
	// efi_firmware: CBSD's default is its own copy (upgrade/patch/efi.fd);
	// here "0" means the platform's firmware (sysutils/edk2 bhyve flavour).
	{"efi_firmware", "text", "0"},
}

// IsVMColumn reports whether k is a column of the bhyve table.
func IsVMColumn(k string) bool {
	for _, c := range VMColumns {
		if c.Name == k {
			return true
		}
	}
	return false
}
