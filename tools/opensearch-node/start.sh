#!/usr/bin/env bash
# Start one OpenSearch 2.19 node on 127.0.0.1:PORT in the background, home/data in DATA_DIR.
# Waits until /_cluster/health answers and prints the URL; on failure prints the log tail.
# Usage: start.sh PORT DATA_DIR     (stop it with stop.sh DATA_DIR)
# OPENSEARCH_HEAP (default 512m) sets -Xms/-Xmx.
set -euo pipefail
port="${1:?usage: start.sh PORT DATA_DIR}"
data="${2:?usage: start.sh PORT DATA_DIR}"
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=../search-node.sh
source "$here/../search-node.sh"
heap="${OPENSEARCH_HEAP:-512m}"
"$here/build.sh"
mkdir -p "$data"
data="$(cd "$data" && pwd)"
url="http://127.0.0.1:$port"
node_running "$url" "$data" && exit 0
log="$data/node.log"
nohup java -Xms"$heap" -Xmx"$heap" -XX:+UseSerialGC -Djava.awt.headless=true \
    -Dlog4j2.disable.jmx=true -Dio.netty.allocator.type=unpooled \
    -cp "$here/target/lib/*:$here/target/classes" dossier.OpenSearchNode "$port" "$data" \
    >"$log" 2>&1 </dev/null &
pid=$!
echo "$pid" >"$data/node.pid"
node_wait opensearch "$pid" "$url" "$data"
