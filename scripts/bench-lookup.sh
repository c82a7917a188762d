#!/usr/bin/env bash
# Verdict lookup benchmark (DESIGN §9): a store with RESPONSES recorded responses (default 1 M),
# then LOOKUPS random verdicts under policy offline, beside a bare indexed SQLite point lookup of
# the same rows measured in the same run. Targets: p50 <= 15 us, p99 <= 50 us, <= 1.2 KB of
# database per response. Runs ROUNDS times (default 3) and prints each run's JSON line.
# Env: RESPONSES, LOOKUPS, ROUNDS, SKIP_BUILD=1 to reuse the release binary.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${SKIP_BUILD:-0}" != 1 ]; then swift build -c release --product artifact-store >&2; fi
bin=${BIN:-$(swift build -c release --show-bin-path)/artifact-store}
for round in $(seq "${ROUNDS:-3}"); do
    "$bin" debug bench-lookup --responses "${RESPONSES:-1000000}" --lookups "${LOOKUPS:-200000}"
done
