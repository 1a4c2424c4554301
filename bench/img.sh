#!/usr/bin/env bash
# Export and import throughput of one environment with SIZE MiB of data
# (half random, half compressible text), side by side in one hyperfine run:
#   cbsd jexport compress=zstd     vs  tar -c | zstd -3 -T0 > file
#   cbsd jexport compress=LEVEL    vs  tar -c | xz -LEVELe -T0 > file   (CBSD's own pipeline)
#   cbsd jimport (zstd image)      vs  zstd -d -c file | tar -x
#   cbsd jimport (xz image)        vs  xz -d -c file | tar -x
# cbsd writes CBSD's .img format around the same tar and compressor.
# Usage (root): bash bench/img.sh [SIZE_MiB=1024] [RUNS=3] [XZ_LEVEL=1|none]
# BENCH_DIR=/dev/shm puts everything on tmpfs (no disk writeback in the
# timings: what is left is the tools' and cbsd's own work).
# (xz -6e, CBSD's default, manages about 2 MiB/s on two cores: level 1
# keeps runs to minutes; "none" leaves xz out.)
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE=${1:-1024}; RUNS=${2:-3}; XZL=${3:-1}
for t in hyperfine tar zstd xz; do
	command -v $t >/dev/null || { echo "missing $t: apt-get install hyperfine tar zstd xz-utils"; exit 1; }
done
bash scripts/build.sh >/dev/null
B=$(mktemp -d "${BENCH_DIR:-/var/tmp}/cbsd-bench-img.XXXXXX")
trap 'rm -rf "$B"' EXIT
export workdir=$B/w
CBSD=$(pwd)/bin/cbsd
$CBSD initenv workdir=$workdir nodename=bench initenv_modify_rcconf=0 inter=0 >/dev/null
$CBSD mkbase ver=busybox >/dev/null
$CBSD jcreate jname=big ver=busybox ip4_addr=0 >/dev/null
D=$workdir/jails-data/big-data/root/fill
mkdir -p $D
half=$((SIZE / 2))
echo "writing ${SIZE} MiB of data..." >&2
for i in $(seq 1 $((half / 16))); do head -c 16M /dev/urandom > $D/rand.$i; done
for i in $(seq 1 $((half / 16))); do head -c 12M /dev/urandom | base64 -w 100 > $D/text.$i; done
sync
PARENT=$workdir/jails-data
OUT=$B/out; mkdir -p $OUT $B/x
# Images to import, made once.
$CBSD jexport jname=big compress=zstd dstdir=$B imgname=big-zstd.img --quiet >/dev/null
tar -c -f - --numeric-owner --format=gnu --sparse -C $PARENT big-data | zstd -3 -T0 -q -c > $B/plain.tar.zst
EXP=(-n "cbsd jexport zstd" "$CBSD jexport jname=big compress=zstd dstdir=$OUT imgname=e.img --quiet"
	-n "tar | zstd" "bash -c 'tar -c -f - --numeric-owner --format=gnu --sparse -C $PARENT big-data | zstd -3 -T0 -q -c > $OUT/e.tar.zst'")
IMP=(-n "cbsd jimport zstd" "$CBSD jimport jname=$B/big-zstd.img new_jname=imp --quiet"
	-n "zstd -d | tar -x" "bash -c 'zstd -d -c -q $B/plain.tar.zst | tar -x -p -f - --numeric-owner -C $B/x'")
if [ "$XZL" != none ]; then
	$CBSD jexport jname=big compress=$XZL dstdir=$B imgname=big-xz.img --quiet >/dev/null
	tar -c -f - --numeric-owner --format=gnu --sparse -C $PARENT big-data | xz -${XZL}e -T0 -c > $B/plain.tar.xz
	EXP+=(-n "cbsd jexport xz-$XZL" "$CBSD jexport jname=big compress=$XZL dstdir=$OUT imgname=e.img --quiet"
		-n "tar | xz -${XZL}e" "bash -c 'tar -c -f - --numeric-owner --format=gnu --sparse -C $PARENT big-data | xz -${XZL}e -T0 -c > $OUT/e.tar.xz'")
	IMP+=(-n "cbsd jimport xz-$XZL" "$CBSD jimport jname=$B/big-xz.img new_jname=imp --quiet"
		-n "xz -d | tar -x" "bash -c 'xz -d -c -T0 $B/plain.tar.xz | tar -x -p -f - --numeric-owner -C $B/x'")
fi
# Before each run the previous output is removed and everything written
# so far is synced: neither deleting nor flushing the last run's gigabyte
# is part of the work measured.
hyperfine -N --style basic --runs "$RUNS" --export-json $B/export.json --prepare "bash -c 'rm -f $OUT/*; sync'" "${EXP[@]}" >&2
hyperfine -N --style basic --runs "$RUNS" --export-json $B/import.json \
	--prepare "bash -c '$CBSD jremove imp >/dev/null 2>&1; rm -rf $B/x; mkdir $B/x; sync'" "${IMP[@]}" >&2
$CBSD jremove imp >/dev/null 2>&1 || true

python3 - $B $SIZE <<'PY'
import json, statistics, sys, os
B, size = sys.argv[1], int(sys.argv[2])
def med(f):
    return {r["command"]: statistics.median(r["times"]) for r in json.load(open(f))["results"]}
e, i = med(B + "/export.json"), med(B + "/import.json")
xz = f", xz {os.path.getsize(B+'/big-xz.img')/2**20:.0f} MiB" if os.path.exists(B+'/big-xz.img') else ""
print(f"{size} MiB of data; images: zstd {os.path.getsize(B+'/big-zstd.img')/2**20:.0f} MiB{xz}")
print()
print("| operation | cbsd s | plain pipeline s | cbsd MiB/s | ratio |")
print("|---|---:|---:|---:|---:|")
pairs = [("export, zstd", e, "cbsd jexport zstd", "tar | zstd")]
pairs += [("import, zstd", i, "cbsd jimport zstd", "zstd -d | tar -x")]
if "xz -d | tar -x" in i:
    pairs += [("export, xz", e, [k for k in e if k.startswith("cbsd jexport xz")][0], [k for k in e if k.startswith("tar | xz")][0])]
    pairs += [("import, xz", i, [k for k in i if k.startswith("cbsd jimport xz")][0], "xz -d | tar -x")]
for name, d, c, p in pairs:
    print(f"| {name} | {d[c]:.2f} | {d[p]:.2f} | {size/d[c]:.0f} | {d[c]/d[p]:.2f}x |")
PY
