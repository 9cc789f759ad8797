#!/usr/bin/env bash
# Stop the node started by start.sh with the same DATA_DIR (its pid is in DATA_DIR/node.pid).
set -euo pipefail
data="${1:?usage: stop.sh DATA_DIR}"
pidfile="$data/node.pid"
[[ -f "$pidfile" ]] || exit 0
pid="$(cat "$pidfile")"
if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 1 30); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 1
    done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
fi
rm -f "$pidfile"
