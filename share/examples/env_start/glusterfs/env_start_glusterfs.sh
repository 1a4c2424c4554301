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

share_mount() { # <path in volume> <target>
	mount -t glusterfs ${MOUNT_OPT:+-o "$MOUNT_OPT"} "$GLUSTER_SERVER:/$GLUSTER_VOLUME${1:+/$1}" "$2"
}

mount_env || exit 1
exit 0
