# Shared part of the example mnt_start/mnt_stop hooks (sourced by them).
# CBSD calls a hook as:  <hook> -d <data> -f <fstab dir> -j <jname> -r <rcconf dir> -s <sysdata>
# (no -f for VMs). A hook must be idempotent: jstart may call it when
# everything is already mounted, and jstop/jremove/junregister may call the
# stop hook when nothing is mounted. Exit 0 on success, non-zero to abort.

data= fstab= jname= rcconf= sysdata=
while getopts "d:f:j:r:s:" opt; do
	case "$opt" in
	d) data="$OPTARG" ;;
	f) fstab="$OPTARG" ;;
	j) jname="$OPTARG" ;;
	r) rcconf="$OPTARG" ;;
	s) sysdata="$OPTARG" ;;
	*) echo "usage: $0 -d data [-f fstab] -j jname -r rcconf -s sysdata" >&2; exit 2 ;;
	esac
done
[ -n "$data" ] && [ -n "$jname" ] && [ -n "$sysdata" ] || { echo "$0: -d, -j and -s are required" >&2; exit 2; }

# workdir = the parent of the jails-rcconf directory
workdir=$(dirname "$rcconf")

# load_conf NAME: the first of $HOOK_CONF, <workdir>/etc/NAME, /usr/local/etc/NAME
load_conf() {
	for c in "${HOOK_CONF:-}" "$workdir/etc/$1" "/usr/local/etc/$1" "/root/etc/$1"; do
		[ -n "$c" ] && [ -r "$c" ] && { . "$c"; return 0; }
	done
	return 0
}

# is_mounted DIR: DIR is the root of a mounted filesystem
is_mounted() {
	[ -d "$1" ] || return 1
	if command -v mountpoint >/dev/null 2>&1; then
		mountpoint -q "$1"
	elif [ -r /proc/mounts ]; then
		# Not df: mounts of one NFS export share a device, and busybox df
		# names the first of them.
		awk -v d="$1" '$2 == d { found = 1 } END { exit !found }' /proc/mounts
	else
		mount -p | awk -v d="$1" '$2 == d { found = 1 } END { exit !found }'
	fi
}

# wait_mounted DIR: some FUSE clients return 0 and fail later (GlusterFS
# with a missing subdirectory), so check that the mount really appeared.
wait_mounted() {
	i=0
	while [ $i -lt 50 ]; do
		is_mounted "$1" && ls "$1" >/dev/null 2>&1 && return 0
		sleep 0.1
		i=$((i + 1))
	done
	echo "$0: $1 did not get mounted" >&2
	return 1
}

# unmount_dir DIR: unmount if mounted (idempotent)
unmount_dir() {
	is_mounted "$1" || return 0
	umount "$1" 2>/dev/null || umount -l "$1"
}

# mount_env: mount <share>/[SHARE_ROOT/]{data,system,fstab}/<jname> onto -d, -s
# and (MOUNT_FSTAB=1) -f. The hook defines share_mount <path in share> <target>
# (an empty path mounts the share's root). With MKDIRS=1 the subdirectories
# are created first: a subdirectory mount fails when they are missing.
mount_env() {
	if ! is_mounted "$data" || ! is_mounted "$sysdata"; then
		ensure_dirs || return 1
	fi
	mount_sub "data/$jname" "$data" || return 1
	mount_sub "system/$jname" "$sysdata" || return 1
	if [ "${MOUNT_FSTAB:-1}" = 1 ] && [ -n "$fstab" ]; then
		mount_sub "fstab/$jname" "$fstab" || return 1
	fi
}

ensure_dirs() {
	[ "${MKDIRS:-1}" = 1 ] || return 0
	tmp=$(mktemp -d)
	share_mount "" "$tmp" || { rmdir "$tmp"; return 1; }
	wait_mounted "$tmp" || { umount "$tmp" 2>/dev/null; rmdir "$tmp"; return 1; }
	top="$tmp${SHARE_ROOT:+/$SHARE_ROOT}"
	mkdir -p "$top/data/$jname" "$top/system/$jname" "$top/fstab/$jname"
	rc=$?
	umount "$tmp"
	rmdir "$tmp"
	return $rc
}

mount_sub() { # <subdir> <target>
	is_mounted "$2" && return 0
	mkdir -p "$2"
	share_mount "${SHARE_ROOT:+$SHARE_ROOT/}$1" "$2" || return 1
	wait_mounted "$2"
}
