#!/usr/bin/env bash
# Start one OpenSearch 2.19 node on 127.0.0.1:PORT in the background, home/data in DATA_DIR.
# Waits until /_cluster/health answers and prints the URL; on failure prints the log tail.
# Usage: start.sh PORT DATA_DIR     (stop it with stop.sh DATA_DIR)
# OPENSEARCH_HEAP (default 512m) sets -Xms/-Xmx.
set -euo pipefail
port="${1:?usage: start.sh PORT DATA_DIR}"
data="${2:?usage: start.sh PORT DATA_DIR}"
here="$(cd "$(dirname "$0")" && pwd)"
heap="${OPENSEARCH_HEAP:-512m}"
"$here/build.sh"
mkdir -p "$data"
data="$(cd "$data" && pwd)"
url="http://127.0.0.1:$port"
if [[ -f "$data/node.pid" ]] && kill -0 "$(cat "$data/node.pid")" 2>/dev/null; then
    if curl -fsS -m 2 "$url/_cluster/health" >/dev/null 2>&1; then
        echo "$url"
        exit 0  # already running
    fi
    echo "a node is running from $data (pid $(cat "$data/node.pid")) but $url does not answer" >&2
    exit 1
fi
if curl -s -m 2 "$url" >/dev/null 2>&1; then
    echo "port $port is taken by another process" >&2
    exit 1
fi
log="$data/node.log"
nohup java -Xms"$heap" -Xmx"$heap" -XX:+UseSerialGC -Djava.awt.headless=true \
    -Dlog4j2.disable.jmx=true -Dio.netty.allocator.type=unpooled \
    -cp "$here/target/lib/*:$here/target/classes" dossier.OpenSearchNode "$port" "$data" \
    >"$log" 2>&1 </dev/null &
pid=$!
echo "$pid" >"$data/node.pid"
for _ in $(seq 1 120); do
    if curl -fsS -m 2 "$url/_cluster/health?wait_for_status=yellow&timeout=1s" >/dev/null 2>&1; then
        echo "$url"
        exit 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
        echo "opensearch node exited during start; last lines of $log:" >&2
        tail -40 "$log" >&2
        rm -f "$data/node.pid"
        exit 1
    fi
    sleep 1
done
echo "opensearch node did not answer on $url within 120 s; last lines of $log:" >&2
tail -40 "$log" >&2
kill "$pid" 2>/dev/null || true
rm -f "$data/node.pid"
exit 1
