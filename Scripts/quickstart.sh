#!/usr/bin/env bash
# One command from a fresh clone: install the Debian packages, build idstore, and run the conformance
# suite against the embedded default store (sqlite:identity.db in the working directory).
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/install-packages.sh
swift build --product idstore 2>&1 | tail -n 3
.build/debug/idstore migrate "$@"
.build/debug/idstore check "$@"
