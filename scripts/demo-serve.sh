#!/usr/bin/env bash
# `artifact-store serve` in front of a loopback index (scripts/test-upstream.py; no network), with uv:
#   1. install alpha (and its dependency beta) and torch through serve, upstream up; torch's page
#      is sent no-store, as download.pytorch.org sends it: kept only as an archive to fall back on
#   2. kill the upstream; install again with an empty uv cache: served from the store (alpha's
#      page, sent max-age=0 here, is stale: stale-fallback; torch's: archived-fallback)
#   3. restart serve with --offline; install again: same
#   4. ask for delta, never fetched: uv fails, and its error carries serve's reason code
#   5. `artifact-store explain` the torch page's URL: what the store saw, and why it serves it
#   6. the web pages: the overview, torch's project page, the gc preview; ends by printing the
#      overview's URL (KEEP=1 keeps serve up on the store to open it)
# Takes well under a minute with a built binary.
# Env: BIN (an artifact-store binary; default: `swift build --product artifact-store`, debug),
#      UV (a uv binary; default: uv on PATH, else uv==0.13.8 pip-installed into a temporary venv).
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
# The real interpreter, not a pyenv shim: killing a shim's pid can orphan the server it started.
python=$(python3 -c 'import sys; print(sys.executable)')
work=$(mktemp -d "${TMPDIR:-/tmp}/demo-serve.XXXXXX")  # only this new directory is removed
up_pid= serve_pid=
cleanup() {
    local pid
    for pid in $serve_pid $up_pid; do kill "$pid" 2>/dev/null || true; done
    for pid in $serve_pid $up_pid; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_line() {  # FILE PID: FILE's first line, once the process printed it
    local tries
    for tries in $(seq 300); do
        if [[ -s "$1" && $(wc -l <"$1") -ge 1 ]]; then head -1 "$1"; return 0; fi
        kill -0 "$2" 2>/dev/null || break
        sleep 0.1
    done
    echo "demo-serve: process $2 did not start" >&2
    return 1
}

uv=${UV:-$(command -v uv || true)}
if [[ -z "$uv" ]]; then
    echo "(no uv on PATH: installing uv==0.13.8 into a temporary venv)"
    "$python" -m venv "$work/venv"
    "$work/venv/bin/pip" install -q --disable-pip-version-check uv==0.13.8
    uv=$work/venv/bin/uv
fi

# Each install: an empty uv cache and a fresh --target, so every byte comes through serve.
installs=0
uv_install() {
    installs=$((installs + 1))
    show "uv pip install --index-url $index --target target-$installs $*"
    env -u UV_INDEX_URL -u UV_EXTRA_INDEX_URL -u UV_INDEX -u UV_DEFAULT_INDEX -u UV_FIND_LINKS \
        UV_CACHE_DIR="$work/uv-cache-$installs" "$uv" pip install --no-config --python "$python" \
        --index-url "$index" --target "$work/target-$installs" "$@"
}

outcomes() {  # serve's answers since the last call (or since it started), by outcome
    curl -s "$base/-/status" >"$work/status.json"
    "$python" - "$work/status.json" "$work/status.last" <<'PY'
import json, os, sys
counts = json.load(open(sys.argv[1]))["requests"]
last = json.load(open(sys.argv[2])) if os.path.exists(sys.argv[2]) else {}
json.dump(counts, open(sys.argv[2], "w"))
counts = {k: n - last.get(k, 0) for k, n in counts.items() if k != "local"}  # local: /-/status itself
print("serve answered: " + ", ".join(f"{n} {k}" for k, n in counts.items() if n))
PY
}

start_serve() {
    "$bin" serve --store "$work/store" --index "up=$upstream/simple" --port 0 "$@" \
        >"$work/serve.out" 2>>"$work/serve.log" &
    serve_pid=$!
    rm -f "$work/status.last"  # a new process counts from zero
    base=$(wait_line "$work/serve.out" "$serve_pid")
    base=${base%/}
    index=$base/up/simple/
    echo "serve is at $base/; uv uses --index-url $index"
}

step "A loopback upstream index (scripts/test-upstream.py), and serve in front of it"
"$python" scripts/test-upstream.py build "$work/up" >/dev/null
"$python" scripts/test-upstream.py serve "$work/up" --port 0 >"$work/up.port" 2>"$work/up.log" &
up_pid=$!
upstream=http://127.0.0.1:$(wait_line "$work/up.port" "$up_pid")
# PyPI-like pages say max-age=600; alpha's says max-age=0 here, so that step 2 finds it stale.
curl -sf -o /dev/null -X POST -d '{"project": "alpha", "value": "max-age=0, public"}' "$upstream/-/cache-control"
echo "upstream: $upstream/simple/"
echo "  pages: Cache-Control max-age=600, public; alpha's max-age=0 (so it is stale at once);"
echo "  torch's no-cache,no-store,must-revalidate (as download.pytorch.org sends it)"
show "artifact-store serve --index up=$upstream/simple --port 0"
start_serve

step "1. Online: install alpha and torch through serve"
uv_install alpha torch
outcomes

step "2. The upstream goes down: install again, empty uv cache"
kill "$up_pid"; wait "$up_pid" 2>/dev/null || true; up_pid=
echo "(upstream killed)"
uv_install alpha torch
outcomes

step "3. Restart serve with --offline: install again, empty uv cache"
kill "$serve_pid"; wait "$serve_pid" 2>/dev/null || true; serve_pid=
show "artifact-store serve --index up=$upstream/simple --port 0 --offline --gc-max-size 1MiB"
start_serve --offline --gc-max-size 1MiB  # the size budget the web pages of step 6 measure the store against
uv_install alpha torch
outcomes

step "4. A project never fetched (delta): uv fails, and says why"
status=0
uv_install delta || status=$?
echo "(uv's exit status: $status)"
[[ $status -ne 0 ]]

step "5. What the store knows about torch's page"
show "artifact-store explain $upstream/simple/torch/"
"$bin" explain --store "$work/store" "$upstream/simple/torch/" || true
echo
echo "(serve falls back as policy archive does when the upstream fails, and with --offline: that is how steps 2 and 3 got torch)"

step "6. Look at the store: serve's web pages (read-only, on serve's own port)"
overview=$base/-/
for page in "-/" "-/up/torch" "-/up/alpha" "-/gc"; do
    show "curl $base/$page"
    echo "HTTP $(curl -s -o /dev/null -w '%{http_code}, %{time_total} s' "$base/$page")"
done
echo "the overview, a project page per index (/-/up/torch), a URL's history, blobs, search and a gc preview;"
if [[ -n "${KEEP:-}" ]]; then
    echo "(KEEP is set: serve stays up on the store until Ctrl-C)"
else
    echo "(serve stops when this script ends; run with KEEP=1 to keep it up and open the pages)"
fi
echo "$overview"
if [[ -n "${KEEP:-}" ]]; then wait "$serve_pid" || true; fi
