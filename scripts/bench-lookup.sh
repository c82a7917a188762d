#!/usr/bin/env bash
# Verdict lookup benchmark (targets p50 ≤ 15 µs, p99 ≤ 50 µs): a store with RESPONSES recorded responses (default 1 M),
# then LOOKUPS random verdicts under policy offline, alternating with bare indexed SQLite point
# lookups of other random rows (the baseline, same run), then the same verdicts again (warm).
# Targets: p50 <= 15 us, p99 <= 50 us, <= 1.2 KB of database per response. Runs ROUNDS times
# (default 3) and prints each run's JSON line.
# Env: RESPONSES, LOOKUPS, BODIES (distinct body blobs, default 1000), ROUNDS, SKIP_BUILD=1 to
# reuse the release binary, STORE=DIR to keep the loaded store there and measure it again on the
# next run (loading 1 M responses takes minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${SKIP_BUILD:-0}" != 1 ]; then swift build -c release --product artifact-store >&2; fi
bin=${BIN:-$(swift build -c release --show-bin-path)/artifact-store}
for round in $(seq "${ROUNDS:-3}"); do
    "$bin" debug bench-lookup --responses "${RESPONSES:-1000000}" --lookups "${LOOKUPS:-200000}" --bodies "${BODIES:-1000}" ${STORE:+--directory "$STORE"}
done
