# Shared by tools/opensearch-node and tools/elasticsearch-node (sourced, not run): the parts of
# start.sh / stop.sh that do not depend on the engine.

# node_running URL DATA: print URL and return 0 when the node of DATA already answers; fail
# loudly when DATA's node is alive but silent or another process holds the port; else 1.
node_running() {
    local url="$1" data="$2"
    if [[ -f "$data/node.pid" ]] && kill -0 "$(cat "$data/node.pid")" 2>/dev/null; then
        if curl -fsS -m 2 "$url/_cluster/health" >/dev/null 2>&1; then
            echo "$url"
            return 0
        fi
        echo "a node is running from $data (pid $(cat "$data/node.pid")) but $url does not answer" >&2
        exit 1
    fi
    if curl -s -m 2 "$url" >/dev/null 2>&1; then
        echo "port ${url##*:} is taken by another process" >&2
        exit 1
    fi
    return 1
}

# node_wait NAME PID URL DATA: wait (120 s) until the cluster is yellow and print URL; on an
# early exit or a timeout print the log tail, stop the process and fail.
node_wait() {
    local name="$1" pid="$2" url="$3" data="$4" log="$4/node.log"
    for _ in $(seq 1 120); do
        if curl -fsS -m 2 "$url/_cluster/health?wait_for_status=yellow&timeout=1s" >/dev/null 2>&1; then
            echo "$url"
            return 0
        fi
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "$name node exited during start; last lines of $log:" >&2
            tail -40 "$log" >&2
            rm -f "$data/node.pid"
            exit 1
        fi
        sleep 1
    done
    echo "$name node did not answer on $url within 120 s; last lines of $log:" >&2
    tail -40 "$log" >&2
    kill "$pid" 2>/dev/null || true
    rm -f "$data/node.pid"
    exit 1
}

# node_stop DATA: stop the node started with DATA (SIGTERM, SIGKILL after 30 s).
node_stop() {
    local pidfile="$1/node.pid" pid
    [[ -f "$pidfile" ]] || return 0
    pid="$(cat "$pidfile")"
    if kill -0 "$pid" 2>/dev/null; then
        kill "$pid"
        for _ in $(seq 1 30); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 1
        done
        kill -0 "$pid" 2>/dev/null && { kill -9 "$pid"; sleep 1; }
    fi
    rm -f "$pidfile"
}
