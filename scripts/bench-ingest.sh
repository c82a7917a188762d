#!/usr/bin/env bash
# Ingest benchmark (target ≥ 700 MB/s): a crash-safe put of a large file, beside baselines measured in
# the same run on the same disk:
#   baseline   sha256sum FILE && cp FILE DEST && sync DEST   (hash, then copy, then flush)
#   openssl    openssl dgst -sha256 FILE                     (hashing alone, the CPU bound)
# Target: put >= 700 MB/s and >= 2.5x the baseline. Reports medians over ROUNDS rounds, and ends
# with one JSON line for the random file: {"bench": "ingest", "figures", "baseline", "targets", "met"}.
#
# Usage: scripts/bench-ingest.sh [EXTRA_FILE...]      e.g. a 190 MB torch wheel, if you have one
# Env:   SIZE_MIB (default 1024), ROUNDS (default 5), BENCH_DIR (default: a new temp dir),
#        SKIP_BUILD=1 to reuse .build/release/artifact-store
set -euo pipefail
cd "$(dirname "$0")/.."

size_mib=${SIZE_MIB:-1024}
rounds=${ROUNDS:-5}
for tool in bc openssl sha256sum; do
    command -v "$tool" >/dev/null || { echo "bench-ingest: needs $tool (apt-get install -y bc openssl coreutils)" >&2; exit 64; }
done
work=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/bench-ingest.XXXXXX")  # only this new directory is removed
trap 'rm -rf "$work"' EXIT

if [ "${SKIP_BUILD:-0}" != 1 ]; then
    swift build -c release --product artifact-store >&2
fi
bin=${BIN:-$(swift build -c release --show-bin-path)/artifact-store}

files=("$work/random-${size_mib}MiB.bin")
echo "creating a ${size_mib} MiB file of random bytes in $work" >&2
head -c $((size_mib * 1024 * 1024)) /dev/urandom > "${files[0]}"
for extra in "$@"; do files+=("$extra"); done

now() { date +%s.%N; }
# seconds for one run of a command, page cache flushed of dirty data first
timed() {
    sync
    local start end
    start=$(now)
    "$@" > /dev/null
    end=$(now)
    echo "$end - $start" | bc -l
}
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
baseline() { sha256sum "$1" && cp "$1" "$2" && sync "$2"; }

for file in "${files[@]}"; do
    bytes=$(stat -c %s "$file")
    cat "$file" > /dev/null  # all contenders read from the page cache
    put_times=() base_times=() ssl_times=()
    for round in $(seq "$rounds"); do
        rm -rf "$work/store" "$work/copy"
        put_times+=("$(timed "$bin" put --store "$work/store" "$file")")
        base_times+=("$(timed baseline "$file" "$work/copy")")
        ssl_times+=("$(timed openssl dgst -sha256 "$file")")
    done
    rm -rf "$work/store" "$work/copy"
    put=$(printf '%s\n' "${put_times[@]}" | median)
    base=$(printf '%s\n' "${base_times[@]}" | median)
    ssl=$(printf '%s\n' "${ssl_times[@]}" | median)
    # bc writes .16 for 0.16, which JSON refuses.
    put=$(printf '%.4f' "$put") base=$(printf '%.4f' "$base") ssl=$(printf '%.4f' "$ssl")
    mbps() { echo "$bytes / $1 / 1000000" | bc -l | xargs printf '%.0f'; }
    printf '%s (%s bytes, median of %s rounds)\n' "$(basename "$file")" "$bytes" "$rounds"
    printf '  artifact-store put      %6.2f s  %5s MB/s\n' "$put" "$(mbps "$put")"
    printf '  sha256sum + cp + sync   %6.2f s  %5s MB/s   put is %.2fx faster\n' "$base" "$(mbps "$base")" "$(echo "$base / $put" | bc -l)"
    printf '  openssl dgst -sha256    %6.2f s  %5s MB/s   (hash only; put/openssl time %.2f)\n' "$ssl" "$(mbps "$ssl")" "$(echo "$put / $ssl" | bc -l)"
    printf '{"file":"%s","bytes":%s,"putSeconds":%s,"baselineSeconds":%s,"opensslSeconds":%s,"putMBps":%s,"ratioToBaseline":%.3f}\n' \
        "$(basename "$file")" "$bytes" "$put" "$base" "$ssl" "$(mbps "$put")" "$(echo "$base / $put" | bc -l)"
    if [ "$file" = "${files[0]}" ]; then
        summary_bytes=$bytes summary_put=$put summary_base=$base summary_ssl=$ssl
        summary_put_mbps=$(mbps "$put") summary_base_mbps=$(mbps "$base") summary_ssl_mbps=$(mbps "$ssl")
        summary_ratio=$(echo "$base / $put" | bc -l | xargs printf '%.3f')
    fi
done

# The one line other scripts read: the random file's figures beside the same run's baselines.
met_mbps=$([ "$summary_put_mbps" -ge 700 ] && echo true || echo false)
met_ratio=$([ "$(echo "$summary_ratio >= 2.5" | bc -l)" = 1 ] && echo true || echo false)
printf '{"bench": "ingest", "figures": {"bytes": %s, "rounds": %s, "putSeconds": %s, "putMBps": %s, "ratioToBaseline": %s}, "baseline": {"sha256sumCpSyncSeconds": %s, "sha256sumCpSyncMBps": %s, "opensslSeconds": %s, "opensslMBps": %s}, "targets": {"putMBps": 700, "ratioToBaseline": 2.5}, "met": {"putMBps": %s, "ratioToBaseline": %s}}\n' \
    "$summary_bytes" "$rounds" "$summary_put" "$summary_put_mbps" "$summary_ratio" "$summary_base" "$summary_base_mbps" "$summary_ssl" "$summary_ssl_mbps" "$met_mbps" "$met_ratio"
