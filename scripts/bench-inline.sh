#!/usr/bin/env bash
# Small bodies inline in SQLite, or one file per blob? (issue 16; the decision is in
# ARCHITECTURE.md §8). `artifact-store-bench inline` puts N bodies of SIZE bytes as the store's
# blob files and the same bodies into an SQLite table (WAL, synchronous = FULL, a transaction per
# put), then reads each back verified (SHA-256) in random order, alternating which goes first,
# ROUNDS times. Baseline: the files. Figures: inline. The rule for adopting inline bodies: at
# least 1.25x the files on puts AND at least 0.9x on gets (a clear win that costs readers nothing).
# Env: N (default 5000), SIZE (20000), ROUNDS (3), SKIP_BUILD=1, BENCH=path/to/artifact-store-bench.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${SKIP_BUILD:-0}" != 1 ]; then swift build -c release --product artifact-store-bench >&2; fi
bin=${BENCH:-$(swift build -c release --show-bin-path)/artifact-store-bench}
work=$(mktemp -d "${TMPDIR:-/tmp}/bench-inline.XXXXXX")  # only this new directory is removed
trap 'rm -rf "$work"' EXIT
"$bin" inline --count "${N:-5000}" --size "${SIZE:-20000}" --rounds "${ROUNDS:-3}" --directory "$work/stores" | tee "$work/rounds.jsonl"
python3 - "$work/rounds.jsonl" <<'PY'
import json, statistics, sys
runs = [json.loads(line) for line in open(sys.argv[1]) if line.startswith("{")]
median = lambda key: round(statistics.median(run[key] for run in runs))
figures = {"inline_puts_per_s": median("inlinePutsPerSecond"), "inline_gets_per_s": median("inlineGetsPerSecond"),
           "rounds": len(runs), "size": runs[0]["size"], "count": runs[0]["count"]}
baseline = {"file_puts_per_s": median("filePutsPerSecond"), "file_gets_per_s": median("fileGetsPerSecond")}
figures["puts_vs_files"] = round(figures["inline_puts_per_s"] / baseline["file_puts_per_s"], 2)
figures["gets_vs_files"] = round(figures["inline_gets_per_s"] / baseline["file_gets_per_s"], 2)
targets = {"puts_vs_files": 1.25, "gets_vs_files": 0.9}
met = {key: figures[key] >= value for key, value in targets.items()}
met["adopt_inline"] = all(met.values())
print(json.dumps({"bench": "inline", "figures": figures, "baseline": baseline, "targets": targets, "met": met}))
PY
