#!/usr/bin/env bash
# Run a command (the test suite) against real services started for it, then stop them.
#
# Usage: tools/test-services.sh COMMAND [ARG...]      (what `make test` runs: .venv/bin/pytest …)
#
# 1. Installs the Debian packages the suite needs when one is missing (as root; otherwise prints
#    the one apt-get command to run and fails).
# 2. Starts, in a temporary folder and on free loopback ports: Redis, PostgreSQL (initdb), an
#    OpenSearch 2.19 node and an Elasticsearch 9.5 node (tools/opensearch-node,
#    tools/elasticsearch-node: built from Maven Central jars on first use, which takes minutes).
#    A service whose DOSSIER_TEST_* URL is already exported (one you started) is used instead.
#    A SeaweedFS S3 server (tools/s3-node: built from its Go module once, kept in ~/.cache/dossier).
# 3. Exports DOSSIER_TEST_{REDIS,POSTGRES,SEARCH,ES,S3}_URL (+ DOSSIER_TEST_S3_ENDPOINT and its
#    access key pair), the word segmenter each node carries
#    and DOSSIER_REQUIRE_SERVICES=1 (a missing service fails a test instead of skipping it), and
#    runs COMMAND; its exit status is this script's.
# 4. Stops everything it started and removes the folder, on success, failure or Ctrl-C.
#
# DOSSIER_TEST_KEEP=1 keeps the folder (service logs) after the run.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ $# -gt 0 ]] || { echo "usage: $0 COMMAND [ARG...]" >&2; exit 2; }

say() { printf '== %s\n' "$*" >&2; }
die() { printf 'test-services: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------- system packages
# redis-server, postgresql: the scale-mode tests; chromium + CJK fonts: the browser tests and the
# scans the OCR tests render; poppler-utils, tesseract (chi_sim): the PDF and OCR-engine tests;
# openjdk-17 + maven: the OpenSearch node (Elasticsearch 9 needs Java 21+, see below); curl: the
# node launchers' health checks.
PACKAGES=(redis-server postgresql chromium fonts-noto-cjk fonts-wqy-zenhei fonts-wqy-microhei
          fonts-arphic-ukai fonts-arphic-uming poppler-utils tesseract-ocr tesseract-ocr-chi-sim
          openjdk-17-jdk-headless maven curl)
missing=()
for pkg in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
        || missing+=("$pkg")
done
if ((${#missing[@]})); then
    if [[ $(id -u) -ne 0 ]]; then
        die "missing system packages; run:
    sudo apt-get update && sudo apt-get install -y ${missing[*]}
then make test again"
    fi
    say "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >&2
    apt-get install -y -q "${missing[@]}" >&2
fi

# Elasticsearch 9 runs on Java 21+ (Debian 12 has 17 only): the Temurin JDK of these machines,
# or any JDK named by ES_JAVA_HOME.
if [[ -z "${DOSSIER_TEST_ES_URL:-}" ]]; then
    export ES_JAVA_HOME="${ES_JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
    [[ -x "$ES_JAVA_HOME/bin/java" ]] || die "Elasticsearch 9 needs a Java 21+ JDK: none at \
$ES_JAVA_HOME (install one and set ES_JAVA_HOME, or export DOSSIER_TEST_ES_URL of a running node)"
fi

# ---------------------------------------------------------------- the temporary folder
RUN=$(mktemp -d "${TMPDIR:-/tmp}/dossier-test.XXXXXX")
chmod 755 "$RUN"
started=()  # what cleanup stops, in reverse order

# stop_pid PIDFILE: TERM the process and wait until it has gone (Redis writes its last log line
# after the signal: removing the folder before that left it non-empty and failed `make test`)
stop_pid() {
    local pid
    [[ -f "$1" ]] || return 0
    pid=$(cat "$1")
    kill "$pid" 2>/dev/null || return 0
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    sleep 0.5
}

cleanup() {
    local rc=$? i
    trap - EXIT INT TERM
    for ((i = ${#started[@]} - 1; i >= 0; i--)); do
        case "${started[$i]}" in
            redis) stop_pid "$RUN/redis.pid" ;;
            postgres) as_pg "$PGBIN/pg_ctl" -D "$RUN/postgres/data" -m fast -w stop >/dev/null 2>&1 || true ;;
            opensearch) tools/opensearch-node/stop.sh "$RUN/opensearch" >/dev/null 2>&1 || true ;;
            elasticsearch) tools/elasticsearch-node/stop.sh "$RUN/elasticsearch" >/dev/null 2>&1 || true ;;
            s3) tools/s3-node/stop.sh "$RUN/s3" >/dev/null 2>&1 || true ;;
        esac
    done
    if [[ "${DOSSIER_TEST_KEEP:-}" == 1 ]]; then
        say "services stopped; their logs are in $RUN"
    else
        # a process that outlived its stop may still write a log line into $RUN: retry, and a
        # folder that stays is reported but does not turn the tests' result into a failure
        for i in 1 2 3 4 5; do rm -rf "$RUN" 2>/dev/null && break; sleep 1; done
        [[ -e "$RUN" ]] && say "warning: could not remove $RUN: $(ls -A "$RUN" | head -5 | tr '\n' ' ')"
        ((${#started[@]})) && say "services stopped: ${started[*]}"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# free_port [PLUS...]: a free loopback port P (with PLUS, P+PLUS is free too: the search nodes'
# transport port is their HTTP port + 100; the S3 server's listeners are P+1..4, P+10001..5)
free_port() {
    python3 - "$@" <<'EOF'
import random, socket, sys
offsets = [int(a) for a in sys.argv[1:]]
def free(port):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True
for _ in range(200):
    p = random.randint(20000, 40000)
    if free(p) and all(free(p + k) for k in offsets):
        print(p)
        break
else:
    sys.exit("no free port")
EOF
}

# as_pg CMD...: PostgreSQL refuses to run as root; as root, run it as the postgres user
as_pg() {
    if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# ---------------------------------------------------------------- the services
if [[ -z "${DOSSIER_TEST_REDIS_URL:-}" ]]; then
    port=$(free_port)
    say "redis on 127.0.0.1:$port"
    started+=(redis)
    redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes \
        --dir "$RUN" --pidfile "$RUN/redis.pid" --logfile "$RUN/redis.log"
    for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
    redis-cli -p "$port" ping >/dev/null || { tail -20 "$RUN/redis.log" >&2; die "redis did not start"; }
    export DOSSIER_TEST_REDIS_URL="redis://127.0.0.1:$port/0"
else
    say "redis: using DOSSIER_TEST_REDIS_URL=$DOSSIER_TEST_REDIS_URL"
fi

if [[ -z "${DOSSIER_TEST_POSTGRES_URL:-}" ]]; then
    port=$(free_port)
    PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
    [[ -n "$PGBIN" ]] || die "no PostgreSQL server under /usr/lib/postgresql (apt-get install postgresql)"
    say "postgresql on 127.0.0.1:$port"
    mkdir -p "$RUN/postgres"
    [[ $(id -u) -eq 0 ]] && chown postgres "$RUN/postgres"
    as_pg "$PGBIN/initdb" -D "$RUN/postgres/data" -A trust -U postgres >/dev/null
    started+=(postgres)
    as_pg "$PGBIN/pg_ctl" -D "$RUN/postgres/data" -l "$RUN/postgres/pg.log" -w \
        -o "-p $port -k $RUN/postgres -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null \
        || { tail -20 "$RUN/postgres/pg.log" >&2; die "postgresql did not start"; }
    export DOSSIER_TEST_POSTGRES_URL="postgresql+psycopg://postgres@127.0.0.1:$port/postgres"
else
    say "postgresql: using DOSSIER_TEST_POSTGRES_URL=${DOSSIER_TEST_POSTGRES_URL##*@}"
fi

# The two nodes: built one after the other (Maven's local repository is not safe for two
# concurrent builds), then started side by side; each start.sh waits until its node is yellow.
nodes=()
if [[ -z "${DOSSIER_TEST_SEARCH_URL:-}" ]]; then
    say "opensearch: building the launcher (Maven Central; minutes the first time)"
    tools/opensearch-node/build.sh
    nodes+=(opensearch)
else
    say "opensearch: using DOSSIER_TEST_SEARCH_URL=$DOSSIER_TEST_SEARCH_URL"
fi
if [[ -z "${DOSSIER_TEST_ES_URL:-}" ]]; then
    say "elasticsearch: building the launcher (Maven Central; minutes the first time)"
    tools/elasticsearch-node/build.sh
    nodes+=(elasticsearch)
else
    say "elasticsearch: using DOSSIER_TEST_ES_URL=$DOSSIER_TEST_ES_URL"
fi
pids=()
for node in "${nodes[@]}"; do
    port=$(free_port 100)
    say "$node on 127.0.0.1:$port"
    started+=("$node")
    # OpenSearch with Painless: the cluster backend's scripted BM25 (search/cluster.py); the
    # Elasticsearch node has none (not on Maven Central) and scores with the boolean fallback
    OPENSEARCH_PAINLESS=1 tools/$node-node/start.sh "$port" "$RUN/$node" >"$RUN/$node.start" 2>&1 &
    pids+=($!)
    if [[ $node == opensearch ]]; then
        export DOSSIER_TEST_SEARCH_URL="http://127.0.0.1:$port"
        # the word segmenter the node must carry (a lost plugin fails the suite)
        export DOSSIER_TEST_OPENSEARCH_WORDS="${DOSSIER_TEST_OPENSEARCH_WORDS:-smartcn}"
        export DOSSIER_TEST_OPENSEARCH_SCORING="${DOSSIER_TEST_OPENSEARCH_SCORING:-bm25}"
    else
        export DOSSIER_TEST_ES_URL="http://127.0.0.1:$port"
        export DOSSIER_TEST_ELASTICSEARCH_WORDS="${DOSSIER_TEST_ELASTICSEARCH_WORDS:-none}"
        export DOSSIER_TEST_ELASTICSEARCH_SCORING="${DOSSIER_TEST_ELASTICSEARCH_SCORING:-boolean}"
    fi
done
failed=0
for i in "${!pids[@]}"; do
    if ! wait "${pids[$i]}"; then
        echo "${nodes[$i]} node did not start:" >&2
        cat "$RUN/${nodes[$i]}.start" >&2
        failed=1
    fi
done
((failed == 0)) || die "a search node did not start (see above)"

# The S3 server of the blob-store and multi-host tests: SeaweedFS (tools/s3-node: built from its
# Go module once, cached in ~/.cache/dossier), its other listeners on the ports above the S3 one.
if [[ -z "${DOSSIER_TEST_S3_URL:-}" ]]; then
    tools/s3-node/build.sh >/dev/null
    port=$(free_port 1 2 3 4 10001 10002 10003 10004 10005)
    say "s3 (seaweedfs) on 127.0.0.1:$port"
    started+=(s3)
    export DOSSIER_TEST_S3_ENDPOINT
    DOSSIER_TEST_S3_ENDPOINT=$(S3_ACCESS_KEY=dossier S3_SECRET_KEY=dossier-secret S3_BUCKET=dossier-test \
        tools/s3-node/start.sh "$port" "$RUN/s3") || die "the S3 server did not start"
    export DOSSIER_TEST_S3_URL="s3://dossier-test/ci"
    export DOSSIER_TEST_S3_ACCESS_KEY=dossier DOSSIER_TEST_S3_SECRET_KEY=dossier-secret
else
    say "s3: using DOSSIER_TEST_S3_URL=$DOSSIER_TEST_S3_URL at ${DOSSIER_TEST_S3_ENDPOINT:-AWS}"
fi

export DOSSIER_REQUIRE_SERVICES="${DOSSIER_REQUIRE_SERVICES:-1}"
say "running: $* (DOSSIER_REQUIRE_SERVICES=$DOSSIER_REQUIRE_SERVICES)"
set +e
"$@"
rc=$?
set -e
exit "$rc"
