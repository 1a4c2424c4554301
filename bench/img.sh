#!/usr/bin/env bash
# Export and import throughput of one environment with SIZE MiB of data
# (half random, half compressible text), cbsd and the plain pipeline timed
# alternately, RUNS times each:
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
for t in python3 tar zstd xz; do
	command -v $t >/dev/null || { echo "missing $t: apt-get install python3 tar zstd xz-utils"; exit 1; }
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
# Before each timed command the previous output is removed and everything
# written so far is synced: neither deleting nor flushing the last run's
# gigabyte is part of the work measured. cbsd and the plain pipeline run
# alternately (bench/pairs.py), so drift hits both alike.
EXPREP="rm -f $OUT/*; sync"
IMPREP="$CBSD jremove imp >/dev/null 2>&1; rm -rf $B/x; mkdir $B/x; sync"
PAIRS=("export, zstd" "$EXPREP" "$CBSD jexport jname=big compress=zstd dstdir=$OUT imgname=e.img --quiet"
	"tar -c -f - --numeric-owner --format=gnu --sparse -C $PARENT big-data | zstd -3 -T0 -q -c > $OUT/e.tar.zst"
	"import, zstd" "$IMPREP" "$CBSD jimport jname=$B/big-zstd.img new_jname=imp --quiet"
	"zstd -d -c -q $B/plain.tar.zst | tar -x -p -f - --numeric-owner -C $B/x")
if [ "$XZL" != none ]; then
	$CBSD jexport jname=big compress=$XZL dstdir=$B imgname=big-xz.img --quiet >/dev/null
	tar -c -f - --numeric-owner --format=gnu --sparse -C $PARENT big-data | xz -${XZL}e -T0 -c > $B/plain.tar.xz
	PAIRS+=("export, xz -${XZL}e" "$EXPREP" "$CBSD jexport jname=big compress=$XZL dstdir=$OUT imgname=e.img --quiet"
		"tar -c -f - --numeric-owner --format=gnu --sparse -C $PARENT big-data | xz -${XZL}e -T0 -c > $OUT/e.tar.xz"
		"import, xz -${XZL}e" "$IMPREP" "$CBSD jimport jname=$B/big-xz.img new_jname=imp --quiet"
		"xz -d -c -T0 $B/plain.tar.xz | tar -x -p -f - --numeric-owner -C $B/x")
fi
python3 bench/pairs.py "$RUNS" $B/times.json "${PAIRS[@]}" > $B/pairs.tsv
$CBSD jremove imp >/dev/null 2>&1 || true

xz=""
[ -f $B/big-xz.img ] && xz=", xz $(( $(stat -c %s $B/big-xz.img) / 1048576 )) MiB"
echo "${SIZE} MiB of data; images: zstd $(( $(stat -c %s $B/big-zstd.img) / 1048576 )) MiB$xz; $RUNS runs, cbsd and the plain pipeline alternating"
echo
echo "| operation | cbsd s | plain pipeline s | cbsd MiB/s | ratio (median of runs) | ratio range | fastest: cbsd / plain s |"
echo "|---|---:|---:|---:|---:|---:|---:|"
while IFS=$'\t' read -r name a b ratio range mina minb; do
	echo "| $name | $a | $b | $(python3 -c "print(round($SIZE / $a))") | ${ratio}x | $range | $mina / $minb |"
done < $B/pairs.tsv
