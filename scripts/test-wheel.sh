#!/usr/bin/env bash
# Tests the wheel of scripts/build-wheel.sh as a user without Swift would use it: installs it with
# pip into a fresh virtual environment and with `uv tool install` into a private tool directory,
# then, in an environment emptied by `env -i` (PATH=<bin>:/usr/bin:/bin, no LD_LIBRARY_PATH, so
# nothing of the Swift toolchain can be found), runs `artifact-store --version`, `init`, `put`,
# `cat`, `python -m artifact_store` and `serve --port 0` (its /-/health must answer 200), and
# checks that ldd lists no Swift library and resolves libsqlite3 to the vendored copy.
#
# Usage: scripts/test-wheel.sh [WHEEL]      (default: build one with scripts/build-wheel.sh)
# uv: $UV, else .build/client-venv/bin/uv (what .ci/run installs), else uv on PATH, else uv 0.13.8
# from PyPI in a private environment.
# Ends with one JSON line: {"bench": "wheel", "figures": {...}, "targets": {...}, "met": {...}}.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

work=$(mktemp -d "${TMPDIR:-/tmp}/artifact-store-wheel-test.XXXXXX")
serve_pid=
cleanup() {
    if [ -n "$serve_pid" ]; then kill "$serve_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "test-wheel.sh: FAIL: $*" >&2; exit 1; }
since() { awk -v a="$1" -v b="$(date +%s%N)" -v p="$2" 'BEGIN { printf "%.*f", p, (b - a) / 1e9 }'; }

build_seconds=null
if [ $# -ge 1 ]; then
    wheel=$(realpath "$1")
else
    start=$(date +%s%N)
    scripts/build-wheel.sh --out "$work/dist" >&2
    build_seconds=$(since "$start" 1)
    wheel=$(ls "$work"/dist/artifact_store-*.whl)
fi
[ -f "$wheel" ] || fail "no wheel at $wheel"
wheel_name=$(basename "$wheel")
wheel_bytes=$(stat -c %s "$wheel")
version=$(echo "$wheel_name" | cut -d- -f2)
platform_tag=$(echo "$wheel_name" | sed 's/\.whl$//' | cut -d- -f5)
echo "test-wheel.sh: testing $wheel_name ($wheel_bytes bytes)" >&2

# /usr/bin/python3 is the machine's Python; pyenv or other shims are left out with the rest of PATH.
[ -x /usr/bin/python3 ] || fail "/usr/bin/python3 is missing (apt-get install python3 python3-venv)"
command -v curl >/dev/null || fail "curl is missing"

# A clean environment: nothing inherited but what is named here. With CLEAN_EXEC=1 the command
# replaces the (sub)shell, so that `CLEAN_EXEC=1 clean … &` leaves in $! the command's own pid, not
# that of a subshell whose death would leave the command running.
clean() {
    local bin=$1; shift
    ${CLEAN_EXEC:+exec} env -i HOME="$work/home" PATH="$bin:/usr/bin:/bin" ARTIFACT_STORE_DIR="$work/store-$(basename "$bin")" \
        PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 LANG=C.UTF-8 "$@"
}
mkdir -p "$work/home"
# The Swift toolchain must be out of reach: not on the clean PATH (a swift in /usr/bin would be).
if clean /nonexistent sh -c 'command -v swift || command -v swiftc' >&2; then fail "swift is on /usr/bin:/bin, which every clean PATH keeps"; fi
printf 'hello from the wheel test\n' > "$work/payload.txt"
swift_libs='libswift|libFoundation|lib_Foundation|libdispatch|libBlocksRuntime|libicu|/opt/swift|/usr/lib/swift'

declare -A met
# Runs the checks against the artifact-store found first on PATH=$1 (the command) and in the
# environment $2 (the binary inside it); $3 names the installer.
check_install() {
    local bin=$1 env=$2 how=$3 exe binary out digest base lddout sqlite
    exe=$(clean "$bin" sh -c 'command -v artifact-store') || fail "$how: artifact-store is not on PATH after install"
    [ "$(dirname "$exe")" = "$bin" ] || fail "$how: artifact-store resolved to $exe, not in $bin"
    binary=$(clean "$bin" "$env/bin/python" -c 'import artifact_store; print(artifact_store.find_artifact_store_bin())') \
        || fail "$how: the artifact_store package does not import"
    [ -x "$binary" ] || fail "$how: no executable binary at $binary"
    clean "$bin" sh -c 'command -v swift' >&2 && fail "$how: swift is on the clean PATH"

    out=$(clean "$bin" artifact-store --version) || fail "$how: --version failed"
    [ "$out" = "$version" ] || fail "$how: --version printed '$out', the wheel is $version"
    out=$(clean "$bin" "$env/bin/python" -m artifact_store --version) || fail "$how: python -m artifact_store failed"
    [ "$out" = "$version" ] || fail "$how: python -m artifact_store --version printed '$out'"
    clean "$bin" artifact-store init >&2 || fail "$how: init failed"
    digest=$(clean "$bin" artifact-store put "$work/payload.txt" | cut -d' ' -f1) || fail "$how: put failed"
    [ "$digest" = "$(sha256sum "$work/payload.txt" | cut -d' ' -f1)" ] || fail "$how: put printed digest '$digest'"
    clean "$bin" artifact-store cat "$digest" | cmp - "$work/payload.txt" || fail "$how: cat did not give the bytes back"

    # serve on a free port: its first line is the base URL; /-/health answers once it serves.
    CLEAN_EXEC=1 clean "$bin" artifact-store serve --port 0 > "$work/serve.out" 2> "$work/serve.err" &
    serve_pid=$!
    for _ in $(seq 100); do
        base=$(head -n1 "$work/serve.out" 2>/dev/null || true)
        [ -n "$base" ] && break
        kill -0 "$serve_pid" 2>/dev/null || { cat "$work/serve.err" >&2; fail "$how: serve exited"; }
        sleep 0.1
    done
    [[ $base == http://127.0.0.1:*/ ]] || { cat "$work/serve.err" >&2; fail "$how: serve printed no base URL"; }
    curl -fsS -o /dev/null -w '%{http_code}' "${base}-/health" | grep -qx 200 || fail "$how: ${base}-/health did not answer 200"
    kill -TERM "$serve_pid"
    wait "$serve_pid" || true
    serve_pid=

    # ldd: no Swift library; libsqlite3 is the one the wheel vendors.
    lddout=$(clean "$bin" ldd "$binary")
    echo "$lddout" | sed "s/^/  ldd ($how): /" >&2
    if echo "$lddout" | grep -E "$swift_libs|not found" >&2; then fail "$how: ldd lists Swift libraries or missing ones"; fi
    sqlite=$(echo "$lddout" | awk '$1 == "libsqlite3.so.0" { print $3 }')
    [[ $(realpath "$sqlite") == "$env"/*/artifact_store.libs/libsqlite3.so.0 ]] \
        || fail "$how: libsqlite3 resolves to $sqlite, not to the vendored copy in $env"
    met[$how]=true
}

# 1. pip into a fresh virtual environment of the machine's Python.
env -i PATH=/usr/bin:/bin /usr/bin/python3 -m venv "$work/venv"
start=$(date +%s%N)
clean "$work/venv/bin" python -m pip install -q --no-index "$wheel" >&2 || fail "pip install failed"
pip_install_seconds=$(since "$start" 2)
check_install "$work/venv/bin" "$work/venv" pip
site=$("$work/venv/bin/python" -c 'import sysconfig; print(sysconfig.get_path("platlib"))')
installed_bytes=$(du -sbc "$site/artifact_store" "$site/artifact_store.libs" | tail -1 | cut -f1)
# What the console command's Python costs over running the binary itself (median of 5).
median_ms() {
    local i t; for i in 1 2 3 4 5; do t=$(date +%s%N); "$@" >/dev/null; echo $(( ($(date +%s%N) - t) / 1000000 )); done | sort -n | sed -n 3p
}
command_ms=$(median_ms clean "$work/venv/bin" artifact-store --version)
binary_ms=$(median_ms clean "$work/venv/bin" "$site/artifact_store/bin/artifact-store" --version)
clean "$work/venv/bin" python -m pip uninstall -q -y artifact-store >&2 || fail "pip uninstall failed"
[ ! -e "$work/venv/bin/artifact-store" ] && [ ! -e "$site/artifact_store" ] && [ ! -e "$site/artifact_store.libs" ] \
    || fail "pip uninstall left files behind"
met[pip_uninstall_clean]=true

# 2. uv tool install into a private tool directory (its bin/ holds links into the tool's environment).
uv=${UV:-}
if [ -z "$uv" ] && [ -x .build/client-venv/bin/uv ]; then uv=$root/.build/client-venv/bin/uv; fi
if [ -z "$uv" ]; then uv=$(command -v uv || true); fi
if [ -z "$uv" ]; then
    /usr/bin/python3 -m venv "$work/uv"
    "$work/uv/bin/pip" install -q 'uv==0.13.8' >&2 || fail "no uv, and cannot install uv 0.13.8 (set UV=/path/to/uv)"
    uv=$work/uv/bin/uv
fi
uv=$(realpath "$uv")
start=$(date +%s%N)
clean /nonexistent env UV_TOOL_DIR="$work/uv-tools" UV_TOOL_BIN_DIR="$work/uv-bin" UV_CACHE_DIR="$work/uv-cache" \
    UV_PYTHON_PREFERENCE=only-system UV_PYTHON_DOWNLOADS=never UV_OFFLINE=1 UV_NO_PROGRESS=1 \
    "$uv" tool install --python /usr/bin/python3 "$wheel" >&2 || fail "uv tool install failed"
uv_install_seconds=$(since "$start" 2)
check_install "$work/uv-bin" "$work/uv-tools/artifact-store" uv

# 3. The platform tag, checked by the tool that defines it: auditwheel's verdict must be the tag
# the wheel carries (SKIP_AUDITWHEEL=1 on a machine that cannot reach PyPI).
auditwheel_tag=null
if [ "${SKIP_AUDITWHEEL:-0}" != 1 ]; then
    /usr/bin/python3 -m venv "$work/auditwheel"
    "$work/auditwheel/bin/pip" install -q 'auditwheel==6.8.2' >&2 \
        || fail "cannot install auditwheel 6.8.2 (no PyPI? set SKIP_AUDITWHEEL=1)"
    audit=$("$work/auditwheel/bin/auditwheel" show "$wheel" | tr '\n' ' ')
    auditwheel_tag=$(echo "$audit" | grep -o 'consistent with the following platform tag: "[^"]*"' | cut -d'"' -f2)
    echo "test-wheel.sh: auditwheel show: consistent with $auditwheel_tag" >&2
    [ "$auditwheel_tag" = "$platform_tag" ] || fail "auditwheel says $auditwheel_tag, the wheel says $platform_tag"
fi

python3 - "$wheel_bytes" "$build_seconds" "$pip_install_seconds" "$uv_install_seconds" "$installed_bytes" \
    "$wheel_name" "$platform_tag" "$("$uv" --version | cut -d' ' -f2)" "${met[pip]:-false}" "${met[uv]:-false}" \
    "${met[pip_uninstall_clean]:-false}" "$auditwheel_tag" "$command_ms" "$binary_ms" <<'PY'
import json, sys
(wheel_bytes, build_seconds, pip_s, uv_s, installed, name, tag, uv_version, pip_ok, uv_ok, uninstall_ok,
 auditwheel_tag, command_ms, binary_ms) = sys.argv[1:15]
# The size bound guards against shipping the binary unstripped (it is about twice as large).
targets = {"wheel_bytes": 50_000_000, "swift_libraries_in_ldd": 0}
figures = {
    "wheel_bytes": int(wheel_bytes),
    "build_seconds": None if build_seconds == "null" else float(build_seconds),
    "installed_bytes": int(installed),
    "pip_install_seconds": float(pip_s),
    "uv_tool_install_seconds": float(uv_s),
    "version_command_ms": int(command_ms), "version_binary_ms": int(binary_ms),
    "wheel": name, "platform": tag, "auditwheel_platform": None if auditwheel_tag == "null" else auditwheel_tag,
    "uv": uv_version,
}
print(json.dumps({
    "bench": "wheel",
    "figures": figures,
    "targets": targets,
    "met": {
        "pip_install_runs_without_swift": pip_ok == "true",
        "uv_tool_install_runs_without_swift": uv_ok == "true",
        "pip_uninstall_clean": uninstall_ok == "true",
        "swift_libraries_in_ldd": pip_ok == "true" and uv_ok == "true",
        "auditwheel_agrees": None if auditwheel_tag == "null" else auditwheel_tag == tag,
        "wheel_bytes": int(wheel_bytes) <= targets["wheel_bytes"],
    },
}))
PY
