#!/bin/bash
# Builds a tiny VM guest from Debian packages only: the kernel of
# linux-image-amd64 (apt-get download + dpkg-deb) and a busybox initramfs
# with acpid (an ACPI power-button press powers it off) and virtio network
# and block drivers; cbsd.ip=A.B.C.D/N on the kernel command line sets eth0.
# usage: mkguest.sh OUTDIR   -> OUTDIR/vmlinuz OUTDIR/initrd.gz
set -euo pipefail
out=$1
mkdir -p "$out"
[ -s "$out/vmlinuz" ] && [ -s "$out/initrd.gz" ] && exit 0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/{print $2; exit}')
(cd "$work" && apt-get download "$pkg" >/dev/null 2>&1)
dpkg-deb -x "$work"/linux-image-*.deb "$work/k"
kver=$(ls "$work/k/lib/modules")
cp "$work/k/boot/vmlinuz-$kver" "$out/vmlinuz"
r=$work/root
mkdir -p "$r"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,etc/acpi/PWRF,lib/modules,mnt}
cp "$(command -v busybox)" "$r/bin/busybox"
# modules with their dependencies, in load order (numbered)
depmod -b "$work/k" "$kver"
i=10
for m in button evdev virtio_pci virtio_net virtio_blk; do
	for f in $(modprobe -d "$work/k" -S "$kver" --show-depends "$m" | awk '$1=="insmod"{print $2}'); do
		b=$(basename "$f")
		ls "$r/lib/modules/"*-"$b" >/dev/null 2>&1 && continue
		cp "$f" "$r/lib/modules/$i-$b"
		i=$((i + 1))
	done
done
cat > "$r/etc/acpi/PWRF/00000080" <<'SH'
#!/bin/sh
echo CBSD-GUEST-POWEROFF > /dev/console
sync
poweroff -f
SH
chmod +x "$r/etc/acpi/PWRF/00000080"
cat > "$r/init" <<'SH'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in /lib/modules/*.ko; do [ -f "$m" ] && insmod "$m" 2>/dev/null; done
i=0; while [ ! -e /dev/input/event0 ] && [ $i -lt 40 ]; do sleep 0.05; i=$((i+1)); done
acpid -c /etc/acpi -l /tmp/acpid.log
for x in $(cat /proc/cmdline); do
	case $x in
	cbsd.marker=*) marker=${x#cbsd.marker=} ;;
	cbsd.ip=*) ip=${x#cbsd.ip=} ;;
	cbsd.showdisk=1) showdisk=1 ;;
	cbsd.halt=1) halt=1 ;;
	esac
done
ip link set lo up
if [ -n "$ip" ]; then
	i=0; while [ ! -e /sys/class/net/eth0 ] && [ $i -lt 40 ]; do sleep 0.05; i=$((i+1)); done
	ip link set eth0 up && ip addr add "$ip" dev eth0
fi
if [ -n "$showdisk" ]; then
	i=0; while [ ! -e /dev/vda ] && [ $i -lt 40 ]; do sleep 0.05; i=$((i+1)); done
	echo "DISK:$(head -c 24 /dev/vda)"
fi
echo "${marker:-CBSD-GUEST-READY} $(uname -r)"
[ -n "$halt" ] && { sleep 1; poweroff -f; }
while true; do setsid cttyhack sh; sleep 1; done
SH
chmod +x "$r/init"
(cd "$r" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1 > "$out/initrd.gz")
