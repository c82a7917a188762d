#!/usr/bin/env bash
# The seed scenario end to end, with the CLI and a loopback PyTorch-shaped index (no network):
#   1. fetch the torch project page (sent with Cache-Control: no-store, so it is refused) and one wheel;
#   2. can-install 'torch==2.0.1' for CPython 3.11 / manylinux_2_28_x86_64 says why not — the page
#      was refused (no-store, when) — and that the matching wheel is stored: the way out;
#   3. export --find-links builds a directory from the store (hashes checked on the way out);
#   4. a real `pip install --no-index --find-links` in a fresh venv installs from it.
# Usage: scripts/demo-offline.sh [path/to/artifact-store]   (default: builds .build/release)
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${1:-}
if [[ -z "$BIN" ]]; then
    swift build -c release --product artifact-store >/dev/null
    BIN=$(swift build -c release --show-bin-path)/artifact-store
fi
WORK=$(mktemp -d)
SERVER_PID=
cleanup() {
    [[ -n "$SERVER_PID" ]] && kill "$SERVER_PID" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
export ARTIFACT_STORE_DIR="$WORK/store"
TARGET=(--python 3.11 --platform manylinux_2_28_x86_64)
step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

python3 scripts/fake-torch-index.py build "$WORK/index"
python3 scripts/fake-torch-index.py serve "$WORK/index" >"$WORK/port" &
SERVER_PID=$!
for _ in $(seq 50); do [[ -s "$WORK/port" ]] && break; sleep 0.1; done
INDEX="http://127.0.0.1:$(head -1 "$WORK/port")/whl/cpu"

step artifact-store fetch "$INDEX/torch/"
"$BIN" fetch "$INDEX/torch/" -o /dev/null
step artifact-store fetch "$INDEX/torch-2.0.1%2Bcpu-cp311-cp311-linux_x86_64.whl"
"$BIN" fetch "$INDEX/torch-2.0.1%2Bcpu-cp311-cp311-linux_x86_64.whl" -o /dev/null

step artifact-store can-install 'torch==2.0.1' --index "$INDEX" "${TARGET[@]}"
status=0
"$BIN" can-install 'torch==2.0.1' --index "$INDEX" "${TARGET[@]}" || status=$?
echo "(exit status $status: not satisfiable through the index, but the way out is named)"
[[ $status -eq 1 ]]

step artifact-store export --find-links "$WORK/wheelhouse" 'torch==2.0.1' --index "$INDEX" "${TARGET[@]}"
"$BIN" export --find-links "$WORK/wheelhouse" 'torch==2.0.1' --index "$INDEX" "${TARGET[@]}"

kill "$SERVER_PID"; SERVER_PID=   # from here on there is no index at all
step python3 -m venv venv '&&' pip install --no-index --find-links wheelhouse 'torch==2.0.1'
python3 -m venv "$WORK/venv"
# Only the exported directory: the machine's pip configuration (PIP_FIND_LINKS, pip.conf) is left out.
env -u PIP_FIND_LINKS -u PIP_INDEX_URL PIP_CONFIG_FILE=/dev/null PIP_DISABLE_PIP_VERSION_CHECK=1 "$WORK/venv/bin/python" -m pip install --no-index --find-links "$WORK/wheelhouse" 'torch==2.0.1'
"$WORK/venv/bin/python" -c 'import torch; print("installed offline: torch", torch.__version__)'
