#!/usr/bin/env bash
# jls latency with 10 and with 1,000 registered jails (inventory rows plus
# their directories; none running), side by side in one hyperfine run.
# Usage (root): bash bench/jls.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-30}
command -v hyperfine >/dev/null || { echo "missing hyperfine: apt-get install hyperfine"; exit 1; }
bash scripts/build.sh >/dev/null
CBSD=$(pwd)/bin/cbsd
B=$(mktemp -d /tmp/cbsd-bench-jls.XXXXXX)
trap 'rm -rf "$B"' EXIT
for n in 10 1000; do
	w=$B/w$n
	$CBSD initenv workdir=$w nodename=bench initenv_modify_rcconf=0 inter=0 nodeippool=10.200.0.0/16 >/dev/null
	for i in $(seq 1 $n); do echo "jname=j$i ver=empty ip4_addr=DHCP"; done |
		xargs -P 2 -L 1 env workdir=$w $CBSD jcreate >/dev/null
	echo "w$n: $(env workdir=$w $CBSD jls header=0 | wc -l) jails" >&2
done
hyperfine -N --style basic --warmup 3 --runs "$RUNS" --export-json $B/jls.json \
	-n "jls, 10 jails" "$CBSD jls workdir=$B/w10" \
	-n "jls, 1000 jails" "$CBSD jls workdir=$B/w1000" >&2
python3 - $B/jls.json <<'PY'
import json, statistics, sys
res = json.load(open(sys.argv[1]))["results"]
med = [statistics.median(r["times"]) * 1000 for r in res]
print("| case | median ms | mean ms |")
print("|---|---:|---:|")
for r, m in zip(res, med):
    print(f"| {r['command']} | {m:.2f} | {r['mean']*1000:.2f} |")
print(f"\nratio 1000/10 (median): {med[1]/med[0]:.2f}x")
PY
