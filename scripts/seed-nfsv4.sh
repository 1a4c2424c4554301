#!/usr/bin/env bash
# Runs the seed's NFSv4 scenario end to end on three QEMU guests
# (test/seed, TestSeedNFSv4): node3 serves /nfs with the kernel nfsd,
# node1 and node2 run cbsd with the shipped env_start_nfs.sh hooks and
# migrate jail1 with junregister/jregister. Installs what it needs first,
# prints each step and exits 0 only if the test ran and passed (a skip,
# e.g. not root, is a failure here). Needs root.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "seed-nfsv4: needs root (bridge, taps, QEMU)"; exit 1; }
pkgs=(qemu-system-x86 busybox-static runc kmod xz-utils util-linux)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
	echo "seed-nfsv4: installing ${missing[*]}"
	apt-get -o DPkg::Lock::Timeout=300 update -qq
	DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
command -v go >/dev/null || { echo "seed-nfsv4: Go 1.26 or newer is required"; exit 1; }
log=$(mktemp)
trap 'rm -f "$log"' EXIT
echo "seed-nfsv4: go test -count=1 -v -run TestSeedNFSv4 ./test/seed/"
rc=0
go test -count=1 -v -timeout 15m -run 'TestSeedNFSv4$' ./test/seed/ 2>&1 | tee "$log" || rc=$?
if [ "$rc" -ne 0 ] || ! grep -q -- '^--- PASS: TestSeedNFSv4 ' "$log"; then
	echo "seed-nfsv4: FAILED (or skipped)"
	exit 1
fi
echo "seed-nfsv4: all steps passed"
