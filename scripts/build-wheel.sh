#!/usr/bin/env bash
# Builds a platform wheel that installs the artifact-store CLI on a machine without Swift:
#   artifact_store/bin/artifact-store     the release binary, with the Swift runtime and
#                                         Foundation linked statically (--static-swift-stdlib)
#   artifact_store.libs/libsqlite3.so.0   the SQLite it was linked against, vendored as auditwheel
#                                         does; the binary finds it by its RUNPATH
#                                         $ORIGIN/../../artifact_store.libs
#   artifact_store/__main__.py            the console entry `artifact-store` (and
#                                         `python -m artifact_store`): execs the binary, as
#                                         auditwheel's shim for ELF scripts and uv's do
# The manylinux tag is the newest GLIBC symbol version the binary and the vendored library
# actually require (objdump -T), not a guess; scripts/test-wheel.sh checks it with auditwheel.
# The RECORD carries each file's sha256 (PEP 376/427).
#
# Usage: scripts/build-wheel.sh [--out DIR]      (default: dist/)
# Needs: Swift 6.1+, libsqlite3-dev, patchelf, binutils (objdump, strip), python3.
# SCRATCH=DIR picks the build directory (default .build-static: the static build is separate
# from the debug and release builds of `swift test` and the demo).
set -euo pipefail

out=
while [ $# -gt 0 ]; do
    case "$1" in
        --out) out=$(realpath -m "${2:?--out needs a directory}"); shift 2 ;;
        --out=*) out=$(realpath -m "${1#--out=}"); shift ;;
        -h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "build-wheel.sh: unknown argument $1 (usage: scripts/build-wheel.sh [--out DIR])" >&2; exit 64 ;;
    esac
done
cd "$(dirname "$0")/.."
out=${out:-$PWD/dist}
for tool in swift patchelf objdump strip python3; do
    command -v "$tool" >/dev/null || { echo "build-wheel.sh: $tool is missing (Debian: apt-get install patchelf binutils python3)" >&2; exit 69; }
done
[ "$(uname -m)" = x86_64 ] || { echo "build-wheel.sh: only x86_64 Linux is supported (this is $(uname -sm))" >&2; exit 69; }

scratch=${SCRATCH:-.build-static}
start=$(date +%s)
swift build -c release --product artifact-store --static-swift-stdlib --scratch-path "$scratch" >&2
built="$(swift build -c release --static-swift-stdlib --scratch-path "$scratch" --show-bin-path)/artifact-store"
echo "build-wheel.sh: built $built in $(( $(date +%s) - start )) s" >&2

# Nothing of the Swift toolchain may be loaded at run time.
swift_libs='libswift|libFoundation|lib_Foundation|libdispatch|libBlocksRuntime|libicu|/opt/swift|/usr/lib/swift'
if ldd "$built" | grep -E "$swift_libs|not found"; then
    echo "build-wheel.sh: the binary still needs the libraries above; the static Swift stdlib did not take" >&2
    exit 70
fi
sqlite=$(ldd "$built" | awk '$1 == "libsqlite3.so.0" { print $3 }')
[ -n "$sqlite" ] && [ -f "$sqlite" ] || { echo "build-wheel.sh: the binary does not link libsqlite3.so.0 as expected" >&2; exit 70; }

stage=$(mktemp -d "${TMPDIR:-/tmp}/artifact-store-wheel.XXXXXX")
trap 'rm -rf "$stage"' EXIT
cp "$built" "$stage/artifact-store"
strip "$stage/artifact-store"
# The vendored SQLite first (the toolchain's $ORIGIN goes), then the system's libraries.
patchelf --set-rpath '$ORIGIN/../../artifact_store.libs' "$stage/artifact-store"
cp -L "$sqlite" "$stage/libsqlite3.so.0"
chmod 0755 "$stage/artifact-store"
chmod 0644 "$stage/libsqlite3.so.0"

version=$("$stage/artifact-store" --version)
[[ $version =~ ^[0-9]+(\.[0-9]+)*([a-z0-9.+-]*)$ ]] || { echo "build-wheel.sh: unexpected --version output: $version" >&2; exit 70; }
glibc=$( { objdump -T "$stage/artifact-store"; objdump -T "$stage/libsqlite3.so.0"; } \
    | grep -o 'GLIBC_2\.[0-9]*' | sort -u -t. -k2,2n | tail -1)
glibc_minor=${glibc#GLIBC_2.}
[ -n "$glibc_minor" ] || { echo "build-wheel.sh: found no GLIBC symbol versions" >&2; exit 70; }
tag="py3-none-manylinux_2_${glibc_minor}_x86_64"

mkdir -p "$out"
python3 - "$stage" "$version" "$tag" "$out" <<'PY'
import base64, ctypes, hashlib, os, sys, zipfile

stage, version, tag, out = sys.argv[1:5]
libsqlite = ctypes.CDLL(os.path.join(stage, "libsqlite3.so.0"))
libsqlite.sqlite3_libversion.restype = ctypes.c_char_p
sqlite_version = libsqlite.sqlite3_libversion().decode()
name = "artifact_store"
dist_info = f"{name}-{version}.dist-info"
wheel_path = os.path.join(out, f"{name}-{version}-{tag}.whl")

init_py = '''"""artifact-store: a content-addressed store for Python wheels and index pages.

This package carries the `artifact-store` binary; the console command execs it.
"""
import os

__version__ = "%s"


def find_artifact_store_bin() -> str:
    """The path of the bundled artifact-store binary."""
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "bin", "artifact-store")
''' % version

main_py = '''import os
import sys

from artifact_store import find_artifact_store_bin


def main() -> None:
    binary = find_artifact_store_bin()
    os.execv(binary, [binary, *sys.argv[1:]])


if __name__ == "__main__":
    main()
'''

metadata = f"""Metadata-Version: 2.1
Name: artifact-store
Version: {version}
Summary: A content-addressed store and caching index server for Python wheels and index pages, with exact offline verdicts
Requires-Python: >=3.8
Classifier: Operating System :: POSIX :: Linux
Classifier: Programming Language :: Swift
Description-Content-Type: text/markdown

The `artifact-store` command-line tool: a Swift binary with its runtime and Foundation linked
statically. It needs glibc, libstdc++ and zlib from the system and nothing from a Swift
toolchain; SQLite {sqlite_version} is vendored (`artifact_store.libs/libsqlite3.so.0`).
Run `artifact-store --help`, or `python -m artifact_store --help`.
"""

entry_points = """[console_scripts]
artifact-store = artifact_store.__main__:main
"""

wheel = f"""Wheel-Version: 1.0
Generator: artifact-store scripts/build-wheel.sh
Root-Is-Purelib: false
Tag: {tag}
"""

def read(path):
    with open(path, "rb") as f:
        return f.read()

# (archive name, bytes, executable); the dist-info comes last, RECORD last of all (PEP 427).
files = [
    (f"{name}/__init__.py", init_py.encode(), False),
    (f"{name}/__main__.py", main_py.encode(), False),
    (f"{name}/py.typed", b"", False),
    (f"{name}/bin/artifact-store", read(os.path.join(stage, "artifact-store")), True),
    (f"{name}.libs/libsqlite3.so.0", read(os.path.join(stage, "libsqlite3.so.0")), False),
    (f"{dist_info}/METADATA", metadata.encode(), False),
    (f"{dist_info}/entry_points.txt", entry_points.encode(), False),
    (f"{dist_info}/WHEEL", wheel.encode(), False),
]

def record_hash(content):
    digest = hashlib.sha256(content).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

record = "".join(f"{arcname},{record_hash(content)},{len(content)}\n" for arcname, content, _ in files)
record += f"{dist_info}/RECORD,,\n"
files.append((f"{dist_info}/RECORD", record.encode(), False))

# Fixed timestamps, so the same inputs give the same wheel.
epoch = (1980, 1, 1, 0, 0, 0)
tmp = wheel_path + ".part"
with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
    for arcname, content, executable in files:
        info = zipfile.ZipInfo(arcname, date_time=epoch)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = ((0o100755 if executable else 0o100644) & 0xFFFF) << 16
        info.create_system = 3  # Unix, so the mode bits are honoured
        archive.writestr(info, content, compresslevel=9)
os.replace(tmp, wheel_path)
print(wheel_path)
PY
echo "build-wheel.sh: $(ls -l "$out"/artifact_store-"$version"-"$tag".whl | awk '{print $5}') bytes; needs glibc 2.$glibc_minor+ ($tag), total $(( $(date +%s) - start )) s" >&2
