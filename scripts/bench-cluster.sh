#!/usr/bin/env bash
# `artifact-store serve` over a shared store (metadata in PostgreSQL, blobs in an S3 bucket)
# beside the same serve over SQLite and its directory, in one run, all on loopback in front of
# one upstream (scripts/test-upstream.py):
#   local    one node, SQLite + directory (the baseline)
#   shared   one node, PostgreSQL (scripts/postgres-test-server.sh, port 25431) + S3 (moto with
#            authentication on, scripts/s3-test-server.py)
#   two      two nodes over the same PostgreSQL schema and bucket, loaded at once (their sum)
# For each: warm project-page requests/s (wrk, 16 connections, the Accept header uv sends) and
# warm file requests/s (a small wheel), after one warming request through every node. Where the
# time goes: PostgreSQL transactions per warm request (pg_stat_database, before and after) and
# the S3 requests a warm request makes (none expected: a node serves from its own cache).
# Targets: every response 2xx; at most 2 PostgreSQL transactions per warm page or file request.
# The two-node figure shares this machine's 2 cores with PostgreSQL, moto and wrk: it shows that
# nodes add up without errors, not how a fleet of machines scales.
# Prints progress on stderr, figures on stdout, and ends with one line of JSON:
#   {"bench": "cluster", "figures": {...}, "baseline": {...}, "targets": {...}, "met": {...}}
# Env: BIN (default: release build in .build-release), DURATION (wrk seconds, 10),
#      MOTO_PYTHON (default .build/client-venv/bin/python, else a temporary venv). The backends are
#      started by scripts/lib/cluster.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

duration=${DURATION:-10}
accept='application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01'
note() { printf 'bench-cluster: %s\n' "$*" >&2; }
die() { note "$*"; exit 1; }

command -v wrk >/dev/null || {
    [[ $(id -u) == 0 ]] || die "wrk is missing: apt-get install wrk (as root), then run again"
    apt-get install -y -q wrk >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q wrk >/dev/null; }
}
if [[ -n "${BIN:-}" ]]; then
    bin=$BIN
else
    note "building release into .build-release (the first build takes 10-20 minutes)"
    swift build -c release --scratch-path .build-release --product artifact-store >&2
    bin=$(swift build -c release --scratch-path .build-release --show-bin-path)/artifact-store
fi
python=$(python3 -c 'import sys; print(sys.executable)')
work=$(mktemp -d "${TMPDIR:-/tmp}/bench-cluster.XXXXXX")
export PG_PORT=${PG_PORT:-25431}
source scripts/lib/cluster.sh
cleanup() { cluster_cleanup; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

note "starting PostgreSQL (port $PG_PORT), moto and the upstream"
cluster_start_backends --access-log
pg_url=${metadata%%\?*}

transactions() {  # committed and rolled-back transactions of the database so far
    sleep 1.5  # PostgreSQL publishes its statistics counters within a second of a transaction
    PGPASSWORD=${pg_url#*://*:}; PGPASSWORD=${PGPASSWORD%%@*}
    PGPASSWORD=$PGPASSWORD psql -h 127.0.0.1 -p "$PG_PORT" -U artifact_store -d artifact_store_test -Atc \
        "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database()"
}

s3_requests() {  # requests moto has answered so far (its access log, one line per request)
    grep -c '"\(GET\|PUT\|HEAD\|POST\|DELETE\) ' "$work/s3.log" || true
}

# Not called in $(…): a subshell would keep the node's pid from cluster_cleanup and the count
# from the next node (which would then share this one's directory).
starts=0
start_node() {  # ARGS…: sets node_base, the node's base URL (over SQLite, unless ARGS name a shared store)
    starts=$((starts + 1))
    "$bin" serve --store "$work/node-$starts" --index "up=$upstream/simple" --port 0 --no-access-log "$@" \
        >"$work/node-$starts.out" 2>"$work/node-$starts.log" 7>&- &
    cluster_pids+=($!)
    local base
    base=$(cluster_wait_line "$work/node-$starts.out" "$!")
    node_base=${base%/}
}

warm() {  # BASE: the page and the file, once, so that the node holds both
    curl -sf -o /dev/null -H "Accept: $accept" "$1/up/simple/alpha/" || die "GET $1/up/simple/alpha/ failed"
    curl -sf -o /dev/null "$(file_url "$1")" || die "cannot fetch alpha's wheel through $1"
}

file_url() {  # BASE: the URL serve lists for alpha's wheel
    curl -sf -H "Accept: application/vnd.pypi.simple.v1+json" "$1/up/simple/alpha/" \
        | "$python" -c 'import json, sys; print(json.load(sys.stdin)["files"][0]["url"].split("#")[0])' \
        | sed "s|^/|$1/|"
}

wrk_rps() {  # NAME URL [CONNECTIONS]: requests/s; notes non-2xx answers (counted in $work/errors)
    local out=$work/wrk-$1.txt
    wrk -t2 -c"${3:-16}" -d"${duration}s" --latency --timeout 5s -H "Accept: $accept" "$2" >"$out"
    if grep -q 'Non-2xx or 3xx responses\|Socket errors' "$out"; then
        note "$1: $(grep 'Non-2xx or 3xx responses\|Socket errors' "$out" | tr '\n' ' ')"
        echo "$1" >>"$work/errors"
    fi
    awk '/^Requests\/sec:/ { print $2 }' "$out"
}

requests_of() { awk '/requests in/ { print $1 }' "$work/wrk-$1.txt"; }

note "local: one node over SQLite and its directory"
start_node; local_base=$node_base
warm "$local_base"
local_file=$(file_url "$local_base")
local_pages=$(wrk_rps local-pages "$local_base/up/simple/alpha/")
local_files=$(wrk_rps local-files "$local_file")

shared=(--metadata "$metadata" --blobs "$blobs")
note "shared: one node over PostgreSQL and S3"
start_node "${shared[@]}"; a_base=$node_base
start_node "${shared[@]}"; b_base=$node_base
warm "$a_base"; warm "$b_base"   # b reads what a stored: its bodies come from the bucket once
a_file=$(file_url "$a_base"); b_file=$(file_url "$b_base")
before=$(transactions); s3_before=$(s3_requests)
shared_pages=$(wrk_rps shared-pages "$a_base/up/simple/alpha/")
after=$(transactions); s3_after=$(s3_requests)
page_transactions=$(awk -v d=$((after - before)) -v n="$(requests_of shared-pages)" 'BEGIN { printf "%.2f", d / n }')
page_s3=$((s3_after - s3_before))
before=$(transactions); s3_before=$(s3_requests)
shared_files=$(wrk_rps shared-files "$a_file")
after=$(transactions); s3_after=$(s3_requests)
file_transactions=$(awk -v d=$((after - before)) -v n="$(requests_of shared-files)" 'BEGIN { printf "%.2f", d / n }')
file_s3=$((s3_after - s3_before))

note "two: both nodes at once (8 connections each)"
wrk_rps two-pages-a "$a_base/up/simple/alpha/" 8 >"$work/two-a" & first=$!
wrk_rps two-pages-b "$b_base/up/simple/alpha/" 8 >"$work/two-b"
wait "$first"
two_pages=$(awk '{ s += $1 } END { printf "%.2f", s }' "$work/two-a" "$work/two-b")
wrk_rps two-files-a "$a_file" 8 >"$work/two-a" & first=$!
wrk_rps two-files-b "$b_file" 8 >"$work/two-b"
wait "$first"
two_files=$(awk '{ s += $1 } END { printf "%.2f", s }' "$work/two-a" "$work/two-b")

errors=$(cat "$work/errors" 2>/dev/null | tr '\n' ' ' || true)
printf '\n%-8s %14s %14s\n' "" "pages/s" "files/s"
printf '%-8s %14s %14s\n' local "$local_pages" "$local_files" shared "$shared_pages" "$shared_files" two "$two_pages" "$two_files"
echo "shared, per warm request: $page_transactions PostgreSQL transactions and $page_s3 S3 requests in all for pages; $file_transactions and $file_s3 for files"
echo "errors: ${errors:-none}"

"$python" - "$local_pages" "$local_files" "$shared_pages" "$shared_files" "$two_pages" "$two_files" \
    "$page_transactions" "$file_transactions" "$page_s3" "$file_s3" "${errors:-}" <<'PY'
import json, sys
lp, lf, sp, sf, tp, tf, pt, ft = map(float, sys.argv[1:9])
ps3, fs3, errors = int(sys.argv[9]), int(sys.argv[10]), sys.argv[11].split()
figures = {"shared_pages_rps": sp, "shared_files_rps": sf, "two_nodes_pages_rps": tp, "two_nodes_files_rps": tf,
           "shared_vs_local_pages": round(sp / lp, 3), "shared_vs_local_files": round(sf / lf, 3),
           "two_vs_one_pages": round(tp / sp, 3), "two_vs_one_files": round(tf / sf, 3),
           "pg_transactions_per_warm_page": pt, "pg_transactions_per_warm_file": ft,
           "s3_requests_during_warm_pages": ps3, "s3_requests_during_warm_files": fs3, "failed_runs": errors}
baseline = {"local_pages_rps": lp, "local_files_rps": lf}
targets = {"failed_runs": 0, "pg_transactions_per_warm_page": "<= 2", "pg_transactions_per_warm_file": "<= 2",
           "s3_requests_during_warm_requests": 0}
met = {"failed_runs": not errors, "pg_transactions_per_warm_page": pt <= 2, "pg_transactions_per_warm_file": ft <= 2,
       "s3_requests_during_warm_requests": ps3 == 0 and fs3 == 0}
print(json.dumps({"bench": "cluster", "figures": figures, "baseline": baseline, "targets": targets, "met": met}))
PY
