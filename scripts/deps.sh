#!/usr/bin/env bash
# Installs the Debian packages cbsd needs (idempotent); "deps.sh test" adds
# what the tests run for real: GlusterFS, Ceph, btrfs, QEMU.
set -euo pipefail
pkgs=(runc busybox-static debootstrap iproute2 bsdutils ca-certificates util-linux xz-utils zstd openssl)
if [ "${1:-}" = test ]; then
	pkgs+=(glusterfs-server glusterfs-client btrfs-progs rsync ceph ceph-fuse ceph-mds uuid-runtime
		qemu-system-x86 qemu-utils kmod tmux zsh)
fi
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
	echo "installing: ${missing[*]}"
	apt-get -o DPkg::Lock::Timeout=300 update -qq
	DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
command -v go >/dev/null || { echo "Go 1.26 or newer is required (https://go.dev/dl)"; exit 1; }
