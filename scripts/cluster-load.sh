#!/usr/bin/env bash
# Two `serve` nodes over one shared store (PostgreSQL + S3, ARCHITECTURE.md §11) under load for
# DURATION seconds, while gc runs from a third machine's CLI as hard as it can:
#   - real uv installs (empty cache each, alpha with its dependencies, torch, delta) through
#     node a and node b at once;
#   - curl downloads of every wheel through both nodes, each checked against the upstream
#     file's SHA-256;
#   - pinned puts (`put --pin`) of fresh files from a third store directory;
#   - `gc --max-size 1KiB --recent 0s --grace 0s` in a loop from that directory: every body
#     that is not pinned is evicted as soon as it can be, under the nodes' feet.
# Then: every pinned put reads back exactly (from a fourth, empty directory: from the bucket), no
# download ever had wrong bytes, and `verify` is clean. A failed request is counted, not fatal
# (an evicted body is fetched again); wrong bytes, a lost pinned put or a dirty verify fail the
# run. Ends with one JSON line: {"bench": "cluster-load", "figures", "baseline", "targets", "met"}.
# Env: BIN (default: debug build), UV (default: .build/client-venv/bin/uv, else uv on PATH),
#      DURATION (30), PG_PORT (25433).
set -euo pipefail
cd "$(dirname "$0")/.."

duration=${DURATION:-30}
if [[ -n "${BIN:-}" ]]; then
    bin=$BIN
else
    swift build --product artifact-store >&2
    bin=$(swift build --show-bin-path)/artifact-store
fi
uv=${UV:-.build/client-venv/bin/uv}
[[ -x "$uv" ]] || uv=$(command -v uv) || { echo "cluster-load: no uv (set UV)" >&2; exit 1; }
python=$(python3 -c 'import sys; print(sys.executable)')
work=$(mktemp -d "${TMPDIR:-/tmp}/cluster-load.XXXXXX")
export PG_PORT=${PG_PORT:-25433}
source scripts/lib/cluster.sh
loops=()
cleanup() {
    local pid
    for pid in "${loops[@]}"; do kill "$pid" 2>/dev/null || true; done
    cluster_cleanup
    [[ -n "${KEEP:-}" ]] && echo "kept $work" >&2 || rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
note() { printf 'cluster-load: %s\n' "$*" >&2; }

cluster_start_backends
cluster_start_node a --no-access-log
cluster_start_node b --no-access-log
shared=(--metadata "$metadata" --blobs "$blobs")
note "nodes $a_base and $b_base; load for $duration s"

# Every wheel's URL as node a lists it, and its expected SHA-256 by file name.
for project in alpha beta gamma torch delta; do
    curl -sf -H 'Accept: application/vnd.pypi.simple.v1+json' "$a_base/up/simple/$project/"
done | "$python" -c '
import json, sys
decoder, text, at = json.JSONDecoder(), sys.stdin.read(), 0
while at < len(text):
    page, at = decoder.raw_decode(text, at)
    for file in page["files"]:
        if file["filename"].endswith(".whl"):
            print(file["url"].split("#")[0], file["filename"], file["hashes"]["sha256"])' >"$work/files.txt"
[[ -s "$work/files.txt" ]] || { note "no files listed"; exit 1; }

deadline=$((SECONDS + duration))
mkdir -p "$work/results"

install_loop() {  # NODE_BASE TAG
    local n=0
    while ((SECONDS < deadline)); do
        n=$((n + 1))
        if env -u UV_INDEX_URL -u UV_EXTRA_INDEX_URL -u UV_INDEX -u UV_DEFAULT_INDEX -u UV_FIND_LINKS \
            UV_CACHE_DIR="$work/uv-$2-$n" "$uv" pip install -q --no-config --python "$python" \
            --index-url "$1/up/simple/" --target "$work/target-$2-$n" alpha torch delta >>"$work/uv-$2.log" 2>&1; then
            echo ok >>"$work/results/installs"
        else
            echo failed >>"$work/results/installs"
        fi
        rm -rf "$work/uv-$2-$n" "$work/target-$2-$n"
    done
}

download_loop() {  # NODE_BASE TAG
    local url name sha code
    while ((SECONDS < deadline)); do
        while read -r url name sha; do
            [[ $url == /* ]] && url=$1$url
            url=${url/$a_base/$1}
            code=$(curl -s -o "$work/dl-$2" -w '%{http_code}' --max-time 30 "$url" || true)
            if [[ $code != 200 ]]; then
                echo "failed $code $url" >>"$work/results/downloads"
            elif [[ $(sha256sum <"$work/dl-$2" | cut -d' ' -f1) != "$sha" ]]; then
                echo "WRONG $url" >>"$work/results/downloads"
            else
                echo ok >>"$work/results/downloads"
            fi
        done <"$work/files.txt"
    done
}

pin_loop() {
    local n=0 digest
    while ((SECONDS < deadline)); do
        n=$((n + 1))
        head -c 4096 /dev/urandom >"$work/pin-$n"
        if digest=$("$bin" put --pin --store "$work/node-c" "${shared[@]}" "$work/pin-$n" 2>>"$work/pin.log" | cut -d' ' -f1); then
            echo "$digest $(sha256sum <"$work/pin-$n" | cut -d' ' -f1)" >>"$work/results/pins"
        else
            echo "failed" >>"$work/results/pin-failures"
        fi
        rm -f "$work/pin-$n"
    done
}

gc_loop() {
    while ((SECONDS < deadline)); do
        if "$bin" gc --store "$work/node-c" "${shared[@]}" --max-size 1KiB --recent 0s --grace 0s >>"$work/gc.log" 2>&1; then
            echo ok >>"$work/results/gc"
        else
            echo failed >>"$work/results/gc"
        fi
    done
}

install_loop "$a_base" a 7>&- & loops+=($!)
install_loop "$b_base" b 7>&- & loops+=($!)
download_loop "$a_base" a 7>&- & loops+=($!)
download_loop "$b_base" b 7>&- & loops+=($!)
pin_loop 7>&- & loops+=($!)
gc_loop 7>&- & loops+=($!)
for pid in "${loops[@]}"; do wait "$pid"; done

count() { local n; n=$(grep -c "$1" "$work/results/$2" 2>/dev/null || true); echo "${n:-0}"; }
installs_ok=$(count '^ok' installs); installs_failed=$(count '^failed' installs)
downloads_ok=$(count '^ok' downloads); downloads_failed=$(count '^failed' downloads); wrong=$(count '^WRONG' downloads)
gc_runs=$(count '^ok' gc); gc_failed=$(count '^failed' gc)
pins=$(wc -l <"$work/results/pins" 2>/dev/null || echo 0)
note "checking $pins pinned puts from an empty directory (their bodies come from the bucket)"
lost=0
while read -r digest sha; do
    [[ $digest == "$sha" ]] || { lost=$((lost + 1)); continue; }
    got=$( { "$bin" cat --store "$work/node-d" "${shared[@]}" "$digest" 2>>"$work/cat.log" || true; } | sha256sum | cut -d' ' -f1)
    [[ $got == "$sha" ]] || lost=$((lost + 1))
done < <(cat "$work/results/pins" 2>/dev/null)
verify_clean=true
"$bin" verify --store "$work/node-c" "${shared[@]}" >"$work/verify.log" 2>&1 || verify_clean=false

echo "installs: $installs_ok ok, $installs_failed failed; downloads: $downloads_ok ok, $downloads_failed failed, $wrong with wrong bytes"
echo "pinned puts: $pins, lost: $lost; gc runs: $gc_runs ($gc_failed failed); verify: $(tail -1 "$work/verify.log")"
[[ $wrong == 0 ]] || grep WRONG "$work/results/downloads" | head -5 >&2
[[ $lost == 0 ]] || head -5 "$work/cat.log" >&2
[[ $verify_clean == true ]] || head -20 "$work/verify.log" >&2
[[ $installs_failed == 0 ]] || grep -h -i "error\|fail" "$work"/uv-*.log | sort | uniq -c | sort -rn | head -5 >&2
[[ $downloads_failed == 0 ]] || grep '^failed' "$work/results/downloads" | cut -d' ' -f1-2 | sort | uniq -c >&2
"$python" - "$installs_ok" "$installs_failed" "$downloads_ok" "$downloads_failed" "$wrong" "$pins" "$lost" "$gc_runs" "$gc_failed" "$verify_clean" "$duration" <<'PY'
import json, sys
io, if_, do, df, wrong, pins, lost, gcs, gcf = map(int, sys.argv[1:10])
clean, duration = sys.argv[10] == "true", int(sys.argv[11])
figures = {"seconds": duration, "installs_ok": io, "installs_failed": if_, "downloads_ok": do, "downloads_failed": df,
           "downloads_wrong_bytes": wrong, "pinned_puts": pins, "pinned_puts_lost": lost, "gc_runs": gcs, "gc_failed": gcf,
           "verify_clean": clean}
targets = {"downloads_wrong_bytes": 0, "pinned_puts_lost": 0, "verify_clean": True, "gc_runs": ">= 1", "installs_ok": ">= 1"}
met = {"downloads_wrong_bytes": wrong == 0, "pinned_puts_lost": lost == 0, "verify_clean": clean, "gc_runs": gcs >= 1, "installs_ok": io >= 1}
print(json.dumps({"bench": "cluster-load", "figures": figures, "baseline": {}, "targets": targets, "met": met}))
sys.exit(0 if all(met.values()) else 1)
PY
