#!/usr/bin/env bash
# VM start-to-serial-marker and ACPI stop: cbsd bstart/bstop against plain
# qemu-system-x86_64 with the same command line (bstart dryrun=1), a guest
# built from Debian packages (kernel + busybox initramfs with acpid).
# Usage (root): bash bench/vm.sh [runs]   (needs qemu-system-x86 busybox-static kmod python3)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-5}
bash scripts/build.sh >/dev/null
CBSD=$(pwd)/bin/cbsd
G=/tmp/cbsd-test-guest
bash test/integration/testdata/mkguest.sh $G
B=$(mktemp -d /tmp/cbsd-bench-vm.XXXXXX)
export workdir=$B/w
trap '$CBSD bstop vm1 >/dev/null 2>&1 || true; rm -rf "$B"' EXIT
$CBSD initenv workdir=$workdir nodename=bench initenv_modify_rcconf=0 inter=0 >/dev/null
$CBSD bcreate jname=vm1 vm_ram=256m vm_kernel=$G/vmlinuz vm_initrd=$G/initrd.gz \
	vm_cmdline="console=ttyS0 quiet panic=-1 cbsd.marker=BENCH-UP" >/dev/null
ms() { echo $(( $(date +%s%N) / 1000000 )); }
wait_marker() { # file marker-count
	until n=$(grep -a -c BENCH-UP "$1" 2>/dev/null); [ "${n:-0}" -ge "$2" ]; do sleep 0.02; done
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
log=$workdir/var/log/vm1.console.log
cs=(); cp=()
for i in $(seq 1 $RUNS); do
	s=$(ms); $CBSD bstart vm1 >/dev/null; wait_marker $log $i; cs+=($(( $(ms) - s )))
	s=$(ms); $CBSD bstop vm1 >/dev/null; cp+=($(( $(ms) - s )))
done
# plain QEMU, same argv, its own console log
eval "argv=($($CBSD bstart jname=vm1 dryrun=1))"
plog=$B/plain.console.log
qmp=$B/plain.qmp
sock=$B/plain.con
for i in "${!argv[@]}"; do
	argv[$i]=${argv[$i]//$log/$plog}
	argv[$i]=${argv[$i]//$workdir\/jails-system\/vm1\/qmp.sock/$qmp}
	argv[$i]=${argv[$i]//$workdir\/jails-system\/vm1\/console.sock/$sock}
done
ps_=(); pp=()
for i in $(seq 1 $RUNS); do
	s=$(ms); "${argv[@]}" >/dev/null 2>&1 & q=$!; wait_marker $plog $i; ps_+=($(( $(ms) - s )))
	s=$(ms)
	python3 - "$qmp" <<'PY'
import json, socket, sys, time
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); f = s.makefile("rw")
f.readline(); f.write('{"execute":"qmp_capabilities"}\n'); f.flush(); f.readline()
s.settimeout(0.01)
while True:  # press the button, then watch for QEMU closing QMP (3 s, then press again)
    try:
        s.sendall(b'{"execute":"system_powerdown"}\n')
    except OSError:
        break
    end, gone = time.time() + 3, False
    while time.time() < end:
        try:
            if s.recv(4096) == b"":
                gone = True
                break
        except socket.timeout:
            pass
        except OSError:
            gone = True
            break
    if gone:
        break
PY
	wait $q || true
	pp+=($(( $(ms) - s )))
done
echo "| | start to serial marker (median ms) | ACPI stop (median ms) |"
echo "|---|---:|---:|"
echo "| cbsd bstart / bstop | $(printf '%s\n' "${cs[@]}" | median) | $(printf '%s\n' "${cp[@]}" | median) |"
echo "| plain qemu-system-x86_64, same argv | $(printf '%s\n' "${ps_[@]}" | median) | $(printf '%s\n' "${pp[@]}" | median) |"
