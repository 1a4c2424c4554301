#!/bin/busybox sh
# /init of a testbed guest. The kernel command line configures it:
#   tb.name=node1                 hostname
#   tb.ip=10.240.7.1/24           address of eth0
#   tb.hosts=node1=10.240.7.1,... /etc/hosts entries
# It starts the agent (/bin/tbagent) and keeps a shell on the console.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
# pivot_root(2), which runc needs, refuses the initramfs itself: move the
# whole tree onto a tmpfs first and start again from there.
if [ ! -e /.tbroot ]; then
	/bin/busybox mkdir /newroot
	/bin/busybox mount -t tmpfs -o mode=0755 root /newroot
	for f in /*; do [ "$f" = /newroot ] || /bin/busybox cp -a "$f" /newroot/; done
	/bin/busybox touch /newroot/.tbroot
	exec /bin/busybox switch_root /newroot /init
fi
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mkdir -p /dev/pts /dev/shm /sys/fs/cgroup
mount -t devpts devpts /dev/pts
mount -t tmpfs shm /dev/shm
mount -t tmpfs run /run
mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null
for x in $(cat /proc/cmdline); do
	case $x in
	tb.name=*) name=${x#*=} ;;
	tb.ip=*) ip=${x#*=} ;;
	tb.hosts=*) hosts=${x#*=} ;;
	esac
done
hostname "${name:-guest}"
echo "127.0.0.1 localhost" > /etc/hosts
for h in $(echo "$hosts" | tr , ' '); do echo "${h#*=} ${h%%=*}" >> /etc/hosts; done
for m in virtio_pci virtio_net virtio_console; do modprobe $m; done
ip link set lo up
if [ -n "$ip" ]; then
	i=0; while [ ! -e /sys/class/net/eth0 ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done
	ip addr add "$ip" dev eth0 && ip link set eth0 up
fi
/bin/tbagent </dev/null >/dev/console 2>&1 &
echo "TESTBED-READY $name $(uname -r)"
while true; do setsid cttyhack sh; sleep 1; done
