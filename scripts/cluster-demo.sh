#!/usr/bin/env bash
# Two `artifact-store serve` nodes sharing one store: metadata in PostgreSQL, blobs in an
# S3-compatible bucket, each node with a directory of its own as its cache (ARCHITECTURE.md §11).
# Everything on loopback, no network:
#   1. a private PostgreSQL (scripts/postgres-test-server.sh, port 25430) and an S3 server
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
# The backends and nodes are started by scripts/lib/cluster.sh.
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
export PG_PORT=${PG_PORT:-25430}
source scripts/lib/cluster.sh
cleanup() { cluster_cleanup; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

uv=${UV:-$(command -v uv || true)}
if [[ -z "$uv" ]]; then
    echo "(no uv on PATH: installing uv==0.13.8 into a temporary venv)"
    "$python" -m venv "$work/uv-venv"
    "$work/uv-venv/bin/pip" install -q --disable-pip-version-check uv==0.13.8
    uv=$work/uv-venv/bin/uv
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
cluster_start_backends
echo "metadata: ${metadata/:artifact-store-test-only@/:***@}"
echo "blobs: $blobs (moto, authentication on)"
echo "upstream: $upstream/simple/"

start_node() {  # NAME
    cluster_start_node "$1"
    local base=${1}_base
    echo "node $1: ${!base}/ (store directory $work/node-$1)"
}

step "2. Two serve nodes over the same database and bucket"
show "artifact-store serve --store node-a --metadata postgres://…?schema=… --blobs s3://… --index up=… --port 0"
start_node a
start_node b

step "3. Install through node A (upstream up)"
uv_install "$a_base" alpha

step "4. Node A stops and the upstream goes down; install through node B, empty uv cache"
kill "$a_pid"; wait "$a_pid" 2>/dev/null || true
kill "$upstream_pid"; wait "$upstream_pid" 2>/dev/null || true
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
