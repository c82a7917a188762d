#!/usr/bin/env bash
# serve's web pages against a big store (target: every page answers in <= 50 ms, p99, with 1 M
# responses). Builds the store the way bench-lookup.sh does (`artifact-store-bench lookup` records
# RESPONSES synthetic PyPI-shaped responses, default 1 M), then serves it with a loopback test
# index (scripts/test-upstream.py) in front of which alpha and torch are fetched once through
# serve, so that the pages have real project pages, wheels and a no-store page to show. Each page
# is then timed with wrk (one connection, DURATION seconds, default 5) and curl (the first
# request of each page since serve started). The overview's store counts and the gc preview are
# computed in the background, when serve starts and again when a page finds them older than 10 s
# and 30 s, so no page waits for them; what the gc dry run itself costs is reported beside, as
# gc_dry_run_ms (`gc --dry-run` timed as a process, no target). The baseline is the same server's
# own /up/simple/alpha/ page (a hit from the store) in the same run.
# Ends with one JSON line: {"bench":"pages","figures":{...},"baseline":{...},"targets":{...},"met":{...}}.
# Env: RESPONSES, DURATION, SKIP_BUILD=1 to reuse the release binary, BIN, STORE=DIR to keep the
# loaded store (loading 1 M responses takes minutes) and measure it again on the next run.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ -z "${BIN:-}" ]]; then
    if [ "${SKIP_BUILD:-0}" != 1 ]; then swift build -c release --product artifact-store >&2 && swift build -c release --product artifact-store-bench >&2; fi
    BIN=$(swift build -c release --show-bin-path)/artifact-store
fi
command -v wrk >/dev/null || { echo "bench-pages: needs wrk (apt-get install wrk)" >&2; exit 1; }
RESPONSES=${RESPONSES:-1000000}
DURATION=${DURATION:-5}
python=$(python3 -c 'import sys; print(sys.executable)')
work=$(mktemp -d "${TMPDIR:-/tmp}/bench-pages.XXXXXX")  # only this new directory is removed
store=${STORE:-$work/store}
up_pid= serve_pid=
cleanup() {
    local pid
    for pid in $serve_pid $up_pid; do kill "$pid" 2>/dev/null || true; done
    for pid in $serve_pid $up_pid; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

wait_line() {  # FILE PID
    local tries
    for tries in $(seq 600); do
        if [[ -s "$1" ]]; then head -1 "$1"; return 0; fi
        kill -0 "$2" 2>/dev/null || break
        sleep 0.1
    done
    echo "bench-pages: process $2 did not start" >&2
    return 1
}

held=$(sqlite3 "file:$store/store.sqlite?mode=ro" 'SELECT count(*) FROM response' 2>/dev/null || echo 0)
if (( held < RESPONSES )); then
    echo "loading $RESPONSES responses into $store" >&2
    "${BENCH:-$(dirname "$BIN")/artifact-store-bench}" lookup --responses "$RESPONSES" --lookups 1 --directory "$store" >/dev/null
fi

"$python" scripts/test-upstream.py build "$work/upstream" >/dev/null
"$python" scripts/test-upstream.py serve "$work/upstream" >"$work/up.out" 2>"$work/up.err" &
up_pid=$!
upstream="http://127.0.0.1:$(wait_line "$work/up.out" "$up_pid")"
"$BIN" serve --store "$store" --index "up=$upstream/simple" --index "pypi=https://pypi.org/simple" --port 0 --no-access-log \
    --gc-max-size 1GiB >"$work/serve.out" 2>"$work/serve.err" &
serve_pid=$!
base=$(wait_line "$work/serve.out" "$serve_pid")

# Fetch alpha and torch (pages and every wheel they list) through serve, as an installer would.
for project in alpha torch; do
    curl -sf -H 'Accept: application/vnd.pypi.simple.v1+json' "${base}up/simple/$project/" >"$work/$project.json"
    "$python" - "$work/$project.json" <<'PY' | while read -r url; do curl -sf -o /dev/null "$base${url#/}"; done
import json, sys
for f in json.load(open(sys.argv[1]))["files"]:
    print(f["url"])
PY
done
wheel_digest=$("$python" -c 'import json,sys; print(json.load(open(sys.argv[1]))["files"][0]["hashes"]["sha256"])' "$work/alpha.json")
page_url="$upstream/simple/alpha/"
encoded_page=$("$python" -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$page_url")

declare -A paths=(
    [overview]="-/"
    [project]="-/up/alpha"
    [project_no_store]="-/up/torch"
    [project_big_store]="-/pypi/project-$((RESPONSES / 2 / 2 * 2))"
    [url_history]="-/url?u=$encoded_page"
    [blob]="-/blob/$wheel_digest"
    [search_name]="-/search?q=project-12345"
    [search_digest]="-/search?q=sha256:${wheel_digest:0:6}"
    [gc_preview]="-/gc"
)

measure() {  # NAME PATH → "p50 p99 cold status" in ms
    local url="$base$2" status cold
    # The first request of this page since serve started: nothing of it cached yet.
    read -r status cold < <(curl -s -o /dev/null -w '%{http_code} %{time_total}\n' "$url")
    wrk -t1 -c1 -d"${DURATION}s" --latency "$url" >"$work/wrk-$1.txt"
    "$python" - "$work/wrk-$1.txt" "$cold" "$status" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
def ms(label):
    m = re.search(r"^\s*" + label + r"%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
    value, unit = float(m.group(1)), m.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
print(f"{ms('50'):.2f} {ms('99'):.2f} {float(sys.argv[2]) * 1000:.2f} {sys.argv[3]}")
PY
}

figures="" met="" targets="" all_met=true
for name in overview project project_no_store project_big_store url_history blob search_name search_digest gc_preview; do
    read -r p50 p99 cold status < <(measure "$name" "${paths[$name]}")
    echo "$name (${paths[$name]}): HTTP $status, p50 $p50 ms, p99 $p99 ms, first request $cold ms" >&2
    ok=$("$python" -c "print('true' if $p99 <= 50 and '$status' == '200' else 'false')")
    ok_first=$("$python" -c "print('true' if $cold <= 50 and '$status' == '200' else 'false')")
    [[ $ok == true && $ok_first == true ]] || all_met=false
    figures+="\"${name}_p50_ms\": $p50, \"${name}_p99_ms\": $p99, \"${name}_first_ms\": $cold, "
    targets+="\"${name}_p99_ms\": 50, \"${name}_first_ms\": 50, "
    met+="\"${name}_p99_ms\": $ok, \"${name}_first_ms\": $ok_first, "
done
# What the preview's background dry run costs, as a process of its own (the store is in use by
# serve, as it would be).
gc_started=$(date +%s%N)
"$BIN" gc --store "$store" --dry-run --max-size 1GiB >/dev/null
gc_dry_run_ms=$(( ($(date +%s%N) - gc_started) / 1000000 ))
echo "gc --dry-run --max-size 1GiB as a process: $gc_dry_run_ms ms (serve runs it in the background)" >&2
figures+="\"gc_dry_run_ms\": $gc_dry_run_ms, "
read -r b50 b99 bcold bstatus < <(measure baseline "up/simple/alpha/")
echo "baseline /up/simple/alpha/: HTTP $bstatus, p50 $b50 ms, p99 $b99 ms" >&2
responses=$(sqlite3 "file:$store/store.sqlite?mode=ro" 'SELECT count(*) FROM response' 2>/dev/null || echo "$RESPONSES")
printf '{"bench": "pages", "figures": {"responses": %s, %s}, "baseline": {"simple_page_p50_ms": %s, "simple_page_p99_ms": %s}, "targets": {%s}, "met": {%s"all": %s}}\n' \
    "$responses" "${figures%, }" "$b50" "$b99" "${targets%, }" "$met" "$all_met"
