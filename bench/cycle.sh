#!/usr/bin/env bash
# Full container cycle on one busybox rootfs, side by side in one hyperfine
# run: create + start + exec + stop + remove, with
#   cbsd   jcreate / jstart / jexec / jstop / jremove (baserw=0, vnet=0)
#   runc   bundle dir + config.json / run -d / exec / kill / delete -f / rm
#   runc-layout  the same as runc, but each container gets what a baserw=0
#          jail gets: its own copy of etc root tmp home usr/local var,
#          bind-mounted read-write over the shared read-only base
#   lxc    config dir / lxc-start -d / lxc-attach / lxc-stop -k / rm
#   podman run -d --rootfs / exec / rm -f -t 0
# Usage (root): bash bench/cycle.sh [runs, default 50]   (needs: hyperfine runc lxc podman)
# BENCH_DIR=/some/dir puts the workdir, the bundles and the runtimes' state
# on that directory's filesystem (default /tmp).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-50}
for t in hyperfine runc lxc-start podman; do
	command -v $t >/dev/null || { echo "missing $t: apt-get install hyperfine runc lxc podman busybox-static"; exit 1; }
done
bash scripts/build.sh >/dev/null
B=$(mktemp -d "${BENCH_DIR:-/tmp}/cbsd-bench.XXXXXX")
# Raw runc keeps its state on the same filesystem as cbsd does (W/var/run/runc).
RUNC="runc --root $B/runc-state"
# podman leaves its storage's overlay directory mounted on itself.
cleanup() {
	set +e # nothing mounted is not a failure: the directory goes regardless
	# A cycle that failed half-way may have left its jail or containers up.
	[ -z "${CBSD:-}" ] || [ -z "${workdir:-}" ] || $CBSD jstop jname='*' >/dev/null 2>&1
	$RUNC delete -f rc >/dev/null 2>&1
	$RUNC delete -f rl >/dev/null 2>&1
	lxc-stop -P $B/lxc -n lc -k >/dev/null 2>&1
	findmnt -rn -o TARGET | grep "^$B/" | sort -r | xargs -r umount -l
	rm -rf "$B"
}
trap cleanup EXIT
export workdir=$B/w
CBSD=$(pwd)/bin/cbsd
$CBSD initenv workdir=$workdir nodename=bench initenv_modify_rcconf=0 inter=0 >/dev/null
$CBSD mkbase ver=busybox >/dev/null
ROOT=$workdir/basejail/base_amd64_amd64_busybox
mkdir -p $B/cycles $B/lxc $B/lxc-tmpl $B/podman
cp -a $ROOT $B/rootfs-podman

# runc bundle template: the same rootfs, read-only, sleeping init.
(cd $B && mkdir tmpl && cd tmpl && runc spec)
python3 - "$B/tmpl/config.json" "$ROOT" <<'PY'
import json, sys
p, root = sys.argv[1], sys.argv[2]
c = json.load(open(p))
c["process"]["args"] = ["/bin/sleep", "1000"]
c["process"]["terminal"] = False
c["root"] = {"path": root, "readonly": True}
json.dump(c, open(p, "w"))
PY
# Same layout as a cbsd baserw=0 jail: writable dirs bind-mounted from a data dir.
mkdir $B/tmpl-layout
python3 - "$B/tmpl/config.json" "$B/tmpl-layout/config.json" "$B/data-rl" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
for d in ["etc", "root", "tmp", "home", "usr/local", "var"]:
    c["mounts"].append({"destination": "/" + d, "type": "bind", "source": sys.argv[3] + "/" + d, "options": ["rbind", "rw"]})
json.dump(c, open(sys.argv[2], "w"))
PY
cat > $B/lxc-tmpl/config <<CONF
lxc.uts.name = bb
lxc.rootfs.path = dir:$ROOT
lxc.net.0.type = empty
lxc.init.cmd = /bin/sleep 1000
lxc.mount.auto = proc:mixed sys:ro
lxc.autodev = 1
lxc.apparmor.profile = unconfined
lxc.log.level = ERROR
CONF

cat > $B/cycles/cbsd.sh <<SH
set -e
export workdir=$workdir
$CBSD jcreate jname=b1 ver=busybox baserw=0 vnet=0 ip4_addr=0 >/dev/null
$CBSD jstart b1 >/dev/null
$CBSD jexec jname=b1 /bin/echo hi >/dev/null
$CBSD jstop b1 >/dev/null
$CBSD jremove b1 >/dev/null
SH
cat > $B/cycles/runc.sh <<SH
set -e
mkdir $B/bundle && cp $B/tmpl/config.json $B/bundle/
$RUNC run -d -b $B/bundle rc </dev/null >/dev/null 2>&1
$RUNC exec rc /bin/echo hi >/dev/null
$RUNC kill rc KILL
$RUNC delete -f rc
rm -rf $B/bundle
SH
cat > $B/cycles/runc-layout.sh <<SH
set -e
mkdir $B/data-rl && cd $ROOT && cp -a --parents etc root tmp home usr/local var $B/data-rl/
mkdir $B/bundle-rl && cp $B/tmpl-layout/config.json $B/bundle-rl/
$RUNC run -d -b $B/bundle-rl rl </dev/null >/dev/null 2>&1
$RUNC exec rl /bin/echo hi >/dev/null
$RUNC kill rl KILL
$RUNC delete -f rl
rm -rf $B/bundle-rl $B/data-rl
SH
cat > $B/cycles/lxc.sh <<SH
set -e
mkdir $B/lxc/lc && cp $B/lxc-tmpl/config $B/lxc/lc/config
lxc-start -P $B/lxc -n lc -d
lxc-attach -P $B/lxc -n lc -- /bin/echo hi >/dev/null
lxc-stop -P $B/lxc -n lc -k
rm -rf $B/lxc/lc
SH
P="podman --root $B/podman/root --runroot $B/podman/run --tmpdir $B/podman/tmp --runtime runc --cgroup-manager=cgroupfs --events-backend=file"
cat > $B/cycles/podman.sh <<SH
set -e
$P run -d --name pc --network=none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 --rootfs $B/rootfs-podman /bin/sleep 1000 >/dev/null
$P exec pc /bin/echo hi >/dev/null
$P rm -f -t 0 pc >/dev/null
SH
for s in cbsd runc runc-layout lxc podman; do bash $B/cycles/$s.sh || { echo "$s cycle failed"; exit 1; }; done

hyperfine -N --style basic --warmup 2 --runs "$RUNS" --export-json $B/cycle.json \
	-n cbsd "bash $B/cycles/cbsd.sh" -n runc "bash $B/cycles/runc.sh" -n runc-layout "bash $B/cycles/runc-layout.sh" \
	-n lxc "bash $B/cycles/lxc.sh" -n podman "bash $B/cycles/podman.sh" >&2

# The target ratios again, cbsd and runc cycles alternating (bench/pairs.py):
# drift of the machine between hyperfine's blocks of runs cannot favour
# either side.
python3 bench/pairs.py "$((2 * RUNS))" $B/pairs.json \
	"cbsd / runc" "true" "bash $B/cycles/cbsd.sh" "bash $B/cycles/runc.sh" \
	"cbsd / runc-layout" "true" "bash $B/cycles/cbsd.sh" "bash $B/cycles/runc-layout.sh" > $B/pairs.tsv

# Per-step medians of cbsd and runc, 15 cycles each.
python3 - $B $CBSD "$workdir" <<'PY'
import json, os, statistics, subprocess, sys, time
B, cbsd, w = sys.argv[1], sys.argv[2], sys.argv[3]
runc = ["runc", "--root", B + "/runc-state"]
env = dict(os.environ, workdir=w)
def t(argv, **kw):
    s = time.perf_counter(); subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kw); return (time.perf_counter() - s) * 1000
steps = {"cbsd": {}, "runc": {}}
def record(name, vals):
    for k, v in zip(["create", "start", "exec", "stop", "remove"], vals):
        steps[name].setdefault(k, []).append(v)
for i in range(17):
    c = [t([cbsd, "jcreate", "jname=s1", "ver=busybox", "baserw=0", "vnet=0", "ip4_addr=0"], env=env),
         t([cbsd, "jstart", "s1"], env=env), t([cbsd, "jexec", "jname=s1", "/bin/echo", "hi"], env=env),
         t([cbsd, "jstop", "s1"], env=env), t([cbsd, "jremove", "s1"], env=env)]
    if i >= 2: record("cbsd", c)
for i in range(17):
    r = [t(["sh", "-c", f"mkdir {B}/bundle2 && cp {B}/tmpl/config.json {B}/bundle2/"]),
         t(runc + ["run", "-d", "-b", B + "/bundle2", "rs"], stdin=subprocess.DEVNULL),
         t(runc + ["exec", "rs", "/bin/echo", "hi"]),
         t(["sh", "-c", f"{' '.join(runc)} kill rs KILL && {' '.join(runc)} delete -f rs"]), t(["rm", "-rf", B + "/bundle2"])]
    if i >= 2: record("runc", r)
res = json.load(open(B + "/cycle.json"))["results"]
med = {r["command"]: statistics.median(r["times"]) * 1000 for r in res}
mean = {r["command"]: r["mean"] * 1000 for r in res}
print("| tool | median ms | mean ms | median / runc | median / runc-layout |")
print("|---|---:|---:|---:|---:|")
for k in ["cbsd", "runc", "runc-layout", "lxc", "podman"]:
    print(f"| {k} | {med[k]:.1f} | {mean[k]:.1f} | {med[k]/med['runc']:.2f}x | {med[k]/med['runc-layout']:.2f}x |")
print()
print(f"Alternating runs ({len(json.load(open(B + '/pairs.json'))['cbsd / runc']['a'])} cycles of each):")
print()
print("| ratio | cbsd ms | other ms | median of per-run ratios | range |")
print("|---|---:|---:|---:|---:|")
for line in open(B + "/pairs.tsv"):
    name, a, b, r, rng, _, _ = line.rstrip("\n").split("\t")
    print(f"| {name} | {float(a)*1000:.1f} | {float(b)*1000:.1f} | {float(r):.2f}x | {rng} |")
print()
print("| step (median ms) | create | start | exec | stop | remove |")
print("|---|---:|---:|---:|---:|---:|")
for name in ("cbsd", "runc"):
    print(f"| {name} | " + " | ".join(f"{statistics.median(steps[name][k]):.1f}" for k in ["create", "start", "exec", "stop", "remove"]) + " |")
PY
