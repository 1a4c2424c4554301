package env

import (
	"bytes"
	"fmt"
	"os"
	"strings"
)

// DefaultProfile is the Linux counterpart of CBSD's
// etc/defaults/jail-freebsd-default.conf: the values jcreate starts from.
// initenv installs it as W/etc/defaults/jail-linux-default.conf; a copy in
// W/etc/ overrides it key by key.
const DefaultProfile = `# Defaults for new jails. Override a key in ${workdir}/etc/jail-linux-default.conf
jail_profile="default"
emulator="jail"
default_domain="my.domain"
removejconf="0"
devfs_ruleset="4"
allow_mount="1"
allow_nullfs="1"
allow_fdescfs="1"
allow_devfs="1"
exec_timeout="180"
exec_fib="0"
stop_timeout="10"
mount_fdescfs="1"
allow_dying="1"
allow_procfs="1"
allow_tmpfs="1"
sysvsem="new"
sysvshm="new"
sysvmsg="new"
allow_reserved_ports="1"
childrenmax="0"
persist="1"
enforce_statfs="1"
baserw="0"
mdsize="0"
mount_src="0"
mount_ports="0"
mount_obj="0"
astart="1"
interface="auto"
applytpl="1"
floatresolv="1"
mount_devfs="1"
mkhostsfile="1"
basename=""
mount_kernel="0"
exec_start="/bin/sh /etc/rc"
exec_stop="/bin/sh /etc/rc.shutdown"
exec_poststart="0"
exec_poststop="0"
exec_prestart="0"
exec_prestop="0"
exec_master_poststart="0"
exec_master_poststop="0"
exec_master_prestart="0"
exec_master_prestop="0"
exec_consolelog="1"
host_hostname="${jname}.${default_domain}"
path="${jaildir}/${jname}"
data="${jaildatadir}/${jname}-${jaildatapref}"
mount_fstab="${jailfstabdir}/${jname}/fstab"
rcconf="${jailrcconfdir}/rc.conf_${jname}"
vnet="0"
ip4_addr="DHCP"
b_order="10"
allow_raw_sockets="0"
allow_unprivileged_proc_debug="1"
arch="native"
ver="native"
mnt_start="0"
mnt_stop="0"
allow_mlock="0"
allow_nfsd="0"
jnameserver="0"
`

// Expand substitutes ${name} and $name references using vars; unknown
// names expand to "".
func Expand(s string, vars map[string]string) string {
	if !strings.Contains(s, "$") {
		return s
	}
	return os.Expand(s, func(k string) string { return vars[k] })
}

// ReadProfile parses profile files in order (later files override earlier
// ones) and expands variable references against vars and earlier keys.
// Missing files are skipped.
func ReadProfile(vars map[string]string, files ...string) (map[string]string, error) {
	out := map[string]string{}
	scope := map[string]string{}
	for k, v := range vars {
		scope[k] = v
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		as, err := ParseAssignments(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		for _, a := range as {
			v := Expand(a.Value, scope)
			out[a.Key] = v
			if _, fixed := vars[a.Key]; !fixed {
				scope[a.Key] = v
			}
		}
	}
	return out, nil
}

// VnetProfile is the shipped jprofile=vnet: jails with their own network
// stack on the node bridge and an address from the pool.
const VnetProfile = `# jprofile=vnet: own network stack on the node bridge, an address from nodeippool.
# Override a key in ${workdir}/etc/jail-<platform>-vnet.conf.
vnet="1"
ip4_addr="DHCP"
allow_raw_sockets="1"
`
