#!/usr/bin/env bash
# Build the SeaweedFS server binary (`weed`, Apache-2.0) from its Go module, once, into a cache
# outside the clone (CI keeps ~/.cache between runs), and print its path.
#
# The module carries `replace` directives, so `go install module@version` refuses it: the
# module is downloaded through the Go module proxy and built inside its own tree.
# DOSSIER_CACHE (default ~/.cache/dossier) is where the binary lives; WEED names a binary to use
# instead (one you built or installed).
set -euo pipefail
VERSION=v0.0.0-20261109003541-7506e5f91cd6
MODULE=github.com/seaweedfs/seaweedfs
if [[ -n "${WEED:-}" ]]; then
    [[ -x "$WEED" ]] || { echo "WEED=$WEED is not executable" >&2; exit 1; }
    echo "$WEED"; exit 0
fi
cache="${DOSSIER_CACHE:-$HOME/.cache/dossier}/seaweedfs-$VERSION"
bin="$cache/weed"
if [[ -x "$bin" ]]; then echo "$bin"; exit 0; fi
command -v go >/dev/null || { echo "SeaweedFS is built with Go (none on PATH): install Go 1.24+ or set WEED" >&2; exit 1; }
mkdir -p "$cache"
echo "s3-node: building SeaweedFS $VERSION (Go module proxy; several minutes the first time)" >&2
dir=$(go mod download -json "$MODULE@$VERSION" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')
src="$cache/src"
rm -rf "$src"
cp -r "$dir" "$src"
chmod -R u+w "$src"
(cd "$src" && nice go build -trimpath -o "$bin.tmp" ./weed) >&2
mv "$bin.tmp" "$bin"
rm -rf "$src"
echo "$bin"
