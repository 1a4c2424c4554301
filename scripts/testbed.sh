#!/bin/sh
# Boots a bed of QEMU guests for debugging (see test/testbed) and runs
# shell commands in them: each input line "N command" runs on node N.
# Ctrl-D or Ctrl-C tears the bed down. Needs root.
#   scripts/testbed.sh [-nodes 2] [-mem 512] [-file SRC:DST]...
#   e.g. scripts/testbed.sh -nodes 3 -file "$(pwd)/cbsd:/usr/local/bin/cbsd"
set -eu
cd "$(dirname "$0")/.."
exec go run ./test/testbed/cmd/testbed "$@"
