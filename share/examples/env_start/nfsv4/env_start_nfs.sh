#!/bin/sh
# mnt_start hook: mount an environment's directories over NFSv4, laid out
# as in CBSD's guide: $NFS_SERVER_ROOT_DIR/{data,system,fstab,rcconf}/<jname>.
# FreeBSD uses mount_nfs, Linux mount -t nfs4. Idempotent.
. "$(dirname "$0")/../lib.sh"

NFS_SERVER=127.0.0.1
NFS_SERVER_ROOT_DIR=/nfs
MOUNT_RCCONF=0
MOUNT_FSTAB=0
MOUNT_NFS_OPT="-orw -overs=4 -ointr -orsize=32768 -owsize=32768 -oacregmax=3 -oacdirmin=3 -oacdirmax=3 -ohard -oproto=tcp -otimeout=300"
NFS_MOUNT_TIMEOUT=10
load_conf env_start_nfs.conf
NFS_SERVER_DATA_DIR=${NFS_SERVER_DATA_DIR:-$NFS_SERVER_ROOT_DIR/data}
NFS_SERVER_SYSTEM_DIR=${NFS_SERVER_SYSTEM_DIR:-$NFS_SERVER_ROOT_DIR/system}
NFS_SERVER_FSTAB_DIR=${NFS_SERVER_FSTAB_DIR:-$NFS_SERVER_ROOT_DIR/fstab}
NFS_SERVER_RCCONF_DIR=${NFS_SERVER_RCCONF_DIR:-$NFS_SERVER_ROOT_DIR/rcconf}

mount_one() { # <remote dir> <target>
	is_mounted "$2" && return 0
	mkdir -p "$2"
	if [ "$(uname -s)" = FreeBSD ]; then
		# shellcheck disable=SC2086
		timeout "$NFS_MOUNT_TIMEOUT" mount_nfs $MOUNT_NFS_OPT "$NFS_SERVER:$1" "$2"
	else
		# -orw -overs=4 ... -> -o rw,vers=4,...; FreeBSD's timeout= (tenths
		# of a second) is Linux's timeo=, which the kernel would refuse.
		opts=$(echo "$MOUNT_NFS_OPT" | sed -e 's/-o//g' -e 's/  */,/g' -e 's/^,//' -e 's/,$//' -e 's/\(^\|,\)timeout=/\1timeo=/')
		timeout "$NFS_MOUNT_TIMEOUT" mount -t nfs4 -o "$opts" "$NFS_SERVER:$1" "$2"
	fi
	rc=$?
	[ $rc -eq 0 ] || { echo "$0: mounting $NFS_SERVER:$1 on $2 failed ($rc)" >&2; return $rc; }
	wait_mounted "$2"
}

mount_one "$NFS_SERVER_DATA_DIR/$jname" "$data" || exit $?
mount_one "$NFS_SERVER_SYSTEM_DIR/$jname" "$sysdata" || exit $?
if [ "$MOUNT_RCCONF" = 1 ]; then
	# note: -r is the global jails-rcconf directory, shared by all environments
	mount_one "$NFS_SERVER_RCCONF_DIR/$jname" "$rcconf" || exit $?
fi
if [ "$MOUNT_FSTAB" = 1 ] && [ -n "$fstab" ]; then
	mount_one "$NFS_SERVER_FSTAB_DIR/$jname" "$fstab" || exit $?
fi
exit 0
