# Shared by scripts/cluster-demo.sh, cluster-load.sh and bench-cluster.sh (sourced, not run): a
# shared store's backends on loopback (a private PostgreSQL, moto's S3 server with
# authentication on, an upstream index) and serve nodes over them.
#
# The sourcing script sets `work` (a new temporary directory it removes), `python` and `bin`, and
# calls cluster_cleanup from its EXIT trap. After cluster_start_backends: `metadata` (a
# postgres:// URL with a schema of its own), `blobs` (an s3:// URL), `upstream` (http://…) and the
# AWS_* variables are set. Processes the script starts in the background after the backends
# should not inherit fd 7 (`7>&-`): it holds moto's standard input open. After sourcing, a script may
# set `cluster_upstream_options` (an array: options of `test-upstream.py build`, e.g. --big-mb 3).
# Env: PG_PORT (the PostgreSQL port; each script has its own default),
# MOTO_PYTHON (a python with moto[server]; default .build/client-venv, else a temporary venv).

cluster_pids=()
cluster_upstream_options=()

cluster_cleanup() {
    local pid
    for pid in "${cluster_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${cluster_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    scripts/postgres-test-server.sh remove >/dev/null 2>&1 || true
}

cluster_wait_line() {  # FILE PID: FILE's first line, once the process printed it
    local tries
    for tries in $(seq 600); do
        if [[ -s "$1" && $(wc -l <"$1") -ge 1 ]]; then head -1 "$1"; return 0; fi
        kill -0 "$2" 2>/dev/null || break
        sleep 0.1
    done
    echo "process $2 did not start; the logs:" >&2
    tail -n 20 "$work"/*.log >&2 || true
    return 1
}

cluster_start_backends() {  # [S3 SERVER OPTIONS…]
    # A cluster of its own (as root, postgres-test-server.sh keeps it under /tmp, where
    # PostgreSQL's user reaches it).
    [[ $(id -u) == 0 ]] || export PG_DIR=${PG_DIR:-$work/pg}
    scripts/postgres-test-server.sh start >/dev/null
    metadata="$(scripts/postgres-test-server.sh url)?schema=cluster_$$"

    local moto_python=${MOTO_PYTHON:-.build/client-venv/bin/python}
    if ! "$moto_python" -c 'import moto.server, boto3' 2>/dev/null; then
        echo "(no moto: installing moto[server]==5.2.5 into a temporary venv)" >&2
        "$python" -m venv "$work/moto-venv"
        "$work/moto-venv/bin/pip" install -q --disable-pip-version-check 'moto[server]==5.2.5' >&2
        moto_python=$work/moto-venv/bin/python
    fi
    # The S3 server runs until its standard input closes: a FIFO the script holds open (fd 7),
    # so that it ends with the script however the script ends.
    mkfifo "$work/s3.in"
    "$moto_python" scripts/s3-test-server.py --bucket cluster "$@" <"$work/s3.in" >"$work/s3.json" 2>"$work/s3.log" &
    cluster_pids+=($!)
    exec 7>"$work/s3.in"
    cluster_wait_line "$work/s3.json" "${cluster_pids[-1]}" >/dev/null
    local endpoint bucket region
    read -r endpoint bucket region AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY < <("$python" -c '
import json, sys; s = json.load(open(sys.argv[1]))
print(s["endpoint"], s["bucket"], s["region"], s["accessKeyId"], s["secretAccessKey"])' "$work/s3.json")
    export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
    blobs="s3://$bucket?endpoint=$endpoint&region=$region"

    "$python" scripts/test-upstream.py build "$work/up" "${cluster_upstream_options[@]}" >/dev/null
    "$python" scripts/test-upstream.py serve "$work/up" --port 0 >"$work/up.port" 2>"$work/up.log" 7>&- &
    cluster_pids+=($!)
    upstream_pid=$!
    upstream=http://127.0.0.1:$(cluster_wait_line "$work/up.port" "$upstream_pid")
}

cluster_start_node() {  # NAME [SERVE OPTIONS…]: serve over the shared store; sets NAME_pid, NAME_base
    local name=$1; shift
    "$bin" serve --store "$work/node-$name" --metadata "$metadata" --blobs "$blobs" \
        --index "up=$upstream/simple" --port 0 "$@" >"$work/$name.out" 2>>"$work/$name.log" 7>&- &
    cluster_pids+=($!)
    printf -v "${name}_pid" %s $!
    local base
    base=$(cluster_wait_line "$work/$name.out" "$!")
    printf -v "${name}_base" %s "${base%/}"
}
