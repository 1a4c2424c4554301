#!/bin/bash
# A throw-away single-host Ceph cluster with CephFS for the integration tests:
# 1 mon, 1 mgr, 1 bluestore OSD on a sparse file, 1 mds, all on 127.0.0.1 and
# everything (config, keys, data, logs) under $C. usage: C=/dir cephfs.sh up|down
set -euo pipefail
C=${C:?set C to the cluster directory}
CONF=$C/ceph.conf
export CEPH_CONF=$CONF
ceph_() { ceph -c $CONF "$@"; }
case "${1:-up}" in
up)
  mkdir -p $C/{mon/ceph-a,mgr/ceph-x,osd/ceph-0,mds/ceph-a,run,log,mnt}
  FSID=$(uuidgen)
  cat > $CONF <<CONF
[global]
fsid = $FSID
mon_initial_members = a
mon_host = [v2:127.0.0.1:3300,v1:127.0.0.1:6789]
public_network = 127.0.0.0/8
auth_cluster_required = cephx
auth_service_required = cephx
auth_client_required = cephx
keyring = $C/\$cluster.\$name.keyring
run_dir = $C/run
log_file = $C/log/\$name.log
admin_socket = $C/run/\$name.asok
pid_file = $C/run/\$name.pid
osd_pool_default_size = 1
osd_pool_default_min_size = 1
osd_pool_default_pg_autoscale_mode = off
osd_crush_chooseleaf_type = 0
mon_allow_pool_size_one = true
mon_allow_pool_delete = true
mon_warn_on_pool_no_redundancy = false
auth_allow_insecure_global_id_reclaim = false
mon_data_avail_warn = 5
[mon]
mon_data = $C/mon/\$cluster-\$id
keyring = $C/mon/\$cluster-\$id/keyring
[mgr]
mgr_data = $C/mgr/\$cluster-\$id
[osd]
osd_data = $C/osd/\$cluster-\$id
osd_objectstore = bluestore
bluestore_block_create = true
bluestore_block_size = 10737418240
bluestore_fsck_on_mkfs = false
osd_memory_target = 1073741824
[mds]
mds_data = $C/mds/\$cluster-\$id
[client]
# several ceph-fuse mounts at once: no shared pid file / admin socket
pid_file =
admin_socket = $C/run/\$name.\$pid.asok
CONF
  # keys
  ceph-authtool --create-keyring $C/mon.keyring --gen-key -n mon. --cap mon 'allow *' >/dev/null
  ceph-authtool --create-keyring $C/ceph.client.admin.keyring --gen-key -n client.admin \
      --cap mon 'allow *' --cap osd 'allow *' --cap mds 'allow *' --cap mgr 'allow *' >/dev/null
  ceph-authtool $C/mon.keyring --import-keyring $C/ceph.client.admin.keyring >/dev/null
  # mon
  monmaptool --create --fsid $FSID --addv a '[v2:127.0.0.1:3300,v1:127.0.0.1:6789]' $C/monmap >/dev/null
  ceph-mon -c $CONF --mkfs -i a --monmap $C/monmap --keyring $C/mon.keyring
  ceph-mon -c $CONF -i a --public-addr 127.0.0.1
  for i in $(seq 1 100); do ceph_ -s >/dev/null 2>&1 && break; sleep 0.1; done
  ceph_ mon enable-msgr2 || true
  # mgr
  ceph_ auth get-or-create mgr.x mon 'allow profile mgr' osd 'allow *' mds 'allow *' -o $C/mgr/ceph-x/keyring
  ceph-mgr -c $CONF -i x --keyring $C/mgr/ceph-x/keyring
  # osd: bluestore on a sparse 10 GiB file (bluestore_block_create) -> no LVM/ceph-volume
  OSD_UUID=$(uuidgen)
  ID=$(ceph_ osd new $OSD_UUID)
  ceph-authtool --create-keyring $C/osd/ceph-$ID/keyring --gen-key -n osd.$ID >/dev/null
  ceph_ auth add osd.$ID osd 'allow *' mon 'allow profile osd' mgr 'allow profile osd' -i $C/osd/ceph-$ID/keyring
  ceph-osd -c $CONF -i $ID --mkfs --osd-uuid $OSD_UUID --keyring $C/osd/ceph-$ID/keyring 2>&1 | tail -1
  ceph-osd -c $CONF -i $ID --keyring $C/osd/ceph-$ID/keyring
  # mds + fs
  ceph_ auth get-or-create mds.a mon 'allow profile mds' osd 'allow rwx' mds 'allow' mgr 'allow profile mds' -o $C/mds/ceph-a/keyring
  ceph-mds -c $CONF -i a --keyring $C/mds/ceph-a/keyring
  ceph_ osd pool create cephfs_metadata 16 16
  ceph_ osd pool create cephfs_data 32 32
  for p in cephfs_metadata cephfs_data; do ceph_ osd pool set $p size 1 --yes-i-really-mean-it; done
  ceph_ fs new cephfs cephfs_metadata cephfs_data
  ceph_ fs set cephfs session_timeout 30   # min 30; dead client locks released after ~30s+ instead of 60s+
  for i in $(seq 1 240); do ceph_ mds stat 2>/dev/null | grep -q 'up:active' && break; sleep 0.25; done
  pgs_clean() { # all PGs of all pools active+clean, as seen by the mgr
    local exp; exp=$(ceph_ osd pool ls detail -f json | python3 -c 'import json,sys; print(sum(p["pg_num"] for p in json.load(sys.stdin)))')
    ceph_ pg stat -f json 2>/dev/null | python3 -c 'import json,sys; d=json.load(sys.stdin); d=d.get("pg_summary",d); ok=sum(s["num"] for s in d.get("num_pg_by_state",[]) if s["name"]=="active+clean"); sys.exit(0 if ok=='"$exp"' else 1)'; }
  for i in $(seq 1 240); do pgs_clean && break; sleep 0.25; done
  ceph-fuse -c $CONF -n client.admin $C/mnt >/dev/null
  for i in $(seq 1 50); do mountpoint -q $C/mnt && break; sleep 0.1; done
  ;;
down)
  # order matters: clients first (while MDS is alive), then mds, osd, mgr, mon
  for m in $(findmnt -rn -t fuse.ceph-fuse -o TARGET); do umount $m || umount -l $m; done
  alive() { local st; st=$(ps -o stat= -p $1 2>/dev/null) || return 1; [[ $st != Z* ]]; }  # zombie = gone (PID 1 here does not reap)
  stopwait() { local p=$1; kill $p 2>/dev/null || return 0
    for i in $(seq 1 50); do alive $p || return 0; sleep 0.2; done; kill -9 $p 2>/dev/null || true; }
  for p in $(ps -eo pid=,args= | awk -v c="$CONF" '$2=="ceph-fuse" && index($0,c){print $1}'); do stopwait $p; done
  for d in mds.a osd.0 mgr.x mon.a; do [ -f $C/run/$d.pid ] && stopwait $(cat $C/run/$d.pid); done
  ;;
esac
