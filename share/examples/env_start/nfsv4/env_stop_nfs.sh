#!/bin/sh
# mnt_stop hook: unmount what env_start_nfs.sh mounted. Idempotent.
. "$(dirname "$0")/../lib.sh"
MOUNT_RCCONF=0
load_conf env_start_nfs.conf
rc=0
[ -n "$fstab" ] && { unmount_dir "$fstab" || rc=1; }
[ "$MOUNT_RCCONF" = 1 ] && { unmount_dir "$rcconf" || rc=1; }
unmount_dir "$sysdata" || rc=1
unmount_dir "$data" || rc=1
exit $rc
