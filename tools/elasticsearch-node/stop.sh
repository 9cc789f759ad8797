#!/usr/bin/env bash
# Stop the node started by start.sh with the same DATA_DIR (its pid is in DATA_DIR/node.pid).
set -euo pipefail
data="${1:?usage: stop.sh DATA_DIR}"
# shellcheck source=../search-node.sh
source "$(cd "$(dirname "$0")" && pwd)/../search-node.sh"
node_stop "$data"
