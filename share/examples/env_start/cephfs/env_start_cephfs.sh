#!/bin/sh
# mnt_start hook: mount an environment's directories from CephFS with
# ceph-fuse: <CEPH_ROOT>/{data,system,fstab}/<jname>. Idempotent.
. "$(dirname "$0")/../lib.sh"

CEPH_CONF=/etc/ceph/ceph.conf
CEPH_ID=admin
CEPH_ROOT=/cbsd
MOUNT_FSTAB=1
MKDIRS=1
load_conf env_start_cephfs.conf

cephmount() { # <path in cephfs> <target>
	# nonempty: a local directory may hold files hidden by the mount (fuse 2 refuses otherwise)
	ceph-fuse -c "$CEPH_CONF" --id "$CEPH_ID" -r "$1" "$2" -o nonempty >/dev/null
}

ensure_dirs() {
	[ "$MKDIRS" = 1 ] || return 0
	tmp=$(mktemp -d)
	cephmount / "$tmp" || { rmdir "$tmp"; return 1; }
	wait_mounted "$tmp" || { rmdir "$tmp"; return 1; }
	mkdir -p "$tmp$CEPH_ROOT/data/$jname" "$tmp$CEPH_ROOT/system/$jname" "$tmp$CEPH_ROOT/fstab/$jname"
	umount "$tmp"
	rmdir "$tmp"
}

mount_sub() { # <subdir> <target>
	is_mounted "$2" && return 0
	mkdir -p "$2"
	cephmount "$CEPH_ROOT/$1" "$2" || return 1
	wait_mounted "$2"
}

if ! is_mounted "$data" || ! is_mounted "$sysdata"; then
	ensure_dirs || exit 1
fi
mount_sub "data/$jname" "$data" || exit 1
mount_sub "system/$jname" "$sysdata" || exit 1
if [ "$MOUNT_FSTAB" = 1 ] && [ -n "$fstab" ]; then
	mount_sub "fstab/$jname" "$fstab" || exit 1
fi
exit 0
