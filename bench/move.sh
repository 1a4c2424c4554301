#!/usr/bin/env bash
# Zero-copy move of a jail between two nodes on shared storage, against
# copying its data with rsync -a. Two workdirs on this machine stand for two
# nodes; a GlusterFS volume (glusterd on 127.0.0.1) holds jails-rcconf and
# each jail's data/system/fstab directories, mounted by the shipped hooks.
# A move = junregister on one node + jregister + jstart on the other.
# Usage (root): bash bench/move.sh "100 1000"   (data sizes in MB; needs
# glusterfs-server glusterfs-client rsync)
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=${1:-"100 1000"}
RUNS=${RUNS:-5}
for t in glusterd gluster rsync; do command -v $t >/dev/null || { echo "missing $t: apt-get install glusterfs-server glusterfs-client rsync"; exit 1; }; done
bash scripts/build.sh >/dev/null
CBSD=$(pwd)/bin/cbsd
B=$(mktemp -d /var/tmp/cbsd-bench-move.XXXXXX)
VOL=cbsdbench$$
HOSTN=cbsdgl
started_glusterd=0
cleanup() {
	set +e
	for n in n1 n2; do workdir=$B/$n $CBSD jstop jname='*' >/dev/null 2>&1; done
	findmnt -rn -o TARGET | grep "^$B/" | sort -r | while read -r m; do umount "$m" 2>/dev/null || umount -l "$m"; done
	gluster --mode=script volume stop $VOL force >/dev/null 2>&1
	gluster --mode=script volume delete $VOL >/dev/null 2>&1
	if [ $started_glusterd = 1 ]; then
		for f in /run/gluster/*/*.pid /run/gluster/*.pid /run/glusterd.pid; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null; done
	fi
	rm -rf "$B"
}
trap cleanup EXIT
grep -q " $HOSTN\$" /etc/hosts || echo "127.0.0.1 $HOSTN" >> /etc/hosts
grep -q 'transport.socket.bind-address' /etc/glusterfs/glusterd.vol ||
	sed -i 's/^\(\s*option transport-type socket\)$/\1\n    option transport.socket.bind-address 127.0.0.1/' /etc/glusterfs/glusterd.vol
if ! gluster --mode=script volume list >/dev/null 2>&1; then
	mkdir -p /run/gluster; glusterd -p /run/glusterd.pid; started_glusterd=1
	for i in $(seq 1 100); do gluster --mode=script volume list >/dev/null 2>&1 && break; sleep 0.1; done
fi
mkdir -p $B/brick $B/root
gluster --mode=script volume create $VOL $HOSTN:$B/brick/b force >/dev/null
gluster --mode=script volume set $VOL performance.stat-prefetch off >/dev/null
gluster --mode=script volume start $VOL >/dev/null
mount -t glusterfs 127.0.0.1:/$VOL $B/root && sleep 0.3 && mkdir -p $B/root/rcconf && umount $B/root
for n in n1 n2; do
	export workdir=$B/$n
	$CBSD initenv workdir=$workdir nodename=$n initenv_modify_rcconf=0 inter=0 >/dev/null
	$CBSD mkbase ver=busybox >/dev/null
	mount -t glusterfs 127.0.0.1:/$VOL/rcconf $workdir/jails-rcconf
	printf 'GLUSTER_SERVER=127.0.0.1\nGLUSTER_VOLUME=%s\n' $VOL > $workdir/etc/env_start_glusterfs.conf
done
H=$B/n1/share/examples/env_start/glusterfs
ms() { echo $(( $(date +%s%N) / 1000000 )); }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

echo "| data | move: junregister + jregister + jstart (median ms) | rsync -a to another directory (median ms) |"
echo "|---:|---:|---:|"
for size in $SIZES; do
	j=mv$size
	export workdir=$B/n1
	$CBSD jcreate jname=$j ver=busybox ip4_addr=0 mnt_start=$H/env_start_glusterfs.sh mnt_stop=$H/env_stop_glusterfs.sh >/dev/null
	dd if=/dev/urandom of=$workdir/jails-data/$j-data/root/blob bs=1M count=$size status=none
	sum=$(sha256sum < $workdir/jails-data/$j-data/root/blob)
	# rsync baseline from the same (mounted) data
	rs=()
	for r in $(seq 1 3); do
		rm -rf $B/rsync-dst; s=$(ms); rsync -a $workdir/jails-data/$j-data/ $B/rsync-dst/; rs+=($(( $(ms) - s )))
	done
	rm -rf $B/rsync-dst
	$CBSD jstart $j >/dev/null; $CBSD jstop $j >/dev/null
	from=n1; to=n2; mv=()
	for r in $(seq 1 $RUNS); do
		s=$(ms)
		workdir=$B/$from $CBSD junregister jname=$j >/dev/null
		workdir=$B/$to $CBSD jregister jname=$j >/dev/null
		workdir=$B/$to $CBSD jstart $j >/dev/null
		mv+=($(( $(ms) - s )))
		got=$(workdir=$B/$to $CBSD jexec jname=$j sha256sum /root/blob | cut -d' ' -f1)
		[ "$got  -" = "$sum" ] || [ "$got" = "${sum%% *}" ] || { echo "data differs after the move"; exit 1; }
		workdir=$B/$to $CBSD jstop $j >/dev/null
		tmp=$from; from=$to; to=$tmp
	done
	echo "| ${size} MB | $(printf '%s\n' "${mv[@]}" | median) | $(printf '%s\n' "${rs[@]}" | median) |"
	workdir=$B/$from $CBSD jstop $j >/dev/null 2>&1 || true
done
