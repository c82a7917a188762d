#!/usr/bin/env bash
# A real S3-compatible server on loopback for the S3 blob storage tests: a single-node OpenStack
# Swift (Debian's packages, Swift 2.30) with its s3api middleware, authentication on (tempauth).
# moto (scripts/s3-test-server.py) imitates S3; Swift's s3api is an independent implementation
# that real deployments run, so the client is checked against a second reading of the S3 API.
#
#   scripts/s3-swift-server.sh install     # as root, after apt-get update: the Debian packages
#   scripts/s3-swift-server.sh [--bucket NAME] [--min-part-size BYTES] [--access-log]
#
# Same contract as scripts/s3-test-server.py: prints ONE JSON line on standard output, then serves
# until its standard input closes (so that it ends with the test process that started it) or it
# gets SIGTERM/SIGINT/SIGHUP, and then stops every process it started:
#     {"endpoint": "http://127.0.0.1:PORT", "bucket": "...", "region": "us-east-1",
#      "accessKeyId": "...", "secretAccessKey": "..."}
# Nothing else goes to standard output: the script's messages go to standard error, the servers'
# logs to files in the state directory.
#
# What runs, every process started directly (no systemd, no init script, none of Debian's
# service files or /etc/swift configuration), all on 127.0.0.1 at ports free at start-up:
#   - memcached: tempauth refuses to authenticate without a memcache client, and the proxy caches
#     account and container information in it, as a deployment does;
#   - account, container and object servers, one device `d1` each under the state directory,
#     rings of one replica built with swift-ring-builder, mount_check off;
#   - the proxy server: s3api before tempauth (one account `artifactstore`, user `tester`, a key
#     drawn at random), then copy (S3's CopyObject) and slo (S3's multipart uploads need it).
# Every server runs in one process (workers = 0), in the foreground of a small launcher that
# points Swift at this directory's swift.conf (Swift otherwise always reads /etc/swift/swift.conf)
# and keeps its logs out of syslog. The launcher is started under `setpriv --pdeathsig`, so that
# the servers end even if this script is killed with SIGKILL.
#
# S3 as the client uses it: path-style addressing (`http://127.0.0.1:PORT/BUCKET/KEY`; no
# storage_domain, so no virtual-hosted style), SigV4 in region us-east-1 (s3api's `location`),
# and a minimum multipart part size of --min-part-size bytes (s3api's min_segment_size; S3's is
# 5 MiB) so that tests can force multipart uploads with small data. Start-up creates the bucket
# with a signed CreateBucket, then checks that a signed HEAD is accepted and one signed with a
# wrong key refused; any step that fails or takes longer than SWIFT_START_TIMEOUT seconds (60)
# ends the script with a message and the log's last lines on standard error.
#
# The object server keeps metadata in extended attributes (user.*): the state directory must be
# on a filesystem that supports them (ext4, xfs, btrfs do; tmpfs before Linux 6.6 does not).
#
# Environment: SWIFT_DIR (the state directory; by default a fresh one under ${TMPDIR:-/tmp},
# removed at exit unless start-up failed; a given one is reused, its earlier state wiped, and kept),
# SWIFT_START_TIMEOUT (60).
set -euo pipefail

# A process inherits the signal mask and the ignored signals of the thread that started it: a test
# runner's (Foundation's Process, from a thread that blocks nearly every signal) leaves SIGTERM
# blocked, so that neither this script nor the servers would end on it. Start again with every
# signal unblocked and SIGTERM, SIGINT, SIGHUP at their defaults. (Inherited descriptors stay
# open: Foundation's Process learns that its child ended when a socket the child inherited
# closes, and then waits for it; closing that socket early would hang the test process.)
if [ -z "${S3_SWIFT_SERVER_RESET:-}" ] && [ -x /usr/bin/python3 ]; then
    export S3_SWIFT_SERVER_RESET=1
    exec /usr/bin/python3 -c '
import os, signal, sys
signal.pthread_sigmask(signal.SIG_SETMASK, set())
for number in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
    signal.signal(number, signal.SIG_DFL)
os.execv("/bin/bash", ["bash", *sys.argv[1:]])' "$0" "$@"
fi
unset S3_SWIFT_SERVER_RESET

packages=(swift swift-proxy swift-object swift-container swift-account memcached)
python=/usr/bin/python3  # Debian's, where python3-swift is (not whatever python3 PATH finds first)

say() { echo "s3-swift-server: $*" >&2; }
die() { say "$*"; exit 1; }

if [ "${1:-}" = install ]; then
    [ "$(id -u)" = 0 ] || die "install needs root: sudo $0 install"
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${packages[@]}" >&2
    exit 0
fi

bucket=artifact-store-test
min_part_size=256
access_log=false
while [ $# -gt 0 ]; do
    case "$1" in
        --bucket) bucket=${2:?--bucket needs a name}; shift 2 ;;
        --min-part-size) min_part_size=${2:?--min-part-size needs a number of bytes}; shift 2 ;;
        --access-log) access_log=true; shift ;;
        *) die "unknown argument ${1@Q}; usage: $0 [install] [--bucket NAME] [--min-part-size BYTES] [--access-log]" ;;
    esac
done
[[ $min_part_size =~ ^[1-9][0-9]*$ ]] || die "--min-part-size must be a positive number of bytes"
[[ $bucket =~ ^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$ ]] || die "--bucket: an S3 bucket name is 3 to 63 lowercase letters, digits, dots and hyphens"
timeout=${SWIFT_START_TIMEOUT:-60}

# --- What must be installed -------------------------------------------------------------------
for command in swift-ring-builder memcached setpriv; do
    command -v "$command" >/dev/null || die "no $command: run \`$0 install\` as root (apt-get install -y --no-install-recommends ${packages[*]})"
done
# (Found, not imported: importing Swift takes a second, which every server spends anyway.)
"$python" -c 'import importlib.util as u, sys; sys.exit(u.find_spec("swift") is None)' \
    || die "Debian's python3-swift is not importable by $python: run \`$0 install\` as root"

# --- The state directory ----------------------------------------------------------------------
temporary=false
if [ -n "${SWIFT_DIR:-}" ]; then
    dir=$SWIFT_DIR
    mkdir -p "$dir"
    rm -rf "$dir/etc" "$dir/srv" "$dir/log"  # only what this script writes there
else
    dir=$(mktemp -d "${TMPDIR:-/tmp}/artifact-store-s3-swift.XXXXXX")
    temporary=true
fi
dir=$(cd "$dir" && pwd)
etc=$dir/etc log=$dir/log srv=$dir/srv
mkdir -p "$etc" "$log" "$srv/d1"
chmod 700 "$dir"  # the key is in etc/proxy-server.conf

pids=() names=() waiter=
# Whether a process still runs: one that ended but is not yet waited for is a zombie, which
# kill -0 still finds.
alive() { [ -e "/proc/$1" ] && ! grep -q '^State:.*zombie' "/proc/$1/status" 2>/dev/null; }
cleanup() {
    local status=$?
    set +e
    trap - EXIT TERM INT HUP
    [ -n "$waiter" ] && kill "$waiter" 2>/dev/null
    local pid index
    for ((index = ${#pids[@]} - 1; index >= 0; index--)); do kill -TERM "${pids[index]}" 2>/dev/null; done
    # Up to 5 seconds for all to end, then SIGKILL for any left.
    for _ in $(seq 50); do
        for pid in "${pids[@]}"; do
            alive "$pid" && break
            pid=
        done
        [ -z "$pid" ] && break
        sleep 0.1
    done
    for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null; done
    wait 2>/dev/null
    if [ "$status" = 0 ] && $temporary; then
        rm -rf "$dir"
    elif [ "$status" != 0 ]; then
        say "the state and the servers' logs are kept in $dir"
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 0' TERM INT HUP

# Shows a server's last log lines and ends the script.
fail() {  # message [log name]
    say "$1"
    if [ -n "${2:-}" ] && [ -s "$log/$2.log" ]; then
        say "last lines of $log/$2.log:"
        tail -n 25 "$log/$2.log" | sed 's/^/    /' >&2
    fi
    exit 1
}

# Swift's object server stores each object's metadata in user.* extended attributes.
"$python" - "$srv/d1" <<'PY' || fail "the filesystem of $srv does not support user extended attributes (xattrs), which Swift's object server needs: set SWIFT_DIR to a directory on ext4, xfs or btrfs"
import os, sys
path = os.path.join(sys.argv[1], ".xattr-check")
open(path, "w").close()
try:
    os.setxattr(path, "user.swift.check", b"1")
    sys.exit(os.getxattr(path, "user.swift.check") != b"1")
except OSError as error:
    sys.exit(f"setxattr: {error.strerror}")
finally:
    os.unlink(path)
PY

# --- Ports, configuration, rings --------------------------------------------------------------
# Five ports free now on loopback (held together while chosen, so all different), the S3 secret
# key and swift.conf's hash path prefix and suffix (random: this cluster is thrown away).
read -r memcache_port account_port container_port object_port proxy_port secret hash_prefix hash_suffix < <("$python" -c '
import secrets, socket
sockets = [socket.socket() for _ in range(5)]
for each in sockets: each.bind(("127.0.0.1", 0))
print(*[each.getsockname()[1] for each in sockets], secrets.token_hex(20), secrets.token_hex(8), secrets.token_hex(8))')
user=$(id -un)
access_key=artifactstore:tester

# Swift reads swift.conf for the hash path prefix and suffix, the storage policies (one, the
# default) and the constraints (none here: Swift's defaults).
cat >"$etc/swift.conf" <<EOF
[swift-hash]
swift_hash_path_prefix = $hash_prefix
swift_hash_path_suffix = $hash_suffix

[storage-policy:0]
name = Policy-0
default = yes
EOF

# What every server shares: loopback only, one process, this directory, no mount points.
common() {  # port
    cat <<EOF
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = $1
workers = 0
user = $user
swift_dir = $etc
devices = $srv
mount_check = false
log_level = INFO
EOF
}
for server in account container object; do
    port_variable=${server}_port
    { common "${!port_variable}"
      printf '\n[pipeline:main]\npipeline = %s-server\n\n[app:%s-server]\nuse = egg:swift#%s\n' "$server" "$server" "$server"
    } >"$etc/$server-server.conf"
done
{ common "$proxy_port"
  cat <<EOF

# s3api before the auth middleware (it hands tempauth the SigV4 check); copy serves S3's
# CopyObject (x-amz-copy-source); slo after s3api, which needs it for multipart uploads.
[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats s3api tempauth copy slo dlo versioned_writes proxy-logging proxy-server

[app:proxy-server]
use = egg:swift#proxy
# The account is created by its first request (the bucket's creation).
account_autocreate = true

[filter:s3api]
use = egg:swift#s3api
location = us-east-1
min_segment_size = $min_part_size
# S3's own bucket name rules.
dns_compliant_bucket_names = true

[filter:tempauth]
use = egg:swift#tempauth
# S3 access key id artifactstore:tester, secret key: the user's key.
user_artifactstore_tester = $secret .admin

[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:$memcache_port

[filter:catch_errors]
use = egg:swift#catch_errors
[filter:gatekeeper]
use = egg:swift#gatekeeper
[filter:healthcheck]
use = egg:swift#healthcheck
[filter:proxy-logging]
use = egg:swift#proxy_logging
[filter:listing_formats]
use = egg:swift#listing_formats
[filter:copy]
use = egg:swift#copy
[filter:slo]
use = egg:swift#slo
# SLO reads the segments of a large object after the tenth at one a second when they are smaller
# than this (1 MiB by default): with the small parts min_segment_size allows here, a copy of a
# 40 MiB object of 64 KiB parts would take ten minutes. Parts of S3's 5 MiB minimum never are.
rate_limit_under_size = 0
[filter:dlo]
use = egg:swift#dlo
[filter:versioned_writes]
use = egg:swift#versioned_writes
EOF
} >"$etc/proxy-server.conf"

# One device, one replica, 2^6 partitions: the smallest rings that are still real rings. The
# three are built at once (each swift-ring-builder command spends half a second importing Swift).
rings=(account container object) builders=()
for ring in "${rings[@]}"; do
    port_variable=${ring}_port
    {
        swift-ring-builder "$etc/$ring.builder" create 6 1 1
        swift-ring-builder "$etc/$ring.builder" add --region 1 --zone 1 --ip 127.0.0.1 --port "${!port_variable}" --device d1 --weight 100
        swift-ring-builder "$etc/$ring.builder" rebalance || [ $? = 1 ]  # 1: a warning only
    } >"$log/ring-$ring.log" 2>&1 &
    builders+=($!)
done
for index in "${!rings[@]}"; do
    wait "${builders[index]}" || fail "swift-ring-builder could not build the ${rings[index]} ring" "ring-${rings[index]}"
done

# --- Start ------------------------------------------------------------------------------------
launch() {  # name command...
    local name=$1
    shift
    setpriv --pdeathsig TERM -- "$@" </dev/null >>"$log/$name.log" 2>&1 &
    pids+=($!)
    names+=("$name")
}

# Runs one Swift server in the foreground with this directory's swift.conf, logging to standard
# error only (verbose: Swift adds a handler for standard error; its syslog handler, which would
# send to /dev/log or else UDP port 514, is replaced by nothing).
launcher='
import logging, sys
import swift.common.utils as utils
utils.SWIFT_CONF_FILE = sys.argv[3]
utils.ThreadSafeSysLogHandler = lambda *args, **kwargs: logging.NullHandler()
from swift.common import constraints, storage_policy
constraints.reload_constraints()
storage_policy.reload_storage_policies()
from swift.common.wsgi import run_wsgi
sys.exit(run_wsgi(sys.argv[1], sys.argv[2], verbose=True))
'
launch memcached memcached -l 127.0.0.1 -p "$memcache_port" -U 0 -m 64 -u "$user"
for server in account container object; do
    launch "$server-server" "$python" -c "$launcher" "$etc/$server-server.conf" "$server-server" "$etc/swift.conf"
done
if $access_log; then
    setpriv --pdeathsig TERM -- "$python" -c "$launcher" "$etc/proxy-server.conf" proxy-server "$etc/swift.conf" </dev/null >&2 &
    pids+=($!)
    names+=(proxy-server)
else
    launch proxy-server "$python" -c "$launcher" "$etc/proxy-server.conf" proxy-server "$etc/swift.conf"
fi

# Waits until every server accepts connections, failing at once if one has exited.
deadline=$((SECONDS + timeout))
ports=("$memcache_port" "$account_port" "$container_port" "$object_port" "$proxy_port")
for index in "${!pids[@]}"; do
    until (exec 3<>"/dev/tcp/127.0.0.1/${ports[index]}") 2>/dev/null; do
        alive "${pids[index]}" || fail "${names[index]} exited during start-up" "${names[index]}"
        [ "$SECONDS" -lt "$deadline" ] || fail "${names[index]} did not listen on 127.0.0.1:${ports[index]} within ${timeout}s" "${names[index]}"
        sleep 0.1
    done
done

# Creates the bucket through S3 (a signed CreateBucket), then checks that S3 authentication is
# on: a signed HEAD of the bucket is accepted, the same signed with a wrong key is refused.
"$python" - "$proxy_port" "$bucket" "$access_key" "$secret" "$((deadline - SECONDS))" <<'PY' || fail "the S3 API did not come up" proxy-server
import datetime, hashlib, hmac, http.client, sys, time

port, bucket, access_key, secret, seconds = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
host = "127.0.0.1:" + port
deadline = time.monotonic() + max(seconds, 1)

def request(method, path, headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", int(port), timeout=10)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        connection.close()

def signed(method, path, key):
    now = datetime.datetime.now(datetime.timezone.utc)
    amz_date, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
    empty = hashlib.sha256(b"").hexdigest()
    headers = {"host": host, "x-amz-content-sha256": empty, "x-amz-date": amz_date}
    names = sorted(headers)
    canonical = "\n".join([method, path, "", *[f"{name}:{headers[name]}" for name in names], "", ";".join(names), empty])
    scope = f"{day}/us-east-1/s3/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    signing = ("AWS4" + key).encode()
    for part in (day, "us-east-1", "s3", "aws4_request"):
        signing = hmac.new(signing, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(signing, to_sign.encode(), hashlib.sha256).hexdigest()
    headers["Authorization"] = (f"AWS4-HMAC-SHA256 Credential={access_key}/{scope}, "
                                f"SignedHeaders={';'.join(names)}, Signature={signature}")
    return request(method, path, headers)

# The proxy listens before its pipeline answers: wait for /healthcheck.
while True:
    try:
        if request("GET", "/healthcheck")[0] == 200:
            break
    except OSError:
        pass
    if time.monotonic() > deadline:
        sys.exit("the proxy server did not answer /healthcheck in time")
    time.sleep(0.1)

status, body = signed("PUT", "/" + bucket, secret)
if status != 200 and "BucketAlreadyOwnedByYou" not in body:
    sys.exit(f"CreateBucket {bucket} failed: HTTP {status} {body[:500]}")
status, _ = signed("HEAD", "/" + bucket, secret)
if status != 200:
    sys.exit(f"HEAD of the new bucket {bucket} failed: HTTP {status}")
status, body = signed("HEAD", "/" + bucket, secret + "-wrong")
if status != 403:
    sys.exit(f"a request signed with a wrong key was not refused (HTTP {status}): authentication is off")
PY

printf '{"endpoint": "http://127.0.0.1:%s", "bucket": "%s", "region": "us-east-1", "accessKeyId": "%s", "secretAccessKey": "%s"}\n' \
    "$proxy_port" "$bucket" "$access_key" "$secret"

# Serve until standard input closes (an explicit redirection: a background command's standard
# input would otherwise be /dev/null) or a server exits; a signal ends the wait through its trap.
setpriv --pdeathsig TERM -- cat <&0 >/dev/null &
waiter=$!
ended=
wait -n -p ended "$waiter" "${pids[@]}" || true
if [ "$ended" != "$waiter" ]; then
    for index in "${!pids[@]}"; do
        [ "${pids[index]}" = "$ended" ] && fail "${names[index]} exited while serving" "${names[index]}"
    done
fi
exit 0
