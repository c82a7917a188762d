#!/usr/bin/env bash
# Two `artifact-store serve` nodes sharing one store: metadata in PostgreSQL, blobs in an
# S3-compatible bucket, each node with a directory of its own as its cache (ARCHITECTURE.md §11).
# Everything on loopback, no network:
#   1. a private PostgreSQL (scripts/postgres-test-server.sh, port 54330) and an S3 server
#      (moto, authentication on: scripts/s3-test-server.py), and a loopback upstream index
#      (scripts/test-upstream.py)
#   2. serve node A and node B over the same database and bucket, on two ports
#   3. uv installs alpha (and its dependency beta) through node A, upstream up
#   4. node A stops and the upstream goes down; uv installs again through node B, with an empty
#      uv cache: B never fetched anything, yet answers from what A recorded, its bodies read
#      from the bucket and verified
#   5. what node B's store says: stats, explain, verify
# Env: BIN (an artifact-store binary; default: `swift build --product artifact-store`, debug),
#      UV (default: uv on PATH, else uv==0.13.8 in a temporary venv),
#      MOTO_PYTHON (a python with moto[server]; default: .build/client-venv, else a temporary venv).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() { printf '\033[2m$ %s\033[0m\n' "$*"; }

if [[ -n "${BIN:-}" ]]; then
    bin=$BIN
else
    swift build --product artifact-store >&2
    bin=$(swift build --show-bin-path)/artifact-store
fi
python=$(python3 -c 'import sys; print(sys.executable)')
work=$(mktemp -d "${TMPDIR:-/tmp}/cluster-demo.XXXXXX")  # only this new directory is removed
export PG_PORT=${PG_PORT:-54330}
# A cluster of its own (as root the script keeps it under /tmp, where PostgreSQL's user reaches it).
[[ $(id -u) == 0 ]] || export PG_DIR=${PG_DIR:-$work/pg}
up_pid= a_pid= b_pid= s3_pid=
cleanup() {
    local pid
    for pid in $a_pid $b_pid $up_pid $s3_pid; do kill "$pid" 2>/dev/null || true; done
    for pid in $a_pid $b_pid $up_pid $s3_pid; do wait "$pid" 2>/dev/null || true; done
    scripts/postgres-test-server.sh stop >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_line() {  # FILE PID: FILE's first line, once the process printed it
    local tries
    for tries in $(seq 600); do
        if [[ -s "$1" && $(wc -l <"$1") -ge 1 ]]; then head -1 "$1"; return 0; fi
        kill -0 "$2" 2>/dev/null || break
        sleep 0.1
    done
    echo "cluster-demo: process $2 did not start; its log:" >&2
    cat "$work"/*.log >&2 || true
    return 1
}

uv=${UV:-$(command -v uv || true)}
if [[ -z "$uv" ]]; then
    echo "(no uv on PATH: installing uv==0.13.8 into a temporary venv)"
    "$python" -m venv "$work/uv-venv"
    "$work/uv-venv/bin/pip" install -q --disable-pip-version-check uv==0.13.8
    uv=$work/uv-venv/bin/uv
fi
moto_python=${MOTO_PYTHON:-.build/client-venv/bin/python}
if ! "$moto_python" -c 'import moto.server, boto3' 2>/dev/null; then
    echo "(no moto: installing moto[server]==5.2.5 into a temporary venv)"
    "$python" -m venv "$work/moto-venv"
    "$work/moto-venv/bin/pip" install -q --disable-pip-version-check 'moto[server]==5.2.5'
    moto_python=$work/moto-venv/bin/python
fi

installs=0
uv_install() {  # NODE_BASE PACKAGE…: an empty uv cache and a fresh --target each time
    local base=$1; shift
    installs=$((installs + 1))
    show "uv pip install --index-url $base/up/simple/ --target target-$installs $*"
    env -u UV_INDEX_URL -u UV_EXTRA_INDEX_URL -u UV_INDEX -u UV_DEFAULT_INDEX -u UV_FIND_LINKS \
        UV_CACHE_DIR="$work/uv-cache-$installs" "$uv" pip install --no-config --python "$python" \
        --index-url "$base/up/simple/" --target "$work/target-$installs" "$@"
}

step "1. PostgreSQL, an S3 server and an upstream index, all on loopback"
scripts/postgres-test-server.sh start >/dev/null
pg_url=$(scripts/postgres-test-server.sh url)
metadata="$pg_url?schema=cluster_demo_$$"
echo "metadata: ${metadata/:artifact-store-test-only@/:***@}"
# The S3 server runs until its standard input closes: a FIFO this script holds open, so that it
# ends with the script however the script ends.
mkfifo "$work/s3.in"
"$moto_python" scripts/s3-test-server.py --bucket cluster-demo <"$work/s3.in" >"$work/s3.json" 2>"$work/s3.log" &
s3_pid=$!
exec 7>"$work/s3.in"
wait_line "$work/s3.json" "$s3_pid" >/dev/null
read -r endpoint bucket region key secret < <("$python" -c '
import json, sys; s = json.load(open(sys.argv[1]))
print(s["endpoint"], s["bucket"], s["region"], s["accessKeyId"], s["secretAccessKey"])' "$work/s3.json")
export AWS_ACCESS_KEY_ID=$key AWS_SECRET_ACCESS_KEY=$secret
blobs="s3://$bucket?endpoint=$endpoint&region=$region"
echo "blobs: $blobs (moto, authentication on)"
"$python" scripts/test-upstream.py build "$work/up" >/dev/null
"$python" scripts/test-upstream.py serve "$work/up" --port 0 >"$work/up.port" 2>"$work/up.log" &
up_pid=$!
upstream=http://127.0.0.1:$(wait_line "$work/up.port" "$up_pid")
echo "upstream: $upstream/simple/"

start_node() {  # NAME: starts serve over the shared metadata and blobs; sets NAME_pid and NAME_base
    local name=$1
    "$bin" serve --store "$work/node-$name" --metadata "$metadata" --blobs "$blobs" \
        --index "up=$upstream/simple" --port 0 >"$work/$name.out" 2>>"$work/$name.log" &
    printf -v "${name}_pid" %s $!
    local base
    base=$(wait_line "$work/$name.out" "$!")
    printf -v "${name}_base" %s "${base%/}"
    echo "node $name: ${base%/}/ (store directory $work/node-$name)"
}

step "2. Two serve nodes over the same database and bucket"
show "artifact-store serve --store node-a --metadata postgres://…?schema=… --blobs s3://… --index up=… --port 0"
start_node a
start_node b

step "3. Install through node A (upstream up)"
uv_install "$a_base" alpha

step "4. Node A stops and the upstream goes down; install through node B, empty uv cache"
kill "$a_pid"; wait "$a_pid" 2>/dev/null || true; a_pid=
kill "$up_pid"; wait "$up_pid" 2>/dev/null || true; up_pid=
echo "(node A and the upstream are down; node B's directory holds $(find "$work/node-b/blobs" -type f | wc -l) blob files)"
uv_install "$b_base" alpha
echo "(node B's directory now caches $(find "$work/node-b/blobs" -type f | wc -l) blob files, fetched from the bucket and verified)"

step "5. The shared store, seen from node B's machine"
show "artifact-store stats --metadata … --blobs …"
"$bin" stats --store "$work/node-b" --metadata "$metadata" --blobs "$blobs"
show "artifact-store ls --responses --metadata … --blobs …"
"$bin" ls --responses --store "$work/node-b" --metadata "$metadata" --blobs "$blobs"
show "artifact-store verify --metadata … --blobs …"
"$bin" verify --store "$work/node-b" --metadata "$metadata" --blobs "$blobs"
echo
echo "cluster-demo: done"
