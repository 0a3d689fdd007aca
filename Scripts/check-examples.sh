#!/usr/bin/env bash
# What an adopter of the package sees, checked as CI runs it (.ci/run), each in a package of its own that depends on
# this one by path:
# - Examples/Consumers/AdapterOnly links one adapter: its Package.resolved holds no web framework;
# - Examples/Consumers/HummingbirdDropIn enables the `Hummingbird` trait: the drop-in builds;
# - Examples/AcmeAdapter is an outside adapter with a store of its own and its own tool: it builds, its `check` passes
#   on its own URLs, and its executable links none of the built-in backends' C client libraries.
set -euo pipefail
cd "$(dirname "$0")/.."
# One build folder for the example packages: they share every dependency but IdentityStorage's own modules, whose
# flags differ with the traits each enables.
scratch="$PWD/.build-examples"
fail() { echo "check-examples: $*" >&2; exit 1; }
build() {   # build PACKAGE [ARGUMENTS…]: the last line on success; the errors and the end of the log on failure
    local package=$1 log
    shift
    log=$(mktemp /tmp/check-examples.XXXXXX.log)
    if ! swift build --package-path "$package" --scratch-path "$scratch" "$@" >"$log" 2>&1; then
        grep -E 'error:' "$log" | head -n 50 >&2 || true
        tail -n 20 "$log" >&2
        fail "$package does not build (log: $log)"
    fi
    tail -n 1 "$log"
}
step() { echo "check-examples: $*"; }

consumer=Examples/Consumers/AdapterOnly
rm -f "$consumer/Package.resolved"
swift package --package-path "$consumer" --scratch-path "$scratch" resolve >/dev/null
resolved=$(grep -o '"identity" : "[^"]*"' "$consumer/Package.resolved" | cut -d'"' -f4 | sort)
for framework in vapor hummingbird hummingbird-auth async-http-client websocket-kit; do
    if grep -qx "$framework" <<<"$resolved"; then fail "$consumer resolves $framework, a web framework it does not use"; fi
done
step "$consumer resolves $(wc -l <<<"$resolved") packages, no web framework: $(tr '\n' ' ' <<<"$resolved")"

step "building Examples/Consumers/HummingbirdDropIn (the Hummingbird trait)"
build Examples/Consumers/HummingbirdDropIn

acme=Examples/AcmeAdapter
step "building $acme"
build "$acme" --product acme-idstore
tool="$(swift build --package-path "$acme" --scratch-path "$scratch" --show-bin-path)/acme-idstore"
if linked=$(ldd "$tool" | grep -E 'libpq|libmariadb|libhiredis|libsqlite3'); then
    fail "acme-idstore links a built-in backend's C library: $linked"
fi
step "acme-idstore links no libpq, libmariadb, libhiredis or libsqlite3"
"$tool" check --quiet --store acme:
step "acme-idstore check passed on acme:"
