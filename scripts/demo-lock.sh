#!/usr/bin/env bash
# A whole environment, from a real lock to an offline install (loopback upstream, no network):
#   1. a loopback index (scripts/test-upstream.py); the real `uv lock` of a project depending on
#      alpha (-> beta -> gamma) and, on Windows only, delta (sys_platform == 'win32')
#   2. `can-install --lock uv.lock`: ✘, every file never fetched
#   3. `prefetch --lock uv.lock`: fetches what the lock installs on this environment
#   4. the upstream stops; `can-install --lock` again: ✔, with the summary (delta skipped: its marker)
#   5. `export --lock … --find-links DIR`; uv and pip install from DIR offline into fresh targets
#   6. the false green: a store holding only alpha says ✔ for `can-install alpha` (with a note), and
#      ✘ beta for `can-install alpha --with-deps`
# Exits nonzero if a step that should succeed fails (or one that should fail succeeds). Under a minute
# with a built binary. Everything happens in a new temporary directory, removed at the end.
# Env: BIN (an artifact-store binary; default: the release build in .build-release, built if needed),
#      CLIENTS (a directory with uv and a python with pip; default .build/client-venv/bin, which
#      .ci/run creates), UV (a uv binary; default $CLIENTS/uv).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() { printf '\033[2m$ %s\033[0m\n' "$*"; }
say() { printf '\033[36m# %s\033[0m\n' "$*"; }

if [[ -n "${BIN:-}" ]]; then
    bin=$BIN
else
    swift build -c release --product artifact-store --scratch-path .build-release >&2
    bin=$(swift build -c release --scratch-path .build-release --show-bin-path)/artifact-store
fi
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
clients=$(cd "${CLIENTS:-.build/client-venv/bin}" && pwd)
uv=${UV:-$clients/uv}
client_python=$clients/python3
[[ -x "$uv" && -x "$client_python" ]] || { echo "demo-lock: no uv or python in $clients (run .ci/run, or set CLIENTS)" >&2; exit 1; }
# The real interpreter, not a pyenv shim: killing a shim's pid can orphan the server it started.
python=$(python3 -c 'import sys; print(sys.executable)')
work=$(mktemp -d "${TMPDIR:-/tmp}/demo-lock.XXXXXX")  # only this new directory is removed
up_pid=
stop_upstream() {
    if [[ -n "$up_pid" ]]; then kill "$up_pid" 2>/dev/null || true; wait "$up_pid" 2>/dev/null || true; up_pid=; fi
}
cleanup() { stop_upstream; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
cd "$work"

export ARTIFACT_STORE_DIR=$work/store
export ARTIFACT_STORE_CONFIG=$work/config.toml  # empty: no user configuration
: >"$ARTIFACT_STORE_CONFIG"
# uv and pip: no user configuration, private caches, only the indexes named here.
export UV_NO_CONFIG=1 UV_PYTHON=$client_python PIP_CONFIG_FILE=/dev/null
unset UV_INDEX_URL UV_EXTRA_INDEX_URL UV_INDEX UV_DEFAULT_INDEX UV_FIND_LINKS UV_OFFLINE UV_CACHE_DIR

start_upstream() {
    "$python" "$repo/scripts/test-upstream.py" serve up --port 0 >up.port 2>>up.log &
    up_pid=$!
    local tries
    for tries in $(seq 100); do
        if [[ -s up.port ]]; then upstream=http://127.0.0.1:$(head -1 up.port); return 0; fi
        kill -0 "$up_pid" 2>/dev/null || break
        sleep 0.1
    done
    echo "demo-lock: the upstream did not start" >&2
    return 1
}

store() { show "artifact-store $*"; "$bin" "$@"; }
# expect STATUS CMD…: run CMD, and fail the demo unless it exits STATUS (for the steps that must fail).
expect() {
    local want=$1 status=0; shift
    "$@" || status=$?
    if [[ $status -ne $want ]]; then
        echo "demo-lock: expected exit status $want, got $status" >&2
        exit 1
    fi
    say "(exit status $status, as expected)"
}
linux=(--python 3.11 --platform manylinux_2_28_x86_64)

step "1. A loopback upstream index, and a project locked by the real uv"
"$python" "$repo/scripts/test-upstream.py" build up >/dev/null
start_upstream
say "upstream: $upstream/simple/ (alpha 1.0 -> beta>=1.0; beta 2.0 -> gamma; delta 1.0; and others)"
mkdir project
cat >project/pyproject.toml <<'EOF'
[project]
name = "demo"
version = "0.1"
requires-python = ">=3.9"
dependencies = ["alpha", "delta; sys_platform == 'win32'"]
EOF
show "cat project/pyproject.toml"
cat project/pyproject.toml
show "uv lock --directory project --default-index $upstream/simple/"
UV_CACHE_DIR=$work/uv-cache-lock "$uv" lock --directory project --default-index "$upstream/simple/"
say "uv.lock is universal: it pins every platform's packages, delta with its marker:"
"$python" - project/uv.lock <<'PY'
import sys, tomllib
lock = tomllib.load(open(sys.argv[1], "rb"))
markers = {d["name"]: d["marker"] for p in lock["package"] for d in p.get("dependencies", []) if "marker" in d}
for p in lock["package"]:
    if "registry" in p["source"]:
        print(f"    {p['name']} {p['version']}" + (f"   (only where {markers[p['name']]})" if p["name"] in markers else ""))
PY

step "2. Can this lock install from the store? Nothing was ever fetched"
store init
expect 1 store can-install --lock project/uv.lock "${linux[@]}"

step "3. prefetch: fetch what the lock installs on CPython 3.11, manylinux x86_64"
store prefetch --lock project/uv.lock "${linux[@]}"
say "safe to re-run: nothing is fetched twice"
store prefetch --lock project/uv.lock "${linux[@]}"

step "4. The upstream stops (offline): can-install --lock again"
stop_upstream
say "(upstream stopped: nothing answers at $upstream any more)"
store can-install --lock project/uv.lock "${linux[@]}"
say "delta is not needed here: its marker (sys_platform == 'win32') excludes this environment"
say "the same answer as JSON, for scripts:"
show "artifact-store can-install --lock project/uv.lock ${linux[*]} --json | (summary and skipped)"
"$bin" can-install --lock project/uv.lock "${linux[@]}" --json | "$python" -c '
import json, sys
env = json.load(sys.stdin)["environments"][0]
print("    summary:", env["summary"])
print("    skipped:", ", ".join(s["name"] for s in env.get("skipped", [])) or "none")'

step "5. export the lock's files to a find-links directory; install offline with uv and pip"
store export --lock project/uv.lock "${linux[@]}" --find-links wheels
ls wheels | sed 's/^/    /'
show "uv export --frozen --directory project --format requirements-txt --no-emit-project -o requirements.txt"
UV_CACHE_DIR=$work/uv-cache-lock "$uv" export --quiet --frozen --directory project --format requirements-txt --no-emit-project -o "$work/requirements.txt"
say "hash-pinned requirements from the lock (delta keeps its marker): uv and pip check each hash"
show "uv pip install --offline --no-index --find-links wheels --target uv-target -r requirements.txt"
UV_CACHE_DIR=$work/uv-cache-offline "$uv" pip install --offline --no-index --find-links wheels --target uv-target -r requirements.txt
show "pip install --no-index --find-links wheels --target pip-target -r requirements.txt"
"$client_python" -m pip install --isolated --disable-pip-version-check --no-cache-dir --no-index \
    --find-links wheels --target pip-target -r requirements.txt
for target in uv-target pip-target; do
    for module in alpha beta gamma; do
        [[ -f $target/$module/__init__.py ]] || { echo "demo-lock: $module is not installed in $target" >&2; exit 1; }
    done
done
say "both targets hold alpha, beta and gamma, installed with the upstream down"

step "6. The false green --with-deps catches: a store holding only alpha"
export ARTIFACT_STORE_DIR=$work/store-alpha
start_upstream
store fetch "$upstream/simple/alpha/" -o /dev/null
store fetch "$upstream/files/alpha-1.0-py3-none-any.whl" -o /dev/null
stop_upstream
say "(upstream stopped again)"
index=(--index "$upstream/simple" "${linux[@]}")
say "alpha alone: its page and wheel are stored, so ✔, but installing it also needs beta"
store can-install alpha "${index[@]}"
say "--with-deps follows alpha's Requires-Dist and finds beta never fetched"
expect 1 store can-install alpha --with-deps "${index[@]}"

printf '\n\033[1mdone:\033[0m a real uv.lock, prefetched once, answered ✔ offline and installed offline by uv and pip\n'
