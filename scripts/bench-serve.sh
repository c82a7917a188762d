#!/usr/bin/env bash
# `artifact-store serve` beside proxpi (a caching index proxy from PyPI, run as its Docker image runs
# it: gunicorn, one process, 2 threads), both in front of the SAME loopback upstream
# (scripts/test-upstream.py), in one run:
#   pages   warm project-page requests/s and p99 latency: wrk, 16 keep-alive connections, DURATION
#           seconds against one page (alpha), with the Accept header uv sends
#   large   warm download of a BIG_MB MiB wheel: curl, RUNS runs after one warming download, median
#           MB/s (MB = 10^6 bytes); the raw upstream (python http.server) and SHA-256 speeds
#           (openssl, sha256sum) are printed for context, since serve verifies SHA-256 while
#           serving and proxpi does not
#   install wall time of a warm `uv pip install many-root` (30 small wheels pkg000..029 plus the
#           root) with an empty uv cache each time, --target a fresh directory; RUNS runs after
#           one warming install, median
#   outage  (observations, no figures) what each answers with the upstream killed, for a page and a
#           file it had cached and a project it had never seen, then again after a restart
# Targets: serve >= 3x proxpi's page requests/s; >= 1000 MB/s on the large file.
# Prints progress on stderr, observations and figures on stdout, and ends with one line of JSON:
#   {"bench": "serve", "figures": {...}, "baseline": {...}, "targets": {...}, "met": {...}}
# Env: BIN (an artifact-store binary; default: build release into .build-release, a scratch path of
#      its own so it does not block debug builds), DURATION (wrk seconds, 10), RUNS (3),
#      BIG_MB (256), MANY (30), BENCH_VENV (the venv for proxpi, gunicorn and uv; default
#      .build-release/bench-venv, created on first use).
# Needs wrk (installed with apt-get when missing and running as root), curl, openssl, sha256sum.
set -euo pipefail
cd "$(dirname "$0")/.."

duration=${DURATION:-10} runs=${RUNS:-3} big_mb=${BIG_MB:-256} many=${MANY:-30}
venv=${BENCH_VENV:-.build-release/bench-venv}
# gunicorn 23.0.0, not the newest (27.0.1): 27.0.1's gthread worker leaves some of uv's 50 parallel
# connections unread for 5-25 s (their requests sit in the socket's receive queue), which would make
# proxpi's install times measure that bug; 23.0.0 never stalled in 20 installs.
requirements="proxpi==1.3.1 gunicorn==23.0.0 uv==0.13.8"
accept='application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01'
note() { printf 'bench-serve: %s\n' "$*" >&2; }
die() { note "$*"; exit 1; }

# ------------------------------------------------------------------------------------------ tools
if ! command -v wrk >/dev/null; then
    [[ $(id -u) == 0 ]] || die "wrk is missing: apt-get install wrk (as root), then run again"
    note "installing wrk"
    apt-get install -y -q wrk >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q wrk >/dev/null; }
fi
for tool in curl openssl sha256sum; do command -v "$tool" >/dev/null || die "$tool is missing"; done

if [[ -n "${BIN:-}" ]]; then
    bin=$BIN
else
    note "building release into .build-release (the first build takes 10-20 minutes)"
    swift build -c release --scratch-path .build-release --product artifact-store >&2
    bin=$(swift build -c release --scratch-path .build-release --show-bin-path)/artifact-store
fi
[[ -x "$bin" ]] || die "no artifact-store binary at $bin"

# The real interpreter, not a pyenv shim: killing a shim's pid can orphan the server it started.
python=$(python3 -c 'import sys; print(sys.executable)')
if [[ "$(cat "$venv/.bench-serve-requirements" 2>/dev/null)" != "$requirements" ]]; then
    note "installing $requirements into $venv"
    [[ -x "$venv/bin/python" ]] || "$python" -m venv "$venv"
    # shellcheck disable=SC2086
    "$venv/bin/pip" install -q --disable-pip-version-check $requirements >&2
    echo "$requirements" >"$venv/.bench-serve-requirements"
fi

# ------------------------------------------------------------------------------------ processes
work=$(mktemp -d "${TMPDIR:-/tmp}/bench-serve.XXXXXX")  # only this new directory is removed
pids=()
cleanup() {
    local pid tries
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do
        for tries in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    done
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

stop() {  # PID: stops one process this script started, waits for it, and forgets it
    local pid kept=()
    kill "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
    for pid in "${pids[@]}"; do [[ "$pid" == "$1" ]] || kept+=("$pid"); done
    pids=("${kept[@]}")
}

wait_line() {  # FILE PID SECONDS LOG: prints FILE's first line once it is complete
    local deadline=$((SECONDS + $3))
    while ((SECONDS < deadline)); do
        if [[ -s "$1" && $(wc -l <"$1") -ge 1 ]]; then head -1 "$1"; return 0; fi
        kill -0 "$2" 2>/dev/null || { note "process $2 exited early; $4:"; tail -20 "$4" >&2; return 1; }
        sleep 0.05
    done
    note "process $2 printed no line in $3 s; $4:"; tail -20 "$4" >&2
    return 1
}

start_upstream() {
    "$python" scripts/test-upstream.py serve "$work/up" --port 0 >"$work/up.port" 2>"$work/up.log" &
    up_pid=$!; pids+=("$up_pid")
    upstream=http://127.0.0.1:$(wait_line "$work/up.port" "$up_pid" 20 "$work/up.log")
}

serve_starts=0
start_serve() {  # the upstream's URL is kept across restarts, whether it answers or not
    serve_starts=$((serve_starts + 1))
    local out=$work/serve-$serve_starts.out log=$work/serve-$serve_starts.log
    "$bin" serve --store "$work/store" --index "up=$upstream/simple" --port 0 --no-access-log >"$out" 2>"$log" &
    serve_pid=$!; pids+=("$serve_pid")
    serve_base=$(wait_line "$out" "$serve_pid" 60 "$log")
    serve_base=${serve_base%/}
}

proxpi_starts=0
start_proxpi() {  # proxpi's Docker entrypoint, less its access log (serve runs with --no-access-log)
    proxpi_starts=$((proxpi_starts + 1))
    local log=$work/proxpi-$proxpi_starts.log deadline=$((SECONDS + 60)) port=
    PROXPI_INDEX_URL="$upstream/simple/" PROXPI_CACHE_DIR="$work/proxpi-cache" \
        "$venv/bin/gunicorn" --preload --logger-class proxpi.server._GunicornLogger \
        --bind 127.0.0.1:0 --threads 2 proxpi.server:app >"$log" 2>&1 &
    proxpi_pid=$!; pids+=("$proxpi_pid")
    while [[ -z "$port" ]]; do
        port=$(sed -n 's|.*Listening at: http://127\.0\.0\.1:\([0-9]*\).*|\1|p' "$log" | head -1)
        kill -0 "$proxpi_pid" 2>/dev/null || { note "proxpi exited early:"; tail -20 "$log" >&2; return 1; }
        ((SECONDS < deadline)) || { note "proxpi printed no port:"; tail -20 "$log" >&2; return 1; }
        sleep 0.05
    done
    proxpi_base=http://127.0.0.1:$port
    # Up only once a request is answered (gunicorn listens before its worker has booted).
    until curl -sf -o /dev/null --max-time 2 "$proxpi_base/health"; do
        ((SECONDS < deadline)) || die "proxpi does not answer /health"
        sleep 0.05
    done
}

proxpi_command="PROXPI_INDEX_URL=UPSTREAM/simple/ PROXPI_CACHE_DIR=DIR gunicorn --preload --logger-class proxpi.server._GunicornLogger --bind 127.0.0.1:0 --threads 2 proxpi.server:app"

# ------------------------------------------------------------------------------------- helpers
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) exit 1; print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

get() {  # URL: the page as uv asks for it; fails unless 200
    curl -sf -o /dev/null --max-time 60 -H "Accept: $accept" "$1" || die "GET $1 failed"
}

wrk_page() {  # NAME URL: "RPS P99_MS" from one wrk run
    local out=$work/wrk-$1.txt rps p99 bad
    wrk -t2 -c16 -d"${duration}s" --latency --timeout 5s -H "Accept: $accept" "$2" >"$out"
    rps=$(awk '/^Requests\/sec:/ { print $2 }' "$out")
    p99=$(awk '$1 == "99%" { v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v);
          print (u == "us") ? v / 1000 : (u == "s") ? v * 1000 : (u == "m") ? v * 60000 : v }' "$out")
    bad=$(awk -F: '/Non-2xx or 3xx responses|Socket errors/ { print }' "$out")
    [[ -z "$bad" ]] || note "$1: $bad"
    [[ -n "$rps" && -n "$p99" ]] || { cat "$out" >&2; die "cannot parse wrk's output for $1"; }
    echo "$rps $p99"
}

download_mbps() {  # URL: MB/s of one download of the big wheel; fails unless all of it came, 200
    local result code size seconds
    result=$(curl -s -o /dev/null --max-time 120 -w '%{http_code} %{size_download} %{time_total}' "$1")
    read -r code size seconds <<<"$result"
    [[ "$code" == 200 && "$size" == "$big_size" ]] || die "GET $1: status $code, $size of $big_size bytes"
    awk -v s="$size" -v t="$seconds" 'BEGIN { printf "%.1f\n", s / 1e6 / t }'
}

uv_install() {  # INDEX_URL: seconds of one `uv pip install many-root`, empty cache, fresh --target
    local cache target t0 t1 installed
    cache=$(mktemp -d "$work/uv-cache.XXXXXX") target=$(mktemp -d "$work/target.XXXXXX")
    t0=$(date +%s%N)
    if ! env -u UV_INDEX_URL -u UV_EXTRA_INDEX_URL -u UV_INDEX -u UV_DEFAULT_INDEX -u UV_FIND_LINKS \
        UV_CACHE_DIR="$cache" timeout 180 "$venv/bin/uv" pip install -q --no-config \
        --python "$venv/bin/python" --index-url "$1" --target "$target" many-root >"$work/uv.log" 2>&1; then
        cat "$work/uv.log" >&2; die "uv pip install through $1 failed"
    fi
    t1=$(date +%s%N)
    installed=$(find "$target" -maxdepth 1 -name '*.dist-info' | wc -l)
    [[ "$installed" == $((many + 1)) ]] || die "uv installed $installed distributions, not $((many + 1))"
    rm -rf "$cache" "$target"
    awk -v ns=$((t1 - t0)) 'BEGIN { printf "%.3f\n", ns / 1e9 }'
}

probe() {  # LABEL URL: one line: status, serve's outcome, a problem document's code, time
    local headers=$work/probe.headers body=$work/probe.body result code seconds outcome problem
    result=$(curl -s -o "$body" -D "$headers" --max-time 30 -H "Accept: $accept" \
        -w '%{http_code} %{time_total}' "$2" || true)
    read -r code seconds <<<"$result"
    outcome=$(tr -d '\r' <"$headers" | sed -n 's/^[Xx]-[Aa]rtifact-[Ss]tore-[Oo]utcome: *//p' | head -1)
    problem=$(tr -d '\r' <"$headers" | grep -qi '^content-type: *application/problem+json' &&
        sed -n 's/.*"type" *: *"urn:artifact-store:problem:\([^"]*\)".*/\1/p' "$body" | head -1 || true)
    printf '  %-38s -> %s%s%s (%.0f ms)\n' "$1" "${code:-no answer}" "${outcome:+, outcome $outcome}" \
        "${problem:+, reason $problem}" "$(awk -v t="${seconds:-0}" 'BEGIN { print t * 1000 }')"
}

probe_both() {  # the same five requests through each
    echo "  serve:"
    probe "alpha page (cached)" "$serve_base/up/simple/alpha/"
    probe "torch page (cached, upstream no-store)" "$serve_base/up/simple/torch/"
    probe "alpha wheel (cached)" "$serve_base/up/files/alpha/alpha-1.0-py3-none-any.whl"
    probe "delta page (never fetched)" "$serve_base/up/simple/delta/"
    probe "delta wheel (never fetched)" "$serve_base/up/files/delta/delta-1.0-py3-none-any.whl"
    echo "  proxpi:"
    probe "alpha page (cached)" "$proxpi_base/index/alpha/"
    probe "torch page (cached, upstream no-store)" "$proxpi_base/index/torch/"
    probe "alpha wheel (cached)" "$proxpi_base/index/alpha/alpha-1.0-py3-none-any.whl"
    probe "delta page (never fetched)" "$proxpi_base/index/delta/"
    probe "delta wheel (never fetched)" "$proxpi_base/index/delta/delta-1.0-py3-none-any.whl"
}

cpu_seconds() {  # PID: user + system CPU seconds so far
    awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$1/stat" 2>/dev/null || echo 0
}
rss_mib() { awk '/^VmRSS:/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status" 2>/dev/null || echo "?"; }

# --------------------------------------------------------------------------------------- setup
bench_start=$SECONDS
note "building the upstream (--many $many --big-mb $big_mb) in $work"
"$python" scripts/test-upstream.py build "$work/up" --many "$many" --big-mb "$big_mb" >/dev/null
big_file=$work/up/files/big-1.0-py3-none-any.whl
big_size=$(stat -c %s "$big_file")
start_upstream
start_serve
start_proxpi
echo "upstream $upstream (test-upstream.py); serve $serve_base ($bin); proxpi $proxpi_base"
echo "proxpi: $("$venv/bin/pip" list --disable-pip-version-check 2>/dev/null | awk '$1 == "proxpi" || $1 == "gunicorn" || $1 == "Flask" { printf "%s %s  ", $1, $2 }')"
echo "proxpi command: $proxpi_command"

# ---------------------------------------------------------------------------------------- pages
note "pages: wrk -t2 -c16 -d${duration}s, each after one warming request"
get "$serve_base/up/simple/alpha/"
get "$proxpi_base/index/alpha/"
serve_wrk=$(wrk_page serve "$serve_base/up/simple/alpha/")
proxpi_wrk=$(wrk_page proxpi "$proxpi_base/index/alpha/")
read -r serve_rps serve_p99 <<<"$serve_wrk"
read -r proxpi_rps proxpi_p99 <<<"$proxpi_wrk"
echo "pages (alpha, 16 connections, ${duration}s): serve $serve_rps req/s, p99 $serve_p99 ms; proxpi $proxpi_rps req/s, p99 $proxpi_p99 ms"

# ---------------------------------------------------------------------------------- large file
note "large file: $big_size bytes, $runs runs each after one warming download"
get "$serve_base/up/simple/big/"
get "$proxpi_base/index/big/"
download_mbps "$serve_base/up/files/big/big-1.0-py3-none-any.whl" >/dev/null
# proxpi redirects to the upstream until its background download is done (PROXPI_DOWNLOAD_TIMEOUT).
deadline=$((SECONDS + 120))
until [[ $(curl -s -o /dev/null --max-time 120 -w '%{http_code}' "$proxpi_base/index/big/big-1.0-py3-none-any.whl") == 200 ]]; do
    ((SECONDS < deadline)) || die "proxpi never served the big wheel itself"
    sleep 0.5
done
download_mbps "$proxpi_base/index/big/big-1.0-py3-none-any.whl" >/dev/null
download_mbps "$upstream/files/big-1.0-py3-none-any.whl" >/dev/null
serve_big=() proxpi_big=() raw_big=()
proxpi_worker=$(pgrep -P "$proxpi_pid" | head -1)
serve_cpu0=$(cpu_seconds "$serve_pid") proxpi_cpu0=$(cpu_seconds "$proxpi_worker")
for run in $(seq "$runs"); do
    serve_big+=("$(download_mbps "$serve_base/up/files/big/big-1.0-py3-none-any.whl")")
    proxpi_big+=("$(download_mbps "$proxpi_base/index/big/big-1.0-py3-none-any.whl")")
    raw_big+=("$(download_mbps "$upstream/files/big-1.0-py3-none-any.whl")")
done
serve_cpu=$(awk -v a="$serve_cpu0" -v b="$(cpu_seconds "$serve_pid")" -v n="$runs" -v s="$big_size" 'BEGIN { printf "%.2f", (b - a) / (n * s / 1e9) }')
proxpi_cpu=$(awk -v a="$proxpi_cpu0" -v b="$(cpu_seconds "$proxpi_worker")" -v n="$runs" -v s="$big_size" 'BEGIN { printf "%.2f", (b - a) / (n * s / 1e9) }')
serve_mbps=$(printf '%s\n' "${serve_big[@]}" | median)
proxpi_mbps=$(printf '%s\n' "${proxpi_big[@]}" | median)
raw_mbps=$(printf '%s\n' "${raw_big[@]}" | median)
t0=$(date +%s%N); sha256sum "$big_file" >/dev/null; t1=$(date +%s%N)
sha256sum_mbps=$(awk -v s="$big_size" -v ns=$((t1 - t0)) 'BEGIN { printf "%.1f", s / 1e6 / (ns / 1e9) }')
t0=$(date +%s%N); openssl dgst -sha256 "$big_file" >/dev/null; t1=$(date +%s%N)
openssl_mbps=$(awk -v s="$big_size" -v ns=$((t1 - t0)) 'BEGIN { printf "%.1f", s / 1e6 / (ns / 1e9) }')
echo "large file (${big_mb} MiB, MB/s, runs: serve ${serve_big[*]}; proxpi ${proxpi_big[*]}; raw upstream ${raw_big[*]}):" \
    "serve $serve_mbps, proxpi $proxpi_mbps; context: raw upstream (python) $raw_mbps," \
    "sha256sum $sha256sum_mbps, openssl dgst -sha256 $openssl_mbps"
echo "large file, server CPU per GB sent: serve $serve_cpu s (reads, SHA-256, copies to the socket)," \
    "proxpi $proxpi_cpu s (sendfile from its cache, no hashing)"
echo "memory after the large file: serve $(rss_mib "$serve_pid") MiB RSS, proxpi master $(rss_mib "$proxpi_pid") MiB" \
    "+ worker $(rss_mib "$proxpi_worker") MiB"

# ------------------------------------------------------------------------------------- install
note "install: uv pip install many-root, $runs runs each after one warming install"
uv_install "$serve_base/up/simple/" >/dev/null
uv_install "$proxpi_base/index/" >/dev/null
serve_uv=() proxpi_uv=()
for run in $(seq "$runs"); do
    serve_uv+=("$(uv_install "$serve_base/up/simple/")")
    proxpi_uv+=("$(uv_install "$proxpi_base/index/")")
done
serve_uv_s=$(printf '%s\n' "${serve_uv[@]}" | median)
proxpi_uv_s=$(printf '%s\n' "${proxpi_uv[@]}" | median)
serve_uv_best=$(printf '%s\n' "${serve_uv[@]}" | sort -g | head -1)
proxpi_uv_best=$(printf '%s\n' "${proxpi_uv[@]}" | sort -g | head -1)
echo "uv pip install of $((many + 1)) wheels, empty uv cache (s, runs: serve ${serve_uv[*]}; proxpi ${proxpi_uv[*]}):" \
    "serve $serve_uv_s, proxpi $proxpi_uv_s (medians)"

# -------------------------------------------------------------------------------------- outage
note "outage: cache alpha, torch and alpha's wheel in both, then kill the upstream"
for base in "$serve_base/up/simple" "$proxpi_base/index"; do get "$base/torch/"; done
get "$serve_base/up/files/alpha/alpha-1.0-py3-none-any.whl"
get "$proxpi_base/index/alpha/alpha-1.0-py3-none-any.whl"
stop "$up_pid"
echo "upstream down (killed), both still running:"
probe_both
stop "$serve_pid"
stop "$proxpi_pid"
start_serve
start_proxpi
echo "upstream down, both restarted on the same store / PROXPI_CACHE_DIR:"
probe_both
echo "(proxpi keeps project pages only in memory, for PROXPI_INDEX_TTL (1800 s) and never across a restart; a file is served only after its project page, so its cached files are unreachable without the upstream)"
note "done in $((SECONDS - bench_start)) s (after the build)"

# ---------------------------------------------------------------------------------------- JSON
"$python" - "$serve_rps" "$serve_p99" "$serve_mbps" "$serve_uv_s" "$proxpi_rps" "$proxpi_p99" "$proxpi_mbps" \
    "$proxpi_uv_s" "$raw_mbps" "$sha256sum_mbps" "$openssl_mbps" "$serve_uv_best" "$proxpi_uv_best" \
    "$big_mb" "$runs" "$duration" "$many" <<'PY'
import json, sys
(serve_rps, serve_p99, serve_mbps, serve_uv, proxpi_rps, proxpi_p99, proxpi_mbps, proxpi_uv,
 raw_mbps, sha256sum_mbps, openssl_mbps, serve_uv_best, proxpi_uv_best) = map(float, sys.argv[1:14])
big_mb, runs, duration, many = map(int, sys.argv[14:18])
ratio = serve_rps / proxpi_rps
targets = {"page_rps_ratio_vs_proxpi": 3, "large_file_MBps": 1000}
print(json.dumps({
    "bench": "serve",
    "figures": {
        "page_rps": round(serve_rps, 1), "page_p99_ms": round(serve_p99, 2),
        "page_rps_ratio_vs_proxpi": round(ratio, 2),
        "large_file_MBps": round(serve_mbps, 1),
        "uv_install_s": round(serve_uv, 3), "uv_install_best_s": round(serve_uv_best, 3),
        "context_upstream_python_MBps": round(raw_mbps, 1),
        "context_sha256sum_MBps": round(sha256sum_mbps, 1),
        "context_openssl_sha256_MBps": round(openssl_mbps, 1),
        "large_file_MiB": big_mb, "uv_install_wheels": many + 1, "runs": runs, "wrk_seconds": duration,
    },
    "baseline": {
        "name": "proxpi 1.3.1 under gunicorn 23.0.0 --threads 2",
        "page_rps": round(proxpi_rps, 1), "page_p99_ms": round(proxpi_p99, 2),
        "large_file_MBps": round(proxpi_mbps, 1),
        "uv_install_s": round(proxpi_uv, 3), "uv_install_best_s": round(proxpi_uv_best, 3),
    },
    "targets": targets,
    "met": {
        "page_rps_ratio_vs_proxpi": ratio >= targets["page_rps_ratio_vs_proxpi"],
        "large_file_MBps": serve_mbps >= targets["large_file_MBps"],
    },
}))
PY
