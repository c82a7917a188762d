#!/usr/bin/env bash
# A private PostgreSQL for the PostgreSQL metadata tests (ARCHITECTURE.md §11): its own cluster
# under .build/pg, on 127.0.0.1 at a private port, its socket in its own directory, password
# authentication over TCP (so that a wrong password is refused, as on a real server).
#
#   scripts/postgres-test-server.sh start   # prints the export line for the tests
#   scripts/postgres-test-server.sh stop
#   scripts/postgres-test-server.sh remove  # stop, then delete the cluster's directory
#   scripts/postgres-test-server.sh url     # the URL only
#
# Then: export ARTIFACT_STORE_TEST_POSTGRES=postgres://artifact_store:…@127.0.0.1:25429/artifact_store_test
#       swift test --filter ArtifactStorePostgresTests
#
# PostgreSQL refuses to run as root: when run as root, the cluster belongs to the `postgres`
# system user that Debian's package creates (or `nobody`), and its commands run through setpriv.
# Environment: PG_BIN (default: the newest /usr/lib/postgresql/*/bin), PG_PORT (25429), PG_DIR (.build/pg, or
# /tmp/artifact-store-test-pg-PORT as root).
set -euo pipefail
cd "$(dirname "$0")/.."

# The newest PostgreSQL Debian's packages installed (15 on Debian 12, 17 on Debian 13).
PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
# Below Linux's ephemeral range (32768–60999): a port there can be held by any process's
# outgoing connection at the moment the server starts (a cluster-faults run failed to bind one).
PG_PORT=${PG_PORT:-25429}
# As root the cluster belongs to another user, who must reach its directory: a checkout under a
# private home (/root is 0700) would not do, so root's cluster lives under /tmp.
if [ -z "${PG_DIR:-}" ]; then
    if [ "$(id -u)" = 0 ]; then PG_DIR=/tmp/artifact-store-test-pg-$PG_PORT; else PG_DIR=$PWD/.build/pg; fi
fi
user=artifact_store
password=artifact-store-test-only
database=artifact_store_test
url="postgres://$user:$password@127.0.0.1:$PG_PORT/$database"

as_owner() {
    if [ "$(id -u)" = 0 ]; then
        local owner=postgres
        id -u postgres >/dev/null 2>&1 || owner=nobody
        setpriv --reuid="$owner" --regid="$(id -g "$owner")" --clear-groups --reset-env -- "$@"
    else
        "$@"
    fi
}

start() {
    [ -x "$PG_BIN/initdb" ] || { echo "postgres-test-server: no $PG_BIN/initdb: apt-get install -y postgresql (or set PG_BIN)" >&2; exit 1; }
    mkdir -p "$PG_DIR"
    if [ "$(id -u)" = 0 ]; then
        local owner=postgres
        id -u postgres >/dev/null 2>&1 || owner=nobody
        chown "$owner" "$PG_DIR"
    fi
    if [ ! -f "$PG_DIR/data/PG_VERSION" ]; then
        as_owner bash -c "umask 077; printf '%s\n' '$password' > '$PG_DIR/pwfile'"
        as_owner "$PG_BIN/initdb" -D "$PG_DIR/data" -U "$user" --pwfile="$PG_DIR/pwfile" \
            --auth-host=scram-sha-256 --auth-local=trust -E UTF8 --locale=C.UTF-8 >"$PG_DIR/initdb.log" 2>&1 \
            || { cat "$PG_DIR/initdb.log" >&2; exit 1; }
        as_owner mkdir -p "$PG_DIR/socket"
    fi
    if ! as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" status >/dev/null 2>&1; then
        # fsync off: a test server's data is thrown away; max_connections for parallel tests.
        as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 start \
            -o "-h 127.0.0.1 -p $PG_PORT -k $PG_DIR/socket -c fsync=off -c max_connections=200" >/dev/null \
            || { tail -20 "$PG_DIR/server.log" >&2; exit 1; }
    fi
    if ! as_owner "$PG_BIN/psql" -h "$PG_DIR/socket" -p "$PG_PORT" -U "$user" -d postgres -Atqc \
            "SELECT 1 FROM pg_database WHERE datname = '$database'" | grep -q 1; then
        as_owner "$PG_BIN/createdb" -h "$PG_DIR/socket" -p "$PG_PORT" -U "$user" "$database"
    fi
    echo "export ARTIFACT_STORE_TEST_POSTGRES=$url"
}

stop() {
    if [ -f "$PG_DIR/data/PG_VERSION" ]; then
        as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
}

# The cluster is a test's only: nothing in it outlives the run that started it.
remove() {
    stop
    rm -rf "$PG_DIR"
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    remove) remove ;;
    url) echo "$url" ;;
    *) echo "usage: $0 start|stop|remove|url" >&2; exit 64 ;;
esac
