#!/usr/bin/env bash
# can-install latency (issue 6 acceptance): a store with RESPONSES recorded responses (default 1 M,
# via `artifact-store-bench lookup --directory`), plus a ~5 MB PyTorch-shaped project page (PAGE_FILES
# anchors, stored through an index policy) and one of its wheels; then ROUNDS timed runs of
# `can-install 'torch==2.0.1+cpu' --no-verify --json` (wall time of the whole process, so an upper
# bound: it includes process start and opening the store), and as many of a bare `torch`, which
# weighs every one of the page's files to choose the best (that one is not stored, so its answer is
# "no", exit 1, with the reason). Target for both: < 50 ms, release build.
# Env: RESPONSES, PAGE_FILES (default 20000, about 5 MB), ROUNDS (default 20), BIN, SKIP_BUILD=1.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ "${SKIP_BUILD:-0}" != 1 && -z "${BIN:-}" ]]; then swift build -c release --product artifact-store >&2 && swift build -c release --product artifact-store-bench >&2; fi
BIN=${BIN:-$(swift build -c release --show-bin-path)/artifact-store}
BENCH=${BENCH:-$(dirname "$BIN")/artifact-store-bench}
WORK=$(mktemp -d)
SERVER_PID=
cleanup() { [[ -n "$SERVER_PID" ]] && kill "$SERVER_PID" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
export ARTIFACT_STORE_DIR="$WORK/store"

"$BENCH" lookup --directory "$WORK/store" --responses "${RESPONSES:-1000000}" --lookups 1000 >/dev/null

# A big page: the real wheels of the fake index plus PAGE_FILES synthetic anchors (other versions and tags).
python3 scripts/fake-torch-index.py build "$WORK/index"
python3 - "$WORK/index/whl/cpu/torch/index.html" "${PAGE_FILES:-20000}" <<'EOF'
import hashlib, sys
path, count = sys.argv[1], int(sys.argv[2])
tags = ["cp38-cp38", "cp39-cp39", "cp310-cp310", "cp311-cp311", "cp312-cp312", "cp313-cp313"]
plats = ["linux_x86_64", "manylinux_2_28_aarch64", "win_amd64", "macosx_11_0_arm64"]
lines = []
for i in range(count):
    version = f"{1 + i // 2000}.{(i // 200) % 10}.{(i // 24) % 10}+{['cpu', 'cu118', 'cu121', 'rocm6.1'][i % 4]}"
    name = f"torch-{version}-{tags[i % 6]}-{plats[(i // 6) % 4]}.whl"
    sha = hashlib.sha256(name.encode()).hexdigest()
    lines.append(f'<a href="/whl/cpu/{name.replace("+", "%2B")}#sha256={sha}" data-requires-python="&gt;=3.8">{name}</a><br/>')
text = open(path).read().replace("</body>", "\n".join(lines) + "\n</body>")
open(path, "w").write(text)
print(f"page: {len(text.encode()) / 1e6:.1f} MB, {count} extra files", file=sys.stderr)
EOF
python3 scripts/fake-torch-index.py serve "$WORK/index" >"$WORK/port" &
SERVER_PID=$!
for _ in $(seq 50); do [[ -s "$WORK/port" ]] && break; sleep 0.1; done
BASE="http://127.0.0.1:$(head -1 "$WORK/port")"
"$BIN" index-policy set "$BASE/whl/" --pages max-age=600 >/dev/null
"$BIN" fetch "$BASE/whl/cpu/torch/" -o /dev/null
"$BIN" fetch "$BASE/whl/cpu/torch-2.0.1%2Bcpu-cp311-cp311-linux_x86_64.whl" -o /dev/null

ARGS=(can-install 'torch==2.0.1+cpu' --index "$BASE/whl/cpu" --python 3.11 --platform manylinux_2_28_x86_64 --no-verify)
"$BIN" "${ARGS[@]}" || { echo "can-install is not satisfiable here; see above" >&2; exit 1; }
times=()
for _ in $(seq "${ROUNDS:-20}"); do
    start=$(date +%s%N)
    "$BIN" "${ARGS[@]}" --json >/dev/null
    times+=($(( ($(date +%s%N) - start) / 1000 )))
done
# A bare requirement: every file of the 5 MB page is a candidate. Exit 1 ("not satisfiable") is
# the expected answer; anything else is a failure of the bench.
BARE=(can-install torch --index "$BASE/whl/cpu" --python 3.11 --platform manylinux_2_28_x86_64 --no-verify)
status=0; "$BIN" "${BARE[@]}" >"$WORK/bare.txt" || status=$?
[[ $status == 0 || $status == 1 ]] || { cat "$WORK/bare.txt" >&2; echo "can-install torch failed with exit $status" >&2; exit 1; }
head -3 "$WORK/bare.txt" >&2
bare=()
for _ in $(seq "${ROUNDS:-20}"); do
    start=$(date +%s%N)
    "$BIN" "${BARE[@]}" --json >/dev/null || true
    bare+=($(( ($(date +%s%N) - start) / 1000 )))
done
# The same process start and store open with a trivial query, to separate the query's own cost.
base=()
for _ in $(seq "${ROUNDS:-20}"); do
    start=$(date +%s%N)
    "$BIN" stats --json >/dev/null
    base+=($(( ($(date +%s%N) - start) / 1000 )))
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
query=$(median "${times[@]}") bare_query=$(median "${bare[@]}") trivial=$(median "${base[@]}")
# The contract of every bench: one JSON line with figures, the baseline measured in the same run
# (the same process start and store open, with a trivial query), targets and whether each is met.
met=$([[ $query -le 50000 ]] && echo true || echo false)
bare_met=$([[ $bare_query -le 50000 ]] && echo true || echo false)
printf '{"bench": "can-install", "figures": {"responses": %s, "pageFiles": %s, "canInstallMedianMicros": %s, "bareTorchMedianMicros": %s}, "baseline": {"statsMedianMicros": %s}, "targets": {"canInstallMedianMicros": 50000, "bareTorchMedianMicros": 50000}, "met": {"canInstallMedianMicros": %s, "bareTorchMedianMicros": %s}}\n' \
    "${RESPONSES:-1000000}" "${PAGE_FILES:-20000}" "$query" "$bare_query" "$trivial" "$met" "$bare_met"
