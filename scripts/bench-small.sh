#!/usr/bin/env bash
# Small crash-safe puts and verified gets (target: ≥ 2× pip's own cache), beside pip's own HTTP cache in the same run:
#   store  `artifact-store-bench small`: N bodies of SIZE bytes, each put durable when it
#          returns (blob fsynced and published, response row committed); then, in random order,
#          each URL's offline verdict and its body read back verified
#   pip    scripts/pip-cache-baseline.py: the same workload through cachecontrol's file
#          caches and pip's own SafeFileCache
# Target: >= 2x pip's cache for puts and for gets. Prints each run, then medians and ratios.
# Also: the same puts from THREADS threads (default 8) at once through one store handle, with and
# without group commit (reported, no target).
# Env: N (default 10000), SIZE (20000), ROUNDS (3), THREADS (8), BASELINE (the baseline script; default
#      scripts/pip-cache-baseline.py), SKIP_BUILD=1 to reuse the binary, BENCH=path/to/artifact-store-bench.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${N:-10000} size=${SIZE:-20000} rounds=${ROUNDS:-3} threads=${THREADS:-8}
baseline=${BASELINE:-scripts/pip-cache-baseline.py}
[ -f "$baseline" ] || { echo "bench-small: no baseline script at $baseline; set BASELINE=path/to/pip-cache-baseline.py" >&2; exit 64; }
python3 -c 'import pip' 2>/dev/null || { echo "bench-small: the baseline needs pip importable by python3" >&2; exit 64; }
if [ "${SKIP_BUILD:-0}" != 1 ]; then swift build -c release --product artifact-store-bench >&2; fi
bin=${BENCH:-$(swift build -c release --show-bin-path)/artifact-store-bench}
work=$(mktemp -d "${TMPDIR:-/tmp}/bench-small.XXXXXX")  # only this new directory is removed
trap 'rm -rf "$work"' EXIT

for round in $(seq "$rounds"); do
    sync
    "$bin" small --count "$n" --size "$size" --directory "$work/store-$round" | tee -a "$work/store.jsonl"
    rm -rf "$work/store-$round"
    python3 "$baseline" -n "$n" -s "$size" -r 1 -d "$work/pip" | grep '^{' | tee -a "$work/pip.jsonl"
    # Concurrent puts through one store handle, as serve's downloads make them: with group commit
    # (queued puts share one commit) and without, alternating which goes first.
    for mode in $([ $((round % 2)) = 1 ] && echo "group single" || echo "single group"); do
        flag=$([ "$mode" = single ] && echo --no-group-commit || true)
        "$bin" small --count "$n" --size "$size" --threads "$threads" $flag --directory "$work/threads-$round" | tee -a "$work/threads.jsonl"
        rm -rf "$work/threads-$round"
    done
done

python3 - "$work/store.jsonl" "$work/pip.jsonl" "$work/threads.jsonl" <<'PY'
import json, statistics, sys
store = [json.loads(line) for line in open(sys.argv[1])]
pip = [json.loads(line) for line in open(sys.argv[2])]
threaded = [json.loads(line) for line in open(sys.argv[3])]
median = statistics.median
puts, gets = median(r["putsPerSecond"] for r in store), median(r["getsPerSecond"] for r in store)
print(f"store: {puts:.0f} puts/s, {gets:.0f} gets/s (medians of {len(store)})")
for backend in sorted({r["backend"] for r in pip}):
    rows = [r for r in pip if r["backend"] == backend]
    bp, bg = median(r["puts_per_s"] for r in rows), median(r["gets_per_s"] for r in rows)
    print(f"pip {backend:>4}: {bp:.0f} puts/s, {bg:.0f} gets/s -> store is {puts / bp:.2f}x on puts, {gets / bg:.2f}x on gets")
# The one line every bench ends with. The ratios are against the `pip` backend, pip's own
# crash-safe cache (SafeFileCache: fsync and rename per put), the peer the store's crash-safe puts
# compare with; `sep` and `file` (cachecontrol's caches without fsync) are listed beside it.
baseline = {backend: {"puts_per_s": round(median(r["puts_per_s"] for r in pip if r["backend"] == backend)),
                      "gets_per_s": round(median(r["gets_per_s"] for r in pip if r["backend"] == backend))}
            for backend in sorted({r["backend"] for r in pip})}
peer = baseline["pip"]
figures = {"puts_per_s": round(puts), "gets_per_s": round(gets), "rounds": len(store),
           "puts_vs_pip": round(puts / peer["puts_per_s"], 2), "gets_vs_pip": round(gets / peer["gets_per_s"], 2)}
# Not held to a target: what group commit gives puts made at once (pip's cache has no such case).
grouped = median(r["putsPerSecond"] for r in threaded if r["groupCommit"])
single = median(r["putsPerSecond"] for r in threaded if not r["groupCommit"])
print(f"store, {threaded[0]['threads']} threads: {grouped:.0f} puts/s with group commit, {single:.0f} without ({grouped / single:.2f}x)")
figures.update({"threads": threaded[0]["threads"], "concurrent_puts_per_s": round(grouped),
                "concurrent_puts_per_s_without_group_commit": round(single), "group_commit_gain": round(grouped / single, 2)})
targets = {"puts_vs_pip": 2, "gets_vs_pip": 2}
met = {key: figures[key] >= target for key, target in targets.items()}
met["all"] = all(met.values())
print(json.dumps({"bench": "small", "figures": figures, "baseline": baseline, "targets": targets, "met": met}))
PY
