#!/usr/bin/env bash
# Faults under a running `serve` node of a shared store (PostgreSQL metadata, S3 blobs; ARCHITECTURE.md
# §11), everything on loopback (scripts/lib/cluster.sh), each expectation checked exactly:
#   1. PostgreSQL restarted while the node runs. Down: every request that needs metadata (a page, a
#      wheel this node caches, /-/status) is a 503 problem document (application/problem+json)
#      naming the database and what to do, within a bound; the process stays up. A wheel the
#      node caches is not served either: which file a URL is, and that its blob may be served (I1),
#      is metadata. A real uv started during the outage gets the 503 (the node log shows it),
#      PostgreSQL is started again, and uv's own retry installs; the same node, never restarted,
#      answers the page and the wheel again (bytes compared with the upstream's SHA-256).
#   2. The S3 server (moto) killed while the node runs. What the node caches is served (a wheel,
#      a page; a no-store page from its archived copy); a wheel it never saw is passed through
#      from the upstream, verified against its page's hash, not stored (a warning in the log, no
#      blob or response row, no lease), small and streamed (3 MiB) alike; a page it never saw is
#      a 503 problem naming the bucket; uv installs alpha (cached) and delta (passed through).
#   3. No secret (AWS_SECRET_ACCESS_KEY, the PostgreSQL password) in any node log, uv log or
#      answer produced meanwhile.
# Any failed expectation stops the run with `cluster-faults: FAIL: …` and a non-zero status. Ends
# with one JSON line of results and `cluster-faults: done`.
# Env: BIN (default: debug build), UV (default: .build/client-venv/bin/uv, else uv on PATH),
#      MOTO_PYTHON (see cluster.sh), PG_PORT (25434), KEEP (keep the work directory).
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS

if [[ -n "${BIN:-}" ]]; then
    bin=$BIN
else
    swift build --product artifact-store >&2
    bin=$(swift build --show-bin-path)/artifact-store
fi
uv=${UV:-.build/client-venv/bin/uv}
[[ -x "$uv" ]] || uv=$(command -v uv) || { echo "cluster-faults: FAIL: no uv (set UV)" >&2; exit 1; }
python=$(python3 -c 'import sys; print(sys.executable)')
pg_bin=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
[[ -x "$pg_bin/psql" ]] || { echo "cluster-faults: FAIL: no psql in $pg_bin: apt-get install -y postgresql (or set PG_BIN)" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/cluster-faults.XXXXXX")  # only this new directory is removed
export PG_PORT=${PG_PORT:-25434}
source scripts/lib/cluster.sh
uv_pid=
cleanup() {
    [[ -z "$uv_pid" ]] || kill "$uv_pid" 2>/dev/null || true
    cluster_cleanup
    [[ -n "${KEEP:-}" ]] && echo "kept $work" >&2 || rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

bound=10     # seconds any one request may take
checks=0
note() { printf 'cluster-faults: %s\n' "$*"; }
fail() {
    printf 'cluster-faults: FAIL: %s\n' "$*" >&2
    if [[ -f "$work/a.log" ]]; then echo "-- the node's log (last lines):" >&2; tail -n 15 "$work/a.log" >&2; fi
    exit 1
}
pass() { checks=$((checks + 1)); note "ok: $*"; }

# GET through the node: NAME PATH [CURL OPTIONS…]. Keeps NAME.body and NAME.headers; sets
# `code`, `seconds`, `size` and `curl_rc` (a request that hangs past the bound fails here).
get() {
    local name=$1 path=$2; shift 2
    curl_rc=0
    curl -s -o "$work/$name.body" -D "$work/$name.headers" --max-time "$bound" \
        -w '%{http_code} %{time_total} %{size_download}\n' "$@" "$a_base$path" >"$work/$name.w" || curl_rc=$?
    read -r code seconds size <"$work/$name.w" || true
    [[ $curl_rc != 28 ]] || fail "$path: no answer within $bound s (it hangs)"
}
header() { tr -d '\r' <"$work/$1.headers" | awk -v name="$(tr 'A-Z' 'a-z' <<<"$2")" -F': ' 'tolower($1) == name { print substr($0, length($1) + 3) }' | tail -1; }
sha() { sha256sum <"$work/$1.body" | cut -d' ' -f1; }
expect_status() { [[ $code == "$2" && $curl_rc == 0 ]] || fail "$1: expected $2, got $code (curl exit $curl_rc): $(head -c 400 "$work/$1.body")"; }
expect_alive() { kill -0 "$a_pid" 2>/dev/null || fail "the serve node died ($1)"; }
# NAME STATUS TEXT…: a problem document with that status whose detail names each TEXT.
expect_problem() {
    local name=$1 status=$2; shift 2
    expect_status "$name" "$status"
    [[ $(header "$name" content-type) == application/problem+json ]] || fail "$name: not application/problem+json: $(header "$name" content-type)"
    "$python" - "$work/$name.body" "$status" "$@" <<'PY' || fail "$name: not the expected problem document: $(head -c 600 "$work/$name.body")"
import json, sys
problem = json.load(open(sys.argv[1]))
assert problem["status"] == int(sys.argv[2]) and problem["type"].startswith("urn:artifact-store:problem:"), problem
assert problem["title"] and problem["code"], problem
for text in sys.argv[3:]:
    assert text in problem["detail"], (text, problem["detail"])
PY
}
# NAME SHA256: a complete 200 with exactly those bytes.
expect_file() {
    expect_status "$1" 200
    [[ $(sha "$1") == "$2" ]] || fail "$1: wrong bytes ($size bytes, sha256 $(sha "$1"), expected $2)"
    [[ $(header "$1" content-length) == "$size" ]] || fail "$1: $size bytes of a declared $(header "$1" content-length)"
}
expect_outcome() { [[ $(header "$1" x-artifact-store-outcome) == "$2" ]] || fail "$1: outcome $(header "$1" x-artifact-store-outcome), expected $2"; }
wheel_sha() { "$python" -c 'import json, sys; print(next(f["sha256"] for files in json.load(open(sys.argv[1])).values() for f in files if f["filename"] == sys.argv[2]))' "$work/up/manifest.json" "$1"; }
uv_install() {  # TAG PACKAGE…: an empty uv cache, a fresh --target; output in uv-TAG.log
    local tag=$1; shift
    env -u UV_INDEX_URL -u UV_EXTRA_INDEX_URL -u UV_INDEX -u UV_DEFAULT_INDEX -u UV_FIND_LINKS \
        UV_CACHE_DIR="$work/uv-cache-$tag" "$uv" pip install --no-config --python "$python" \
        --index-url "$a_base/up/simple/" --target "$work/target-$tag" "$@" >"$work/uv-$tag.log" 2>&1
}
# SQL against the node's schema (a count).
sql() { PGOPTIONS="-c search_path=${metadata##*schema=}" "$pg_bin/psql" "$(scripts/postgres-test-server.sh url)" -Atqc "$1"; }

cluster_upstream_options=(--big-mb 3)   # big-1.0: a 3 MiB wheel, streamed while it downloads
cluster_start_backends
moto_pid=${cluster_pids[0]}
s3_endpoint=${blobs#*endpoint=}; s3_endpoint=${s3_endpoint%%&*}
bucket=${blobs#s3://}; bucket=${bucket%%\?*}
cluster_start_node a
note "node $a_base, PostgreSQL on 127.0.0.1:$PG_PORT, S3 (moto) at $s3_endpoint, upstream $upstream"
alpha_whl=/up/files/alpha/alpha-1.0-py3-none-any.whl
alpha_sha=$(wheel_sha alpha-1.0-py3-none-any.whl)

# --- 1. PostgreSQL restarted under the node -------------------------------------------------
note "1. PostgreSQL restarted while the node runs"
get warm-page /up/simple/alpha/; expect_status warm-page 200
get warm-wheel "$alpha_whl"; expect_file warm-wheel "$alpha_sha"
pass "warmed up: the alpha page and wheel through the node"
scripts/postgres-test-server.sh stop
pg_down_at=$SECONDS
pg_worst=0
pg_detail=("PostgreSQL at 127.0.0.1:$PG_PORT" "Check that the server is running")
for probe in "pg-page /up/simple/alpha/" "pg-wheel $alpha_whl" "pg-list /up/simple/" "pg-merged /simple/alpha/" "pg-status /-/status"; do
    read -r name path <<<"$probe"
    get "$name" "$path"
    expect_problem "$name" 503 "${pg_detail[@]}"
    pg_worst=$("$python" -c "print(max($pg_worst, $seconds))")
    pass "PostgreSQL down: GET $path is a 503 problem naming it, in ${seconds}s"
done
[[ $(header pg-wheel x-artifact-store-outcome) == refused ]] || fail "pg-wheel: outcome $(header pg-wheel x-artifact-store-outcome)"
get pg-health /-/health; expect_status pg-health 200
expect_alive "PostgreSQL down"
pass "PostgreSQL down: the node is alive and /-/health answers 200"

# A real uv during the outage: PostgreSQL comes back once the node has answered uv a 503, and
# uv's own retries (three, with backoff) then install alpha and its dependencies.
log_mark=$(wc -l <"$work/a.log")
uv_install restart alpha & uv_pid=$!
for _ in $(seq 100); do
    tail -n +"$((log_mark + 1))" "$work/a.log" | grep -q ' GET /up/simple/alpha/ 503 ' && break
    kill -0 "$uv_pid" 2>/dev/null || break
    sleep 0.1
done
tail -n +"$((log_mark + 1))" "$work/a.log" | grep -q ' GET /up/simple/alpha/ 503 ' || fail "uv's first request did not reach the node while PostgreSQL was down"
scripts/postgres-test-server.sh start >/dev/null
pg_up_at=$SECONDS
recovered=
for attempt in $(seq 40); do
    get rec-page /up/simple/alpha/
    [[ $code == 200 ]] && { recovered=$attempt; break; }
    sleep 0.25
done
[[ -n "$recovered" ]] || fail "the node did not answer the alpha page within 10 s of PostgreSQL's restart (last: $code)"
expect_status rec-page 200
grep -q 'alpha-1.0-py3-none-any.whl' "$work/rec-page.body" || fail "the recovered alpha page lists no alpha wheel"
get rec-wheel "$alpha_whl"; expect_file rec-wheel "$alpha_sha"
expect_alive "after PostgreSQL's restart"
pass "PostgreSQL back: the same node answers the page (attempt $recovered) and the wheel, verified"
uv_rc=0; wait "$uv_pid" || uv_rc=$?; uv_pid=
[[ $uv_rc == 0 ]] || { cat "$work/uv-restart.log" >&2; fail "uv started during the outage did not install once PostgreSQL was back"; }
[[ -d "$work/target-restart/alpha" ]] || fail "uv reported success but alpha is not installed"
uv_503s=$(tail -n +"$((log_mark + 1))" "$work/a.log" | grep -c ' 503 ' || true)
pass "uv started during the outage got $uv_503s 503(s), retried, and installed alpha once PostgreSQL was back ($((SECONDS - pg_down_at)) s down to installed)"

# --- 2. The S3 server stopped under the node ------------------------------------------------
note "2. the S3 server stopped while the node runs"
for project in delta torch big; do get "warm-$project" "/up/simple/$project/"; expect_status "warm-$project" 200; done
pass "warmed up: the delta, torch (no-store) and big pages (their wheels never fetched)"
kill "$moto_pid"; wait "$moto_pid" 2>/dev/null || true
if curl -s -o /dev/null --max-time 2 "$s3_endpoint/"; then fail "the S3 server still answers after it was killed"; fi
bucket_detail=("cannot reach the S3 endpoint $s3_endpoint (bucket $bucket)" "check the endpoint URL and that the server is running")

get s3-cached "$alpha_whl"; expect_file s3-cached "$alpha_sha"; expect_outcome s3-cached hit
pass "S3 down: the wheel this node caches is served, verified ($size bytes, ${seconds}s)"
get s3-page /up/simple/alpha/; expect_status s3-page 200
grep -q 'alpha-1.0-py3-none-any.whl' "$work/s3-page.body" || fail "s3-page: the alpha page lists no alpha wheel"
pass "S3 down: a page this node caches is served ($(header s3-page x-artifact-store-outcome))"
get s3-torch /up/simple/torch/; expect_status s3-torch 200; expect_outcome s3-torch archived-fallback
[[ $(header s3-torch x-artifact-store-fallback-reason) == *"(bucket $bucket)"* ]] || fail "s3-torch: the fallback reason does not name the bucket: $(header s3-torch x-artifact-store-fallback-reason)"
pass "S3 down: the no-store torch page, which the upstream sends again, is answered from its archived copy, saying why"

unstored=()
for wheel in delta/delta-1.0-py3-none-any.whl big/big-1.0-py3-none-any.whl; do
    name=s3-new-${wheel%%/*}; file=${wheel#*/}
    mark=$(grep -c ' warning ' "$work/a.log" || true)
    get "$name" "/up/files/$wheel"
    expect_file "$name" "$(wheel_sha "$file")"; expect_outcome "$name" fetched
    for _ in $(seq 20); do [[ $(grep -c ' warning ' "$work/a.log" || true) -gt $mark ]] && break; sleep 0.1; done
    grep ' warning ' "$work/a.log" | tail -n +"$((mark + 1))" | grep -q "served .*/files/$file as the upstream sent it, verified .* but did not store it: cannot reach the S3 endpoint" \
        || fail "$name: no warning in the node's log that $file was served unstored"
    unstored+=("$(wheel_sha "$file")")
    pass "S3 down: $file, never fetched before, is passed through from the upstream, verified ($size bytes, ${seconds}s), with a warning in the log"
done
[[ $(header s3-new-delta x-artifact-store-fallback-reason) == "not stored: "*"(bucket $bucket)"* ]] \
    || fail "s3-new-delta: no X-Artifact-Store-Fallback-Reason naming the bucket: $(header s3-new-delta x-artifact-store-fallback-reason)"
rows=$(sql "SELECT (SELECT count(*) FROM blob WHERE digest IN ('${unstored[0]}', '${unstored[1]}'))
             + (SELECT count(*) FROM response WHERE url LIKE '%/files/delta-1.0-py3-none-any.whl' OR url LIKE '%/files/big-1.0-py3-none-any.whl')
             + (SELECT count(*) FROM lease)")
[[ $rows == 0 ]] || fail "S3 down: $rows blob, response or lease rows were recorded for files the bucket does not hold"
pass "S3 down: nothing recorded for the files passed through (no blob, response or lease row)"

get s3-new-page /up/simple/mixed-case-name/
expect_problem s3-new-page 503 "${bucket_detail[@]}"
pass "S3 down: a page this node never saw is a 503 problem naming the bucket and what to do (${seconds}s)"
get s3-health /-/health; expect_status s3-health 200
expect_alive "S3 down"

uv_rc=0; uv_install s3 alpha delta || uv_rc=$?
[[ $uv_rc == 0 && -d "$work/target-s3/alpha" && -d "$work/target-s3/delta" ]] || { cat "$work/uv-s3.log" >&2; fail "uv could not install alpha and delta through the node with the S3 server down"; }
pass "S3 down: uv installs alpha (cached by the node) and delta (passed through), empty uv cache"
expect_alive "S3 down, after uv"

# --- 3. No secret anywhere ------------------------------------------------------------------
note "3. secrets"
pg_password=${metadata#*://*:}; pg_password=${pg_password%%@*}
[[ -n "$pg_password" && -n "$AWS_SECRET_ACCESS_KEY" ]] || fail "cannot tell the secrets to look for"
outputs=("$work"/*.log "$work"/*.out "$work"/*.body "$work"/*.headers)
leaks=$(grep -lF -e "$AWS_SECRET_ACCESS_KEY" -e "$pg_password" "${outputs[@]}" 2>/dev/null | grep -v '/s3\.\(log\|json\)$' || true)
[[ -z "$leaks" ]] || fail "a secret appears in: $(echo $leaks)"
pass "no AWS secret or PostgreSQL password in ${#outputs[@]} logs, answers and headers"

total=$((SECONDS - started))
note "$checks checks passed in $total s"
"$python" - "$total" "$checks" "$pg_worst" "$((pg_up_at - pg_down_at))" "$recovered" "$uv_503s" \
    "$(header s3-cached x-artifact-store-outcome)" "$(header s3-page x-artifact-store-outcome)" "$(header s3-torch x-artifact-store-outcome)" <<'PY'
import json, sys
total, checks, worst, down, recovered, uv_503s, cached_wheel, cached_page, no_store_page = sys.argv[1:]
print(json.dumps({
    "script": "cluster-faults", "seconds": int(total), "checks": int(checks), "secrets_found": 0,
    "postgres_restart": {"status_while_down": 503, "slowest_answer_while_down_s": float(worst), "cached_wheel_while_down": 503,
                         "down_s": int(down), "page_back_on_attempt": int(recovered), "uv_503s_then_installed": int(uv_503s)},
    "s3_stopped": {"cached_wheel": cached_wheel, "cached_page": cached_page, "no_store_page": no_store_page,
                   "new_wheels": "passed through, verified, unstored", "rows_for_unstored": 0, "new_page_status": 503, "uv_install": "ok"},
}))
PY
echo "cluster-faults: done"
