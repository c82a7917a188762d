#!/usr/bin/env bash
# Builds artifact-store (debug, the configuration `swift test` uses, so that the tests reuse this
# build) and walks through a store: create it, put files (one of them
# twice), list, show, read back verified, catch a corrupted blob, and print the stats.
# Usage: scripts/demo.sh [STORE_DIR]      (default: a new temporary directory)
set -euo pipefail
cd "$(dirname "$0")/.."

swift build --product artifact-store >&2
bin="$(swift build --show-bin-path)/artifact-store"
work=$(mktemp -d "${TMPDIR:-/tmp}/artifact-store-demo.XXXXXX")
store=${1:-$work/store}
export ARTIFACT_STORE_DIR=$store
artifact-store() { "$bin" "$@"; }
step() { printf '\n$ %s\n' "$*"; "$@"; }

# Two small "wheels" (zip files named like wheels) and a copy of the first.
python3 - "$work" <<'PY'
import sys, zipfile
for name, text in [("demo-1.0-py3-none-any.whl", "one"), ("demo-2.0-py3-none-any.whl", "two")]:
    with zipfile.ZipFile(f"{sys.argv[1]}/{name}", "w") as wheel:
        wheel.writestr("demo/__init__.py", f"VERSION = {text!r}\n")
PY
cp "$work/demo-1.0-py3-none-any.whl" "$work/copy-of-demo-1.0.whl"

step artifact-store init
step artifact-store put "$work/demo-1.0-py3-none-any.whl" "$work/demo-2.0-py3-none-any.whl" "$work/copy-of-demo-1.0.whl"
digest=$(artifact-store put "$work/demo-1.0-py3-none-any.whl" | cut -d' ' -f1)
step artifact-store ls
step artifact-store show "$digest"
printf '\n$ artifact-store cat %s | sha256sum\n' "$digest"
artifact-store cat "$digest" | sha256sum

echo
echo "# Now corrupt that blob on disk, as a failing disk would:"
blob="$store/blobs/sha256/${digest:0:2}/$digest"
chmod u+w "$blob" && printf 'garbage' >> "$blob"
set +e
printf '\n$ artifact-store cat %s > /dev/null\n' "$digest"
artifact-store cat "$digest" > /dev/null
echo "(exit status $?: nothing was served; the file is in quarantine/ as <digest>.<Unix time>.<random>)"
ls "$store/quarantine"
set -e
step artifact-store put "$work/demo-1.0-py3-none-any.whl"
step artifact-store stats
echo
echo "store left at $store"
