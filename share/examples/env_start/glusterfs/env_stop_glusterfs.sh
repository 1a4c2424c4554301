#!/bin/sh
# mnt_stop hook: unmount what env_start_glusterfs.sh mounted. Idempotent.
. "$(dirname "$0")/../lib.sh"
rc=0
[ -n "$fstab" ] && { unmount_dir "$fstab" || rc=1; }
unmount_dir "$sysdata" || rc=1
unmount_dir "$data" || rc=1
exit $rc
