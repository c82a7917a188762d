#!/usr/bin/env bash
# Coverage-guided fuzzing (libFuzzer) of the parsers that read what servers and users send:
# URLs and link resolution, HTTP header fields as the cache reads them, Cache-Control, HTTP-dates,
# PEP 503 HTML and PEP 691 JSON pages (and project lists), PEP 440 versions and specifiers (with
# wheel filenames and Accept negotiation), PEP 508 requirements and environment markers. Each
# target runs for SECONDS; any crash, trap, hang (TIMEOUT seconds on one input) or memory blow-up
# fails the run, and the input that did it is kept in .build-fuzz/findings/.
#
#   scripts/fuzz.sh [SECONDS] [TARGET…]     default: 25 seconds each, every target
#   RUNS=10000000 scripts/fuzz.sh 3600      each target stops at RUNS executions (or SECONDS)
#
# The harness is Fuzz/ (a package of its own, so that `swift build` never builds it), compiled in
# release with -sanitize=fuzzer on every module and linked with lld (gold fails on these
# binaries). Corpora grow in .build-fuzz/corpus/TARGET and are reused by later runs. Ends with one
# JSON line: {"bench": "fuzz", "figures": {TARGET: executions}, "seconds": …, "met": {TARGET: no finding}}.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-25}
shift || true
all=(url headers cache-control http-date page-html page-json pep440 pep508 marker)
targets=("${@:-${all[@]}}")
[[ ${#targets[@]} -gt 0 && -n "${targets[0]}" ]] || targets=("${all[@]}")
timeout_per_input=${TIMEOUT:-10}
runs_limit=${RUNS:--1}

echo "fuzz: building the harness (release, -sanitize=fuzzer)" >&2
(cd Fuzz && swift build -c release --scratch-path ../.build-fuzz -Xswiftc -sanitize=fuzzer -Xswiftc -use-ld=lld >&2)
binary=.build-fuzz/release/FuzzTargets
mkdir -p .build-fuzz/findings

figures=() met=() failed=0
for target in "${targets[@]}"; do
    corpus=.build-fuzz/corpus/$target
    mkdir -p "$corpus"
    log=.build-fuzz/$target.log
    # Swift's own backtracer would catch the trap first; libFuzzer must see it to save the input.
    if SWIFT_BACKTRACE=enable=no FUZZ_TARGET=$target "$binary" -max_total_time="$seconds" -runs="$runs_limit" -timeout="$timeout_per_input" \
        -rss_limit_mb=2048 -max_len=65536 -artifact_prefix=.build-fuzz/findings/"$target"- -print_final_stats=1 "$corpus" >"$log" 2>&1; then
        ok=true
    else
        ok=false
        failed=$((failed + 1))
    fi
    runs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' | tail -1)
    runs=${runs:-0}
    if $ok; then
        echo "fuzz: $target: $runs executions (limit ${seconds}s), no finding" >&2
    else
        echo "fuzz: $target: FINDING after $runs executions; see $log and .build-fuzz/findings/" >&2
        grep -E "ERROR|SUMMARY|Fatal|crash|Test unit written" "$log" | head -10 >&2 || true
    fi
    figures+=("\"$target\": $runs")
    met+=("\"$target\": $ok")
done
(IFS=,; echo "{\"bench\": \"fuzz\", \"figures\": {${figures[*]}}, \"seconds\": $seconds, \"targets\": {\"findings\": 0}, \"met\": {${met[*]}}}")
[[ $failed -eq 0 ]]
