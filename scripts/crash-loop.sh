#!/usr/bin/env bash
# kill -9 at random moments, ITERATIONS times (default 1000), across the store's writers: put
# (--pin), fetch, serve (in the middle of a download) and gc. Meanwhile, and at the end, every
# acknowledged pinned put is read back and compared byte for byte with what was put.
# Afterwards: gc, then verify must be clean, and every acknowledged pinned put must read back.
#
#   scripts/crash-loop.sh [ITERATIONS]        BIN=path/to/artifact-store to use a given binary
#
# Ends with one JSON line: {"bench": "crash-loop", "figures": {...}, "met": {...}}.
set -euo pipefail
cd "$(dirname "$0")/.."

iterations=${1:-1000}
if [[ -n "${BIN:-}" ]]; then bin=$BIN; else swift build --product artifact-store >&2; bin=$(swift build --show-bin-path)/artifact-store; fi
python=$(python3 -c 'import sys; print(sys.executable)')  # the real interpreter, not a pyenv shim
work=$(mktemp -d "${TMPDIR:-/tmp}/crash-loop.XXXXXX")
store=$work/store
up_pid=
cleanup() {
    if [[ -n "$up_pid" ]]; then kill -9 "$up_pid" 2>/dev/null; wait "$up_pid" 2>/dev/null || true; fi
    pkill -9 -f "serve --store $store" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

"$python" scripts/test-upstream.py build "$work/upstream" --big-mb 8 >/dev/null
"$python" scripts/test-upstream.py serve "$work/upstream" >"$work/upstream.port" 2>/dev/null &
up_pid=$!
for _ in $(seq 50); do [[ -s "$work/upstream.port" ]] && break; sleep 0.1; done
upstream="http://127.0.0.1:$(head -1 "$work/upstream.port")"
"$bin" init --store "$store" >/dev/null

declare -A acknowledged=()   # digest -> file holding the content
kills=0 completed=0 wrong=0 reads=0
random_sleep() { sleep "0.$(printf '%03d' $((RANDOM % ${1:-80})))"; }

# Starts a command in the background, kills it with SIGKILL after a random moment; returns its
# exit status when it finished first, 137 when it was killed.
run_and_kill() {
    local limit=$1; shift
    "$@" >"$work/out" 2>/dev/null &
    local pid=$!
    random_sleep "$limit"
    if kill -9 "$pid" 2>/dev/null; then kills=$((kills + 1)); fi
    local status=0
    wait "$pid" 2>/dev/null || status=$?
    return "$status"
}

check_reads() {
    local digest
    for digest in $(printf '%s\n' "${!acknowledged[@]}" | shuf -n 3 2>/dev/null); do
        reads=$((reads + 1))
        if ! "$bin" cat --store "$store" "$digest" 2>/dev/null | cmp -s - "${acknowledged[$digest]}"; then
            echo "crash-loop: WRONG BYTES or missing: $digest" >&2
            wrong=$((wrong + 1))
        fi
    done
}

for i in $(seq 1 "$iterations"); do
    case $((i % 4)) in
    0)  file=$work/put-$i
        head -c $((RANDOM * 8 + 1)) /dev/urandom >"$file"
        if run_and_kill 60 "$bin" put --pin --json --store "$store" "$file"; then
            completed=$((completed + 1))
            digest=$(grep -o '"digest":"[0-9a-f]*"' "$work/out" | cut -d'"' -f4)
            [[ -n "$digest" ]] && acknowledged[$digest]=$file
        else
            rm -f "$file"
        fi ;;
    1)  project=$(shuf -n1 -e alpha beta gamma delta torch)
        run_and_kill 80 "$bin" fetch --store "$store" -o /dev/null "$upstream/simple/$project/" && completed=$((completed + 1)) || true ;;
    2)  "$bin" serve --store "$store" --index "up=$upstream/simple" --port 0 --no-access-log >"$work/serve.out" 2>/dev/null &
        serve_pid=$!
        for _ in $(seq 100); do [[ -s "$work/serve.out" ]] && break; sleep 0.02; done
        base=$(head -1 "$work/serve.out")
        if [[ -n "$base" ]]; then
            curl -s -o /dev/null "${base}up/simple/big/" || true
            curl -s -o /dev/null --limit-rate 40M "${base}up/files/big/big-1.0-py3-none-any.whl" &
            curl_pid=$!
            random_sleep 200
        fi
        kill -9 "$serve_pid" 2>/dev/null && kills=$((kills + 1))
        wait "$serve_pid" 2>/dev/null || true
        [[ -n "${curl_pid:-}" ]] && { wait "$curl_pid" 2>/dev/null || true; curl_pid=; } ;;
    3)  run_and_kill 100 "$bin" gc --store "$store" --grace 0s && completed=$((completed + 1)) || true ;;
    esac
    if ((i % 50 == 0)); then
        check_reads
        echo "crash-loop: $i/$iterations iterations, $kills kills, ${#acknowledged[@]} acknowledged pinned puts, $wrong wrong reads" >&2
    fi
done

# Nothing runs any more: what the kills left (files renamed into place whose row never committed,
# I3) is garbage to collect now, not after the grace period.
"$bin" gc --store "$store" --grace 0s >/dev/null 2>&1 || true
verify_status=0
"$bin" verify --store "$store" --json >"$work/verify.json" 2>&1 || verify_status=$?
missing=0
for digest in "${!acknowledged[@]}"; do
    "$bin" cat --store "$store" "$digest" 2>/dev/null | cmp -s - "${acknowledged[$digest]}" || missing=$((missing + 1))
done
[[ $verify_status -eq 0 ]] || { echo "crash-loop: verify is not clean:" >&2; cat "$work/verify.json" >&2; }
clean=$([[ $verify_status -eq 0 ]] && echo true || echo false)
echo "{\"bench\": \"crash-loop\", \"figures\": {\"iterations\": $iterations, \"kills\": $kills, \"completed_before_kill\": $completed, \"acknowledged_pinned_puts\": ${#acknowledged[@]}, \"reads_checked\": $reads, \"wrong_reads\": $wrong, \"missing_pinned_puts\": $missing, \"verify_clean\": $clean}, \"targets\": {\"wrong_reads\": 0, \"missing_pinned_puts\": 0, \"verify_clean\": true}, \"met\": {\"wrong_reads\": $([[ $wrong -eq 0 ]] && echo true || echo false), \"missing_pinned_puts\": $([[ $missing -eq 0 ]] && echo true || echo false), \"verify_clean\": $clean}}"
[[ $wrong -eq 0 && $missing -eq 0 && $verify_status -eq 0 ]]
