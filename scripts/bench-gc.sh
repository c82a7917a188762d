#!/usr/bin/env bash
# Times `artifact-store gc` over 1 M small unreferenced blobs and 100 k referenced ones
# (target: ≤ 2 min, memory flat). Release build.
#
# The store is filled fast, not through `put`: after `artifact-store init` creates the schema,
# a Python script writes each blob file (content "blob N", named by its real SHA-256, mode 0444,
# in blobs/sha256/xx/) and inserts the blob rows — and, for the referenced ones, a response row
# whose body is that blob — with sqlite3 in one transaction. Every row's last use is a day old,
# so nothing is protected as recently used. Then gc runs under /usr/bin/time -v.
#
#   scripts/bench-gc.sh [UNREFERENCED] [REFERENCED]     (defaults 1000000 100000)
#   BIN=path/to/artifact-store  to skip the build;  KEEP=1 to keep the store;
#   FILL_ONLY=1 to fill a store, print its path and stop (implies KEEP)
set -euo pipefail
cd "$(dirname "$0")/.."
UNREFERENCED=${1:-1000000}
REFERENCED=${2:-100000}
if [[ -z "${BIN:-}" ]]; then
    swift build -c release --product artifact-store --scratch-path "${SCRATCH:-.build}" >&2
    BIN="${SCRATCH:-.build}/release/artifact-store"
fi
WORK=$(mktemp -d "${TMPDIR:-/tmp}/bench-gc.XXXXXX")
[[ -n "${FILL_ONLY:-}" ]] && KEEP=1
[[ -n "${KEEP:-}" ]] || trap 'chmod -R u+w "$WORK" 2>/dev/null; rm -rf "$WORK"' EXIT
STORE="$WORK/store"
"$BIN" init --store "$STORE" >/dev/null

echo "filling $STORE: $UNREFERENCED unreferenced + $REFERENCED referenced blobs" >&2
started=$(date +%s.%N)
python3 - "$STORE" "$UNREFERENCED" "$REFERENCED" <<'PY'
import hashlib, os, sqlite3, sys, time
store, unreferenced, referenced = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
blobs = os.path.join(store, "blobs", "sha256")
for i in range(256):
    os.makedirs(os.path.join(blobs, "%02x" % i), mode=0o700, exist_ok=True)
old = int(time.time()) - 86400
db = sqlite3.connect(os.path.join(store, "store.sqlite"))
db.execute("PRAGMA journal_mode=WAL")
db.execute("PRAGMA synchronous=OFF")
db.execute("BEGIN")
blob_rows, response_rows = [], []
for n in range(unreferenced + referenced):
    content = b"blob %d" % n
    digest = hashlib.sha256(content).hexdigest()
    path = os.path.join(blobs, digest[:2], digest)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o444)
    os.write(fd, content)
    os.close(fd)
    blob_rows.append((digest, len(content), old, old))
    if n >= unreferenced:
        response_rows.append(("GET", "https://files.example.org/f/%d.whl" % n, 200, "", old, old, "stored", 0, old, digest, len(content), old))
    if len(blob_rows) >= 50000:
        db.executemany("INSERT INTO blob (digest, size, created_at, last_used_at) VALUES (?,?,?,?)", blob_rows)
        db.executemany("""INSERT INTO response (method, url, status, response_headers, request_time, response_time,
            storability, freshness_lifetime, expires_at, body_digest, body_size, last_used_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)""", response_rows)
        blob_rows, response_rows = [], []
db.executemany("INSERT INTO blob (digest, size, created_at, last_used_at) VALUES (?,?,?,?)", blob_rows)
db.executemany("""INSERT INTO response (method, url, status, response_headers, request_time, response_time,
    storability, freshness_lifetime, expires_at, body_digest, body_size, last_used_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)""", response_rows)
db.execute("COMMIT")
db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
db.close()
PY
echo "filled in $(echo "$(date +%s.%N) - $started" | bc) s" >&2
sync
if [[ -n "${FILL_ONLY:-}" ]]; then echo "$STORE"; exit 0; fi

"$BIN" stats --store "$STORE" >&2
# Same-run baseline: one walk of the blob tree (what any collector must at least do), timed.
walk_started=$(date +%s.%N)
walked=$(find "$STORE/blobs" -type f -printf x | wc -c)
walk_seconds=$(awk -v a="$walk_started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", b - a }')
/usr/bin/time -v "$BIN" gc --store "$STORE" --json > "$WORK/gc.json" 2> "$WORK/time.txt" || { cat "$WORK/time.txt" >&2; exit 1; }
cat "$WORK/gc.json"
elapsed=$(grep "Elapsed (wall clock)" "$WORK/time.txt" | awk '{print $NF}')
rss=$(grep "Maximum resident set size" "$WORK/time.txt" | awk '{print $NF}')
echo "gc of $UNREFERENCED unreferenced blobs (keeping $REFERENCED referenced): wall $elapsed, peak RSS $((rss / 1024)) MiB"
"$BIN" stats --store "$STORE"
# A second run finds nothing to do.
"$BIN" gc --store "$STORE"
# Elapsed as [h:]m:ss.ss → seconds.
gc_seconds=$(echo "$elapsed" | awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s }')
met_time=$(echo "$gc_seconds <= 120" | bc)
printf '{"bench": "gc", "figures": {"unreferenced": %s, "referenced": %s, "gc_seconds": %s, "peak_rss_mib": %s}, "baseline": {"find_walk_seconds": %s, "files_walked": %s}, "targets": {"gc_seconds": 120}, "met": {"gc_seconds": %s}}\n' \
    "$UNREFERENCED" "$REFERENCED" "$gc_seconds" "$((rss / 1024))" "$walk_seconds" "$walked" "$([[ $met_time == 1 ]] && echo true || echo false)"
