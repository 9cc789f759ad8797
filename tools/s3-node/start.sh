#!/usr/bin/env bash
# Start a SeaweedFS S3 server (`weed mini`: master, volume, filer and S3 gateway in one process)
# on 127.0.0.1:PORT in the background, data in DATA_DIR, with one bucket and one access key.
# Waits until the S3 port answers; prints the endpoint URL. Stop it with stop.sh DATA_DIR.
#
# Usage: start.sh PORT DATA_DIR    env: S3_ACCESS_KEY, S3_SECRET_KEY, S3_BUCKET (defaults below)
# Its other listeners take ports PORT+1 … PORT+8 (and their gRPC ports +10000): the caller
# picks PORT with that room free.
set -euo pipefail
port="${1:?usage: start.sh PORT DATA_DIR}"
data="${2:?usage: start.sh PORT DATA_DIR}"
here="$(cd "$(dirname "$0")" && pwd)"
weed=$("$here/build.sh")
mkdir -p "$data/store"
data="$(cd "$data" && pwd)"
export AWS_ACCESS_KEY_ID="${S3_ACCESS_KEY:-dossier}"
export AWS_SECRET_ACCESS_KEY="${S3_SECRET_KEY:-dossier-secret}"
bucket="${S3_BUCKET:-dossier}"
p() { echo $((port + $1)); }
# no telemetry, no admin UI, WebDAV, Iceberg or Lance listeners: a loopback S3 endpoint only
nohup "$weed" mini -dir="$data/store" -ip=127.0.0.1 -ip.bind=127.0.0.1 \
    -s3.port="$port" -s3.port.grpc="$(p 10001)" -s3.port.iceberg=0 -s3.port.lance=0 \
    -master.port="$(p 1)" -master.port.grpc="$(p 10002)" -master.telemetry=false \
    -volume.port="$(p 2)" -volume.port.grpc="$(p 10003)" \
    -filer.port="$(p 3)" -filer.port.grpc="$(p 10004)" \
    -webdav=false -admin.ui=false -admin.port="$(p 4)" -admin.port.grpc="$(p 10005)" \
    -admin.port.legacy=0 -metricsPort=0 -master.volumeSizeLimitMB=64 \
    -bucket="$bucket" >"$data/weed.log" 2>&1 </dev/null &
pid=$!
echo "$pid" >"$data/weed.pid"
url="http://127.0.0.1:$port"
for _ in $(seq 600); do
    if ! kill -0 "$pid" 2>/dev/null; then
        tail -30 "$data/weed.log" >&2; echo "s3-node: weed exited" >&2; exit 1
    fi
    # any HTTP answer: the gateway is serving (the tests wait for the bucket itself)
    code=$(curl -s -o /dev/null -w '%{http_code}' "$url/" || true)
    if [[ "$code" =~ ^[2-5][0-9][0-9]$ ]]; then
        echo "$url"; exit 0
    fi
    sleep 0.2
done
tail -30 "$data/weed.log" >&2
echo "s3-node: no answer on $url" >&2
kill "$pid" 2>/dev/null || true
exit 1
