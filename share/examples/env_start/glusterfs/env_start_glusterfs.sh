#!/bin/sh
# mnt_start hook: mount an environment's data, system and fstab directories
# from its own subdirectories of a GlusterFS volume:
#   <volume>/data/<jname>  ->  -d   (jails-data/<J>-data)
#   <volume>/system/<jname> -> -s   (jails-system/<J>)
#   <volume>/fstab/<jname>  ->  -f  (jails-fstab/<J>, when MOUNT_FSTAB=1)
# Settings: env_start_glusterfs.conf (see there). Idempotent.
. "$(dirname "$0")/../lib.sh"

GLUSTER_SERVER=127.0.0.1
GLUSTER_VOLUME=cbsd
MOUNT_FSTAB=1
MOUNT_OPT=
MKDIRS=1
load_conf env_start_glusterfs.conf

# The volume's subdirectories must exist before a subdirectory mount.
ensure_dirs() {
	[ "$MKDIRS" = 1 ] || return 0
	tmp=$(mktemp -d)
	mount -t glusterfs ${MOUNT_OPT:+-o "$MOUNT_OPT"} "$GLUSTER_SERVER:/$GLUSTER_VOLUME" "$tmp" || { rmdir "$tmp"; return 1; }
	wait_mounted "$tmp" || { rmdir "$tmp"; return 1; }
	mkdir -p "$tmp/data/$jname" "$tmp/system/$jname" "$tmp/fstab/$jname"
	umount "$tmp"
	rmdir "$tmp"
}

mount_sub() { # <subdir> <target>
	is_mounted "$2" && return 0
	mkdir -p "$2"
	mount -t glusterfs ${MOUNT_OPT:+-o "$MOUNT_OPT"} "$GLUSTER_SERVER:/$GLUSTER_VOLUME/$1" "$2" || return 1
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
