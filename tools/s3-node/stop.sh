#!/usr/bin/env bash
# Stop the SeaweedFS server that start.sh started with the same DATA_DIR.
set -euo pipefail
data="${1:?usage: stop.sh DATA_DIR}"
[[ -f "$data/weed.pid" ]] || exit 0
pid=$(cat "$data/weed.pid")
kill "$pid" 2>/dev/null || exit 0
for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || exit 0; sleep 0.1; done
kill -9 "$pid" 2>/dev/null || true
