#!/usr/bin/env bash
# What an adopter of the package sees, checked as CI runs it (.ci/run), each in a package of its own that depends on
# this one by path:
# - Examples/Consumers/AdapterOnly links one adapter: its Package.resolved holds no web framework;
# - Examples/Consumers/HummingbirdDropIn enables the `Hummingbird` trait: the drop-in builds;
# - Examples/AcmeAdapter is an outside adapter with a store of its own and its own tool: it builds, its `check` passes
#   on its own URLs, and its executable links none of the built-in backends' C client libraries.
set -euo pipefail
cd "$(dirname "$0")/.."
fail() { echo "check-examples: $*" >&2; exit 1; }
step() { echo "check-examples: $*"; }

consumer=Examples/Consumers/AdapterOnly
rm -f "$consumer/Package.resolved"
swift package --package-path "$consumer" resolve >/dev/null
resolved=$(grep -o '"identity" : "[^"]*"' "$consumer/Package.resolved" | cut -d'"' -f4 | sort)
for framework in vapor hummingbird hummingbird-auth async-http-client websocket-kit; do
    if grep -qx "$framework" <<<"$resolved"; then fail "$consumer resolves $framework, a web framework it does not use"; fi
done
step "$consumer resolves $(wc -l <<<"$resolved") packages, no web framework: $(tr '\n' ' ' <<<"$resolved")"

step "building Examples/Consumers/HummingbirdDropIn (the Hummingbird trait)"
swift build --package-path Examples/Consumers/HummingbirdDropIn 2>&1 | tail -n 1

acme=Examples/AcmeAdapter
step "building $acme"
swift build --package-path "$acme" --product acme-idstore 2>&1 | tail -n 1
tool="$(swift build --package-path "$acme" --show-bin-path)/acme-idstore"
if linked=$(ldd "$tool" | grep -E 'libpq|libmariadb|libhiredis|libsqlite3'); then
    fail "acme-idstore links a built-in backend's C library: $linked"
fi
step "acme-idstore links no libpq, libmariadb, libhiredis or libsqlite3"
"$tool" check --quiet --store acme:
step "acme-idstore check passed on acme:"
