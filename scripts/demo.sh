#!/usr/bin/env bash
# The main job end to end on defaults: build cbsd, initialise a workdir in a
# temporary directory, build the busybox base, then create, start, use,
# list, stop and remove a jail. Run as root on Debian 12.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "run as root (jails need namespaces and mounts)"; exit 1; }
bash scripts/deps.sh
bash scripts/build.sh
cbsd=$(pwd)/bin/cbsd

export workdir
workdir=$(mktemp -d /tmp/cbsd-demo.XXXXXX)
bridge=cbsddemo0
cleanup() {
	"$cbsd" jremove jname='*' >/dev/null 2>&1 || true
	ip link del "$bridge" 2>/dev/null || true
	rm -rf "$workdir"
}
trap cleanup EXIT
step() { printf '\n\033[1m$ cbsd %s\033[0m\n' "$*"; "$cbsd" "$@"; }

step initenv workdir="$workdir" nodename=demo inter=0 bridge=$bridge initenv_modify_rcconf=0
step mkbase ver=busybox
step jcreate jname=web1 ver=busybox baserw=0 ip4_addr=DHCP vnet=1
step jcreate jname=web2 ver=busybox baserw=0 ip4_addr=DHCP vnet=1
step jstart jname='web*'
step jls
step jexec jname=web1 cat /etc/os-release
step jexec jname=web1 sh -c 'echo "hello from $(hostname)" > /root/hello; cat /root/hello'
ip2=$("$cbsd" jget jname=web2 mode=quiet ip4_addr); ip2=${ip2%%/*}
step jexec jname=web1 ping -c 1 -W 2 "$ip2"
step jexec jname=web1 touch /usr/bin/evil || echo "(as expected: the shared base is read-only)"
step jls display=jname,jid,status --json
step jstop jname='web*'
step jremove jname='web*'
step jls
printf '\ndemo finished: workdir %s removed\n' "$workdir"
