#!/usr/bin/env bash
# Start one Elasticsearch 9.x node on 127.0.0.1:PORT in the background, home/data in DATA_DIR.
# Waits until /_cluster/health answers and prints the URL; on failure prints the log tail.
# Usage: start.sh PORT DATA_DIR     (stop it with stop.sh DATA_DIR)
# ELASTICSEARCH_HEAP (default 512m) sets -Xms/-Xmx. Elasticsearch 9 needs Java 21+: the JDK is
# ES_JAVA_HOME, default /usr/lib/jvm/temurin-25-jdk-amd64.
set -euo pipefail
port="${1:?usage: start.sh PORT DATA_DIR}"
data="${2:?usage: start.sh PORT DATA_DIR}"
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=../search-node.sh
source "$here/../search-node.sh"
heap="${ELASTICSEARCH_HEAP:-512m}"
java="${ES_JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java"
"$here/build.sh"
mkdir -p "$data"
data="$(cd "$data" && pwd)"
url="http://127.0.0.1:$port"
node_running "$url" "$data" && exit 0
log="$data/node.log"
# Native access (zstd, mlockall, rlimits, ...): the distribution ships libzstd.so and libvec.so
# in lib/platform; Maven Central has neither, so es.nativelibs.path points at a folder with the
# system libzstd and the SIMD vector library (libvec, ES-built) is switched off. Without
# libzstd the node still runs, with a warning and native methods disabled.
mkdir -p "$data/native"
for z in /usr/lib/x86_64-linux-gnu/libzstd.so.1 /usr/lib64/libzstd.so.1 /usr/lib/libzstd.so.1; do
    if [[ -e "$z" ]]; then ln -sfn "$z" "$data/native/libzstd.so"; break; fi
done
# JVM options: a subset of the distribution's jvm.options (netty, log4j, locale), plus
# native access for the classpath (Lucene's and ES's foreign-function code is unnamed here).
nohup "$java" -Xms"$heap" -Xmx"$heap" -XX:+UseSerialGC -Djava.awt.headless=true \
    -Dfile.encoding=UTF-8 -Djava.locale.providers=CLDR \
    -Dlog4j2.disable.jmx=true -Dlog4j.shutdownHookEnabled=false -Dlog4j2.formatMsgNoLookups=true \
    -Dio.netty.noUnsafe=true -Dio.netty.noKeySetOptimization=true \
    -Dio.netty.recycler.maxCapacityPerThread=0 -Dio.netty.allocator.type=unpooled \
    --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
    -Des.nativelibs.path="$data/native" -Dorg.elasticsearch.nativeaccess.enableVectorLibrary=false \
    -cp "$here/target/lib/*:$here/target/classes" dossier.ElasticsearchNode "$port" "$data" \
    >"$log" 2>&1 </dev/null &
pid=$!
echo "$pid" >"$data/node.pid"
node_wait elasticsearch "$pid" "$url" "$data"
