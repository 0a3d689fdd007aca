#!/usr/bin/env bash
# The public API against the baseline commit recorded in .api-baseline, with SwiftPM's own checker
# (`swift package diagnose-api-breaking-changes`), on the library products outside code compiles against. A breaking
# change fails unless its exact line is in .api-breakage-allowlist, which CHANGELOG.md's Unreleased section explains
# (see Sources/IdentityStorage/Documentation.docc/VersioningAndStability.md).
#
#   Scripts/check-api.sh                   every product below
#   Scripts/check-api.sh IdentityStorage   only these products
#
# Cost: the current package is built in .build (a no-op after `swift build`); the baseline is checked out and built
# once in a scratch path of its own, and its API files are kept in $IDSTORE_API_BASELINE_DIR (default
# .build/api-baseline; SwiftPM keeps them in <dir>/<commit>/), so later runs on the same baseline build nothing more; CI
# may cache that directory.
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { echo "check-api: $*" >&2; exit 2; }

[[ -f .api-baseline ]] || fail ".api-baseline is missing: it holds the commit the API is compared against"
baseline=$(grep -v '^[[:space:]]*#' .api-baseline | tr -d '[:space:]')
[[ "$baseline" =~ ^[0-9a-f]{7,40}$ ]] || fail ".api-baseline holds no commit id (found '$baseline')"

if ! git cat-file -e "$baseline^{commit}" 2>/dev/null; then
    if [[ "$(git rev-parse --is-shallow-repository 2>/dev/null)" == true ]]; then
        fail "the API baseline $baseline is not in this shallow clone's history; fetch it first:" \
             "'git fetch --unshallow' (or 'git fetch --depth=1 origin $baseline'), or clone with full history (actions/checkout: fetch-depth: 0)"
    fi
    fail "the API baseline $baseline (.api-baseline) is not a commit of this repository"
fi
baseline=$(git rev-parse "$baseline^{commit}")

if (($# > 0)); then
    products=("$@")
else
    # What adapters and servers compile against. The framework drop-ins and executables are left out: their API is
    # the frameworks' protocols, and an executable has none.
    products=(IdentityStorage IdentityStorageConformance IdentityStorageTool IdentityStorageOpener IdentityStorageKeys
              IdentityStorageMemory IdentityStorageSQLite IdentityStoragePostgres IdentityStorageMariaDB IdentityStorageRedis
              IdentityStorageFile)
fi

# SwiftPM keeps the baseline's API files in <dir>/<commit>/ and reuses them when they are there.
# The baseline's API digests are committed (.api-baseline-digests/<commit>/, 4 MB): without them SwiftPM builds the whole
# baseline package first, which costs a clean CI run up to 25 minutes. Moving .api-baseline writes the new commit's
# digests there on the first run; commit them with it (made by the Swift of .ci/run, 6.3.1).
baseline_dir=${IDSTORE_API_BASELINE_DIR:-.api-baseline-digests}
mkdir -p "$baseline_dir"
allowlist=.api-breakage-allowlist
[[ -f "$allowlist" ]] || fail "$allowlist is missing (an empty file accepts no breaking change)"

started=$(date +%s)
log=$(mktemp /tmp/check-api.XXXXXX.log)
# The checker takes the accepted lines alone (a comment line makes it accept nothing), by absolute path.
accepted=$(mktemp /tmp/check-api-accepted.XXXXXX)
trap 'rm -f "$accepted"' EXIT
grep -E '^API breakage: ' "$allowlist" >"$accepted" || true
set +e
swift package diagnose-api-breaking-changes "$baseline" --products "${products[@]}" \
    --baseline-dir "$baseline_dir" --breakage-allowlist-path "$accepted" >"$log" 2>&1
status=$?
set -e
# The baseline's checkout and build (over a gigabyte) are never reused: SwiftPM checks out again when it needs them.
rm -rf .build/*/apidiff/"$baseline"-checkout
# The checker's verdict per module, each breaking change and any error; the builds' lines stay in the log.
grep -E 'breaking change|API breakage|error:' "$log" || true
echo "check-api: ${products[*]} against $baseline: exit $status in $(( $(date +%s) - started )) s (full log: $log)"
if ((status != 0)) && grep -q 'API breakage' "$log"; then
    echo "check-api: a breaking change. If it is meant, copy its 'API breakage: …' line to $allowlist and say why under" \
         "'### Breaking' in CHANGELOG.md's Unreleased section; otherwise keep the old API beside the new (VersioningAndStability.md)." >&2
fi
exit "$status"
