#!/usr/bin/env python3
"""Times pairs of commands run alternately, so that a machine that drifts
(another tenant, page-cache or memory pressure) slows both sides of a pair
alike instead of the side that happened to run last.

    pairs.py RUNS OUT.json NAME PREPARE CMD_A CMD_B [NAME PREPARE CMD_A CMD_B ...]

After one untimed round, each run times, for every pair, CMD_A and CMD_B
once each (which goes first alternates from run to run), each after
PREPARE (not timed). Commands are run with /bin/sh -c; a failing command
stops the benchmark. OUT.json gets every time, stderr one line per pair
and run; stdout one line per pair: the medians, the median of the per-run
ratios A/B, the range of those ratios and the fastest times.
"""
import json
import statistics
import subprocess
import sys
import time


def run(cmd, timed):
    start = time.perf_counter()
    p = subprocess.run(["/bin/sh", "-c", cmd], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if p.returncode != 0:
        sys.exit(f"failed ({p.returncode}): {cmd}\n{p.stderr.decode(errors='replace')}")
    return elapsed if timed else None


def main():
    runs, out, rest = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
    if len(rest) == 0 or len(rest) % 4:
        sys.exit(__doc__)
    pairs = [rest[i:i + 4] for i in range(0, len(rest), 4)]
    times = {name: {"a": [], "b": []} for name, _, _, _ in pairs}
    # One untimed round first: caches, and both sides known to work.
    for name, prepare, a, b in pairs:
        for cmd in (a, b):
            run(prepare, False)
            run(cmd, False)
    for r in range(runs):
        for name, prepare, a, b in pairs:
            order = [("a", a), ("b", b)] if r % 2 == 0 else [("b", b), ("a", a)]
            for side, cmd in order:
                run(prepare, False)
                times[name][side].append(run(cmd, True))
            print(f"run {r + 1}/{runs} {name}: {times[name]['a'][-1]:.3f} s vs {times[name]['b'][-1]:.3f} s",
                  file=sys.stderr, flush=True)
    json.dump(times, open(out, "w"), indent=1)
    for name, _, _, _ in pairs:
        a, b = times[name]["a"], times[name]["b"]
        ratios = [x / y for x, y in zip(a, b)]
        print(f"{name}\t{statistics.median(a):.3f}\t{statistics.median(b):.3f}\t"
              f"{statistics.median(ratios):.3f}\t{min(ratios):.2f}-{max(ratios):.2f}\t{min(a):.3f}\t{min(b):.3f}")


if __name__ == "__main__":
    main()
