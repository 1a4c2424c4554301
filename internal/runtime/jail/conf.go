package jail

import (
	"fmt"
	"strings"

	"github.com/cbsdgo/cbsd/internal/env"
	"github.com/cbsdgo/cbsd/internal/network"
)

// Conf renders the jail.conf block of e (CBSD's makejconf). root is the
// jail's path: W/jails/<J> for baserw=0, the data directory for baserw=1.
func Conf(e *env.Env, root string, p Paths) string {
	consoleLog := p.ConsoleLog
	var b strings.Builder
	kv := func(k, v string) { fmt.Fprintf(&b, "\t%s = %q;\n", k, v) }
	flag := func(k string) { fmt.Fprintf(&b, "\t%s;\n", k) }
	set := func(k string) bool { return e.IsSet(k) }
	fmt.Fprintf(&b, "%s {\n", e.Name())
	vnet := e.Bool("vnet")
	// exec.start runs inside the jail; vnet jails get it after their NICs
	// are moved in (late start), so jail(8) starts them empty.
	if set("exec_start") && !vnet {
		kv("exec.start", e.Get("exec_start"))
	} else {
		kv("exec.start", "")
	}
	for _, k := range []string{"exec_stop", "exec_prestart", "exec_poststart", "exec_prestop", "exec_poststop"} {
		if set(k) {
			kv(strings.Replace(k, "_", ".", 1), e.Get(k))
		}
	}
	kv("host.hostname", e.Get("host_hostname"))
	kv("path", root)
	flag("allow.socket_af")
	flag("allow.chflags")
	if e.Bool("allow_raw_sockets") {
		flag("allow.raw_sockets")
	}
	for _, k := range []string{"sysvsem", "sysvshm", "sysvmsg"} {
		if v := e.Get(k); v != "" && v != "0" {
			fmt.Fprintf(&b, "\t%s = %s;\n", k, v)
		}
	}
	if vnet {
		kv("vnet", "new")
	} else {
		seen := map[string]bool{}
		for _, a := range ipAddrs(e) {
			op := "="
			if seen[a.key] {
				op = "+="
			}
			seen[a.key] = true
			fmt.Fprintf(&b, "\t%s %s %q;\n", a.key, op, a.value)
		}
	}
	flag("mount.devfs")
	if r := e.Get("devfs_ruleset"); r != "0" && r != "" {
		fmt.Fprintf(&b, "\tdevfs_ruleset = %s;\n", r)
	}
	if e.Bool("allow_mount") {
		flag("allow.mount")
		fmt.Fprintf(&b, "\tenforce_statfs = %d;\n", 1)
		for _, k := range []string{"devfs", "nullfs", "fusefs", "fdescfs", "linsysfs", "linprocfs", "procfs", "tmpfs", "zfs"} {
			if e.Bool("allow_" + k) {
				flag("allow.mount." + k)
			}
		}
	} else if v := e.Get("enforce_statfs"); v != "" {
		fmt.Fprintf(&b, "\tenforce_statfs = %s;\n", v)
	}
	for _, k := range []string{"reserved_ports", "mlock", "nfsd", "unprivileged_proc_debug", "read_msgbuf", "vmm"} {
		if e.Bool("allow_" + k) {
			flag("allow." + k)
		}
	}
	if t := e.Int("exec_timeout"); t > 0 {
		fmt.Fprintf(&b, "\texec.timeout = %d;\n", t)
	}
	if f := e.Int("exec_fib"); f > 0 {
		fmt.Fprintf(&b, "\texec.fib = %d;\n", f)
	}
	// stop.timeout from stop_timeout (CBSD wrote exec_timeout here: a bug).
	if t := e.Int("stop_timeout"); t > 0 {
		fmt.Fprintf(&b, "\tstop.timeout = %d;\n", t)
	}
	if e.Bool("mount_fdescfs") {
		flag("mount.fdescfs")
	}
	if e.Bool("mount_procfs") {
		flag("mount.procfs")
	}
	// Kernel version spoofing: the base's osreldate, and its release when
	// the host runs another one.
	if p.BaseOSRelDate > 0 {
		fmt.Fprintf(&b, "\tosreldate = %d;\n", p.BaseOSRelDate)
		if r := osrelease(e.Get("ver"), p.BaseOSRelDate, p.HostOSRelDate); r != "" {
			kv("osrelease", r)
		}
	}
	if consoleLog != "" {
		kv("exec.consolelog", consoleLog)
	}
	if e.Get("persist") != "0" {
		flag("persist")
	}
	if n := e.Int("childrenmax"); n > 0 {
		fmt.Fprintf(&b, "\tchildren.max = %d;\n", n)
	}
	b.WriteString("}\n")
	return b.String()
}

type addr struct{ key, value string }

// ipAddrs renders ip4_addr as jail.conf addresses: "iface|addr/prefix"
// when interface names a NIC, with CBSD's default masks (/24, /64).
func ipAddrs(e *env.Env) []addr {
	iface := e.Get("interface")
	ps, _ := network.ParseAddrs(e.Get("ip4_addr"), 24)
	var out []addr
	for _, p := range ps {
		a := addr{key: "ip4.addr", value: p.String()}
		if p.Addr().Is6() {
			a.key = "ip6.addr"
		}
		if iface != "" && iface != "0" && iface != "auto" {
			a.value = iface + "|" + a.value
		}
		out = append(out, a)
	}
	return out
}
