#!/usr/bin/env bash
# Builds the static cbsd binary into ./bin/cbsd (jails run it as their init,
# so it must not need a C library: CGO_ENABLED=0). "build.sh release" also
# cross-builds the release binaries into ./bin/release: cbsd-<os>-<arch> for
# FreeBSD and Linux on amd64 and arm64, with SHA256SUMS.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bin
export CGO_ENABLED=0
go build -trimpath -o bin/cbsd ./cmd/cbsd
echo "built $(pwd)/bin/cbsd"
if [ "${1:-}" = release ]; then
	rm -rf bin/release && mkdir -p bin/release
	for target in freebsd/amd64 freebsd/arm64 linux/amd64 linux/arm64; do
		out=bin/release/cbsd-${target%/*}-${target#*/}
		GOOS=${target%/*} GOARCH=${target#*/} go build -trimpath -ldflags=-s -o "$out" ./cmd/cbsd
	done
	(cd bin/release && sha256sum cbsd-* > SHA256SUMS)
	echo "built $(pwd)/bin/release:"; ls -l bin/release | tail -n +2
fi
