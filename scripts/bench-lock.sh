#!/usr/bin/env bash
# Whole-environment latency (issue 13 acceptance): `can-install --lock` on a lock of 300 packages
# against a store with 1 M responses answers in <= 200 ms for the whole process; `prefetch` of a warm
# lock (nothing to fetch) takes <= 1 s. Release build.
#   1. a store with RESPONSES recorded responses (`artifact-store-bench lookup --directory`, about 4 min for 1 M
#      on 2 cores; SEED_STORE=DIR copies such a store instead)
#   2. a loopback upstream (scripts/test-upstream.py --many 300: pkg000…pkg299 and many-root requiring
#      them all); the real uv locks a project depending on many-root: uv.lock, 301 wheels
#   3. `prefetch --lock` once (cold: every page and wheel), then ROUNDS timed runs each of
#      `can-install --lock` (verifying every file, the default), the same with --no-verify, and warm
#      `prefetch --lock` (which must fetch nothing: the upstream's request count is checked)
# Times are wall times of the whole process (start, store open, lock parse, answer), in ms.
# Baseline, same run, same lock: what a person can do today to learn whether it installs offline.
#   uv: `uv sync --offline --frozen` into a fresh project environment from uv's warm cache. uv has no
#       offline check: `uv sync --offline --dry-run` says "Would download 301 packages" with a warm or
#       an empty cache alike, so the honest peer is the install itself (it hard-links from the cache).
#   pip: `pip install --dry-run --no-index --find-links DIR -r requirements.txt` over the directory
#       `export --lock` wrote, requirements from `uv export` (hash-pinned): pip's own offline answer.
#       BASELINE_ROUNDS runs (about 3 s each).
# Met: the medians against the targets. Takes about 5 minutes at defaults with a built binary.
# Env: RESPONSES (default 1000000), PACKAGES (default 300), ROUNDS (default 20), BASELINE_ROUNDS
#      (default 5), BIN, SKIP_BUILD=1, SEED_STORE, CLIENTS (a directory with uv and a python with pip;
#      default .build/client-venv/bin, which .ci/run creates).
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ "${SKIP_BUILD:-0}" != 1 && -z "${BIN:-}" ]]; then
    swift build -c release --product artifact-store --scratch-path .build-release >&2
    swift build -c release --product artifact-store-bench --scratch-path .build-release >&2
fi
BIN=${BIN:-$(swift build -c release --scratch-path .build-release --show-bin-path)/artifact-store}
CLIENTS=${CLIENTS:-.build/client-venv/bin}
UV=$(cd "$CLIENTS" && pwd)/uv CLIENT_PY=$(cd "$CLIENTS" && pwd)/python3
[[ -x "$UV" && -x "$CLIENT_PY" ]] || { echo "bench-lock: no uv or python in $CLIENTS (run .ci/run, or set CLIENTS)" >&2; exit 1; }
RESPONSES=${RESPONSES:-1000000} PACKAGES=${PACKAGES:-300} ROUNDS=${ROUNDS:-20} BASELINE_ROUNDS=${BASELINE_ROUNDS:-5}
# The real interpreter, not a pyenv shim: killing a shim's pid can orphan the server it started.
python=$(python3 -c 'import sys; print(sys.executable)')
WORK=$(mktemp -d "${TMPDIR:-/tmp}/bench-lock.XXXXXX")  # only this new directory is removed
SERVER_PID=
cleanup() {
    if [[ -n "$SERVER_PID" ]]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
export ARTIFACT_STORE_DIR="$WORK/store"
export ARTIFACT_STORE_CONFIG="$WORK/config.toml"  # empty: no user configuration
: >"$ARTIFACT_STORE_CONFIG"
# uv: no user configuration, a private cache, only the loopback index.
export UV_NO_CONFIG=1 UV_CACHE_DIR="$WORK/uv-cache" UV_PYTHON="$CLIENT_PY"
unset UV_INDEX_URL UV_EXTRA_INDEX_URL UV_INDEX UV_DEFAULT_INDEX UV_FIND_LINKS UV_OFFLINE UV_PROJECT_ENVIRONMENT

now() { date +%s%N; }
ms() { awk -v ns="$1" 'BEGIN { printf "%.1f", ns / 1e6 }'; }
# ROUNDS timings (ns) -> "median p90" in ms (nearest rank).
stats() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {m=a[int((NR+1)/2)]; p=int(NR*0.9); if (p<NR*0.9) p++; printf "%.1f %.1f", m/1e6, a[p]/1e6}'; }
timed() {  # N CMD…: N wall times of CMD (ns), stdout discarded; a failing run fails the bench
    local n=$1 start; shift
    local out=()
    for _ in $(seq "$n"); do
        start=$(now)
        "$@" >/dev/null
        out+=($(( $(now) - start )))
    done
    echo "${out[@]}"
}

if [[ -n "${SEED_STORE:-}" ]]; then
    echo "store: a copy of $SEED_STORE" >&2
    cp -a "$SEED_STORE" "$WORK/store"
else
    echo "store: recording $RESPONSES responses (artifact-store-bench lookup)…" >&2
    "${BENCH:-$(dirname "$BIN")/artifact-store-bench}" lookup --directory "$WORK/store" --responses "$RESPONSES" --lookups 1000 >/dev/null
fi

"$python" scripts/test-upstream.py build "$WORK/up" --many "$PACKAGES" >/dev/null
"$python" scripts/test-upstream.py serve "$WORK/up" --port 0 >"$WORK/port" 2>"$WORK/up.log" &
SERVER_PID=$!
for _ in $(seq 100); do [[ -s "$WORK/port" ]] && break; sleep 0.1; done
BASE="http://127.0.0.1:$(head -1 "$WORK/port")"
requests() { curl -sf "$BASE/-/requests" | "$python" -c 'import json, sys; print(sum(json.load(sys.stdin).values()))'; }

# A real lock: uv lock of a project depending on many-root.
mkdir "$WORK/project"
cat >"$WORK/project/pyproject.toml" <<EOF
[project]
name = "bench"
version = "0.1"
requires-python = ">=3.9"
dependencies = ["many-root"]
EOF
"$UV" lock --quiet --directory "$WORK/project" --default-index "$BASE/simple/"
LOCK=$WORK/project/uv.lock
locked=$(grep -c '^source = { registry' "$LOCK")
echo "lock: $LOCK, $locked packages from the index (uv $("$UV" --version | cut -d' ' -f2))" >&2

ENV=(--python 3.11 --platform manylinux_2_28_x86_64)
start=$(now)
"$BIN" prefetch --lock "$LOCK" "${ENV[@]}" >"$WORK/prefetch-cold.out" || { cat "$WORK/prefetch-cold.out" >&2; exit 1; }
cold=$(( $(now) - start ))
tail -1 "$WORK/prefetch-cold.out" >&2
"$BIN" can-install --lock "$LOCK" "${ENV[@]}" >"$WORK/check.out" || { tail -3 "$WORK/check.out" >&2; echo "bench-lock: can-install --lock is not satisfiable after prefetch" >&2; exit 1; }
grep -q "^$locked of $locked files stored" "$WORK/check.out" || { tail -1 "$WORK/check.out" >&2; echo "bench-lock: expected $locked of $locked files stored" >&2; exit 1; }

read -r ci_med ci_p90 <<<"$(stats $(timed "$ROUNDS" "$BIN" can-install --lock "$LOCK" "${ENV[@]}"))"
read -r nv_med nv_p90 <<<"$(stats $(timed "$ROUNDS" "$BIN" can-install --lock "$LOCK" "${ENV[@]}" --no-verify))"
before=$(requests)
read -r pf_med pf_p90 <<<"$(stats $(timed "$ROUNDS" "$BIN" prefetch --lock "$LOCK" "${ENV[@]}"))"
[[ $(requests) == "$before" ]] || { echo "bench-lock: warm prefetch sent requests upstream" >&2; exit 1; }

# Baseline 1: uv installs offline from its warm cache (one online sync warms it with the wheels).
UV_PROJECT_ENVIRONMENT="$WORK/venv-warm" "$UV" sync --quiet --frozen --directory "$WORK/project"
uv_times=()
for round in $(seq "$ROUNDS"); do
    start=$(now)
    UV_PROJECT_ENVIRONMENT="$WORK/venv-$round" "$UV" sync --quiet --offline --frozen --directory "$WORK/project"
    uv_times+=($(( $(now) - start )))
    rm -rf "$WORK/venv-$round"
done
read -r uv_med uv_p90 <<<"$(stats "${uv_times[@]}")"

# Baseline 2: pip resolves offline over the directory export wrote, hash-pinned requirements.
"$BIN" export --lock "$LOCK" "${ENV[@]}" --find-links "$WORK/wheels" >/dev/null
"$UV" export --quiet --frozen --directory "$WORK/project" --format requirements-txt --no-emit-project -o "$WORK/requirements.txt"
read -r pip_med pip_p90 <<<"$(stats $(timed "$BASELINE_ROUNDS" env PIP_CONFIG_FILE=/dev/null "$CLIENT_PY" -m pip install --isolated \
    --disable-pip-version-check --quiet --dry-run --no-index --no-cache-dir --find-links "$WORK/wheels" \
    --target "$WORK/pip-target" -r "$WORK/requirements.txt"))"

le() { awk -v a="$1" -v b="$2" 'BEGIN { print (a <= b) ? "true" : "false" }'; }
echo "can-install --lock ($locked files, $RESPONSES responses): median $ci_med ms, p90 $ci_p90 ms; --no-verify: $nv_med / $nv_p90 ms" >&2
echo "prefetch --lock: cold $(ms "$cold") ms; warm median $pf_med ms, p90 $pf_p90 ms" >&2
echo "baseline: uv sync --offline (fresh env, warm cache) $uv_med / $uv_p90 ms; pip --dry-run --no-index --find-links $pip_med / $pip_p90 ms" >&2
# The contract of every bench: one JSON line with figures, the baseline measured in the same run,
# targets and whether each is met.
printf '{"bench": "lock", "figures": {"responses": %s, "lockedPackages": %s, "rounds": %s, "can_install_lock_ms": %s, "can_install_lock_p90_ms": %s, "can_install_lock_no_verify_ms": %s, "can_install_lock_no_verify_p90_ms": %s, "prefetch_warm_ms": %s, "prefetch_warm_p90_ms": %s, "prefetch_cold_ms": %s}, "baseline": {"uv_sync_offline_fresh_env_ms": %s, "uv_sync_offline_fresh_env_p90_ms": %s, "pip_dry_run_no_index_find_links_ms": %s, "pip_dry_run_no_index_find_links_p90_ms": %s, "pip_rounds": %s}, "targets": {"can_install_lock_ms": 200, "prefetch_warm_ms": 1000}, "met": {"can_install_lock_ms": %s, "prefetch_warm_ms": %s}}\n' \
    "$RESPONSES" "$locked" "$ROUNDS" "$ci_med" "$ci_p90" "$nv_med" "$nv_p90" "$pf_med" "$pf_p90" "$(ms "$cold")" \
    "$uv_med" "$uv_p90" "$pip_med" "$pip_p90" "$BASELINE_ROUNDS" "$(le "$ci_med" 200)" "$(le "$pf_med" 1000)"
