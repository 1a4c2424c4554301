#!/usr/bin/env bash
# Runs every test: unit, CLI (testscript) and, as root, the integration
# tests with real runc, namespaces and debootstrap. The FreeBSD code is
# vetted and its release binaries are built first.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" = 0 ]; then bash scripts/deps.sh test; fi
export CGO_ENABLED=0
gofmt_out=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
[ -z "$gofmt_out" ] || { echo "gofmt needed:"; echo "$gofmt_out"; exit 1; }
go vet ./...
GOOS=freebsd go build ./...
GOOS=freebsd go vet ./...
bash scripts/build.sh release
# The build with the embedded forms (build.sh put cbsd-tui in place).
go vet -tags tuiembed ./internal/cli ./cmd/cbsd
GOOS=freebsd go vet -tags tuiembed ./internal/cli ./cmd/cbsd
go test -count=1 -timeout 20m "$@" ./...
