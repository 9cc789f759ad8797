#!/usr/bin/env bash
# Build the single-node Elasticsearch launcher from Maven Central artifacts (cached in ~/.m2).
# Result: target/classes (the launcher) and target/lib/*.jar (Elasticsearch 9.x + transport-netty4).
# Elasticsearch 9 needs Java 21+; JAVA_HOME defaults to the Temurin 25 JDK.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
export JAVA_HOME="${ES_JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
if [[ ! -x "$JAVA_HOME/bin/java" ]]; then
    echo "Elasticsearch 9 needs Java 21+: no JDK at $JAVA_HOME (set ES_JAVA_HOME)" >&2
    exit 1
fi
if [[ -f target/.built && target/.built -nt pom.xml ]] \
    && [[ -z "$(find src -newer target/.built -print -quit)" ]]; then
    exit 0  # up to date
fi
rm -rf target/lib
# Maven's bundled guava calls sun.misc.Unsafe, which Java 25 warns about on every run.
MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow" mvn -B -q package -DskipTests
touch target/.built
