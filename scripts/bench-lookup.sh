#!/usr/bin/env bash
# Verdict lookup benchmark (targets p50 ≤ 15 µs, p99 ≤ 50 µs): a store with RESPONSES recorded responses (default 1 M),
# then LOOKUPS random verdicts under policy offline, alternating with bare indexed SQLite point
# lookups of other random rows (the baseline, same run), then the same verdicts again (warm).
# Targets: p50 <= 15 us, p99 <= 50 us, <= 1.2 KB of database per response, and (when the store is
# loaded, not reused) bulk recording >= 25 000 responses/s. Runs ROUNDS times (default 3), prints
# each run's JSON line, and ends with the one line every bench ends with: the medians of the
# rounds as figures, the bare SQLite point lookup of the same runs as the baseline, targets, met.
# Env: RESPONSES, LOOKUPS, BODIES (distinct body blobs, default 1000), ROUNDS, SKIP_BUILD=1 to
# reuse the release binary (BENCH=path/to/artifact-store-bench to use another), STORE=DIR to keep the loaded store there and measure it again on the
# next run (loading 1 M responses takes minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${SKIP_BUILD:-0}" != 1 ]; then swift build -c release --product artifact-store-bench >&2; fi
bin=${BENCH:-$(swift build -c release --show-bin-path)/artifact-store-bench}
rounds=$(mktemp)
trap 'rm -f "$rounds"' EXIT
for round in $(seq "${ROUNDS:-3}"); do
    "$bin" lookup --responses "${RESPONSES:-1000000}" --lookups "${LOOKUPS:-200000}" --bodies "${BODIES:-1000}" ${STORE:+--directory "$STORE"} | tee -a "$rounds"
done
python3 - "$rounds" <<'PY'
import json, statistics, sys
runs = [json.loads(line) for line in open(sys.argv[1]) if line.startswith("{")]
median = lambda key: round(statistics.median(run[key] for run in runs), 2)
figures = {"responses": runs[0]["responses"], "rounds": len(runs),
           "verdict_p50_us": median("verdictP50Micros"), "verdict_p99_us": median("verdictP99Micros"),
           "warm_verdict_p50_us": median("warmVerdictP50Micros"), "warm_verdict_p99_us": median("warmVerdictP99Micros"),
           "database_bytes_per_response": median("databaseBytesPerResponse")}
targets = {"verdict_p50_us": 15, "verdict_p99_us": 50, "database_bytes_per_response": 1200}
loads = [run["responses"] / run["loadSeconds"] for run in runs if run.get("loadSeconds")]
if loads:
    figures["bulk_recording_per_s"] = round(statistics.median(loads))
    targets["bulk_recording_per_s"] = 25000
met = {key: (figures[key] >= target if key == "bulk_recording_per_s" else figures[key] <= target) for key, target in targets.items()}
met["all"] = all(met.values())
print(json.dumps({"bench": "lookup", "figures": figures,
                  "baseline": {"raw_lookup_p50_us": median("rawLookupP50Micros"), "raw_lookup_p99_us": median("rawLookupP99Micros")},
                  "targets": targets, "met": met}))
PY
