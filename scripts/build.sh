#!/usr/bin/env bash
# Builds the static cbsd binary into ./bin/cbsd ("build.sh -o PATH" puts it
# elsewhere). It embeds the full-screen forms (cmd/cbsd-tui, built first
# and run by initenv-tui, jconstruct-tui and bconstruct-tui), so that cbsd
# itself does not link the terminal libraries and every other command
# starts without them; on Linux also the jail helper (cmd/cbsd-helper: the
# supervisor and in-jail init of jails). Everything is built with
# CGO_ENABLED=0: jails run the helper, and must not need a C library.
# "build.sh release" also cross-builds the release binaries into
# ./bin/release: cbsd-<os>-<arch> for FreeBSD and Linux on amd64 and arm64,
# with SHA256SUMS.
set -euo pipefail
cd "$(dirname "$0")/.."
out=bin/cbsd
if [ "${1:-}" = -o ]; then
	out=$2
	shift 2
fi
export CGO_ENABLED=0
# The helper and the forms are built into the source tree and embedded from
# there: builds running at once (test harnesses) take turns.
exec 9<"$(pwd)/scripts"
if command -v flock >/dev/null; then flock 9; fi

# build_cbsd GOOS GOARCH OUT [LDFLAGS]
build_cbsd() {
	local goos=$1 goarch=$2 out=$3 ldflags=${4:-}
	if [ "$goos" = linux ]; then
		local dir=internal/runtime/oci/helperbin/$goos-$goarch h tmp
		h=$dir/cbsd-helper
		# A dot name until it is complete: go:embed skips it.
		tmp=$(mktemp "$dir/.build.XXXXXX")
		GOOS=$goos GOARCH=$goarch go build -trimpath -tags cbsdhelper -ldflags=-s -o "$tmp" ./cmd/cbsd-helper || { rm -f "$tmp"; return 1; }
		mv -f "$tmp" "$h"
		ldflags="$ldflags -X github.com/cbsdgo/cbsd/internal/runtime/oci.helperSum=$(sha256sum "$h" | cut -d' ' -f1)"
	fi
	local t=internal/cli/tuibin/cbsd-tui ttmp
	ttmp=$(mktemp internal/cli/tuibin/.build.XXXXXX)
	GOOS=$goos GOARCH=$goarch go build -trimpath -ldflags=-s -o "$ttmp" ./cmd/cbsd-tui || { rm -f "$ttmp"; return 1; }
	mv -f "$ttmp" "$t"
	GOOS=$goos GOARCH=$goarch go build -trimpath -tags tuiembed -ldflags="$ldflags" -o "$out" ./cmd/cbsd
}

mkdir -p "$(dirname "$out")"
build_cbsd "$(go env GOOS)" "$(go env GOARCH)" "$out"
echo "built $(cd "$(dirname "$out")" && pwd)/$(basename "$out")"
if [ "${1:-}" = release ]; then
	rm -rf bin/release && mkdir -p bin/release
	for target in freebsd/amd64 freebsd/arm64 linux/amd64 linux/arm64; do
		build_cbsd "${target%/*}" "${target#*/}" "bin/release/cbsd-${target%/*}-${target#*/}" -s
	done
	(cd bin/release && sha256sum cbsd-* > SHA256SUMS)
	echo "built $(pwd)/bin/release:"; ls -l bin/release | tail -n +2
fi
