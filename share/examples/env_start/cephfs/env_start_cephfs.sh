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
SHARE_ROOT=${CEPH_ROOT#/}

share_mount() { # <path in cephfs> <target>
	# nonempty: a local directory may hold files hidden by the mount (fuse 2 refuses otherwise)
	ceph-fuse -c "$CEPH_CONF" --id "$CEPH_ID" -r "/$1" "$2" -o nonempty >/dev/null
}

mount_env || exit 1
exit 0
