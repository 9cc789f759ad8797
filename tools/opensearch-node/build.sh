#!/usr/bin/env bash
# Build the single-node OpenSearch launcher from Maven Central artifacts (cached in ~/.m2).
# Result: target/classes (the launcher) and target/lib/*.jar (OpenSearch 2.19 + plugins).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
if [[ -f target/.built && target/.built -nt pom.xml && target/.built -nt src/main/java/dossier/OpenSearchNode.java ]]; then
    exit 0  # up to date
fi
rm -rf target/lib
mvn -B -q package -DskipTests
touch target/.built
