#!/usr/bin/env bash
# Builds the static cbsd binary into ./bin/cbsd (jails run it as their init,
# so it must not need a C library: CGO_ENABLED=0).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bin
CGO_ENABLED=0 go build -trimpath -o bin/cbsd ./cmd/cbsd
echo "built $(pwd)/bin/cbsd"
