#!/usr/bin/env bash
# Write-lock contention at installer scale (issue 16): for SECONDS (default 20), 4 writer threads
# (each with its own store handle, as a process has) record project pages (a ~600 KB page, and
# every tenth time a ~5 MB one of 20 000 files) and wheel files, 8 readers ask verdicts, and a gc
# `--max-size` loop evicts old files; every write transaction's wait for the write lock (asking →
# BEGIN IMMEDIATE) and hold (BEGIN → end of COMMIT) is measured. Baseline: the same writers
# alone, in the same run. Then the contended load again from one process (writers and readers
# sharing a store handle, as serve's requests do), reported beside it as oneProcess*.
# Targets: wait p99 ≤ 50 ms and hold max ≤ 100 ms under contention.
# Release build. Timings on a shared machine: compare with the baseline of the same run.
#
#   scripts/bench-contention.sh [SECONDS]      BIN=path/to/artifact-store to skip the build
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_RUN=${1:-20}
if [[ -z "${BIN:-}" ]]; then
    swift build -c release --product artifact-store-bench --scratch-path "${SCRATCH:-.build}" >&2
    BIN="${SCRATCH:-.build}/release/artifact-store"
fi
WORK=$(mktemp -d "${TMPDIR:-/tmp}/bench-contention.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
BENCH=${BENCH:-$(dirname "$BIN")/artifact-store-bench}
"$BENCH" contention --seconds "$SECONDS_PER_RUN" --directory "$WORK/store" > "$WORK/result.json"
cat "$WORK/result.json" >&2
# The same load from one process (writers and readers sharing a handle, as serve's requests do;
# gc apart): turns are then taken in the handle's queue rather than in the one between handles.
"$BENCH" contention --seconds "$SECONDS_PER_RUN" --one-process --directory "$WORK/one" > "$WORK/one.json"
cat "$WORK/one.json" >&2
python3 - "$WORK/result.json" "$WORK/one.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
c, a = r["contended"], r["writersAlone"]
o = json.load(open(sys.argv[2]))["contended"]
figures = {
    "writeLockWaitP50Ms": c["wait"]["p50Ms"], "writeLockWaitP99Ms": c["wait"]["p99Ms"], "writeLockWaitMaxMs": c["wait"]["maxMs"],
    "writeLockHoldP50Ms": c["hold"]["p50Ms"], "writeLockHoldP99Ms": c["hold"]["p99Ms"], "writeLockHoldMaxMs": c["hold"]["maxMs"],
    "writerHoldMaxMs": c["writerHold"]["maxMs"], "gcHoldMaxMs": c["gcHold"]["maxMs"], "readerHoldMaxMs": c["readerHold"]["maxMs"],
    "transactions": c["wait"]["count"], "pagesPerSecond": c["pagesPerSecond"], "filesPerSecond": c["filesPerSecond"],
    "bigPages": c["bigPages"], "verdicts": c["verdicts"], "gcRuns": c["gcRuns"],
    # The share of the run the lock was held: near 1, every writer queues whatever each hold costs.
    "writeLockBusyShare": round(c["hold"]["totalMs"] / (r["seconds"] * 1000), 2),
    # One process, for comparison (not held to the targets: the issue's case is separate handles).
    "oneProcessWriteLockWaitP50Ms": o["wait"]["p50Ms"], "oneProcessWriteLockWaitP99Ms": o["wait"]["p99Ms"],
    "oneProcessWriteLockHoldMaxMs": o["hold"]["maxMs"], "oneProcessTransactions": o["wait"]["count"],
    "oneProcessFilesPerSecond": o["filesPerSecond"],
}
baseline = {
    "writeLockWaitP50Ms": a["wait"]["p50Ms"], "writeLockWaitP99Ms": a["wait"]["p99Ms"], "writeLockWaitMaxMs": a["wait"]["maxMs"],
    "writeLockHoldP50Ms": a["hold"]["p50Ms"], "writeLockHoldP99Ms": a["hold"]["p99Ms"], "writeLockHoldMaxMs": a["hold"]["maxMs"],
    "transactions": a["wait"]["count"], "pagesPerSecond": a["pagesPerSecond"], "filesPerSecond": a["filesPerSecond"],
    "writeLockBusyShare": round(a["hold"]["totalMs"] / (r["seconds"] * 1000), 2),
}
targets = {"writeLockWaitP99Ms": 50, "writeLockHoldMaxMs": 100}
met = {key: figures[key] <= value for key, value in targets.items()}
print(json.dumps({"bench": "contention", "figures": figures, "baseline": baseline, "targets": targets, "met": met}))
PY
