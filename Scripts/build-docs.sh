#!/usr/bin/env bash
# Builds the documentation with every DocC warning treated as an error, and fails when a public symbol of a shipped
# module has no doc comment. Run it after `swift build` (or the tests): it reuses that debug build.
#
#   Scripts/build-docs.sh            the catalogues through swift-docc-plugin, every other shipped module through
#                                    docc on its symbol graph, then the coverage check (Scripts/doc-coverage.py)
#   Scripts/build-docs.sh --list     the same, listing every undocumented symbol with its file and line
#
# The archives land in .build/plugins/Swift-DocC/outputs (the catalogues) and .build/docs (the other modules).
set -euo pipefail
cd "$(dirname "$0")/.."

# The targets with a catalogue (Documentation.docc): the plugin builds them, articles included.
catalogued=(IdentityStorage IdentityStorageConformance)
# Every other shipped library whose public API is documented in its doc comments.
others=(IdentityStorageMemory IdentityStorageSQLite IdentityStoragePostgres IdentityStorageMariaDB IdentityStorageRedis
        IdentityStorageFile IdentityStorageKeys IdentityStorageOpener IdentityStorageTool IdentityStorageHummingbird
        IdentityStorageVapor IdentityStorageConfigReader)
# A target another change gives a catalogue joins the plugin's list, wherever it lives.
for target in IdentityStorageSQL IdentityStorageBlockingPool; do
    if [ -d "Sources/$target/Documentation.docc" ]; then catalogued+=("$target"); fi
done

# Every trait on, as the test command builds (`swift test --traits Hummingbird,Vapor,ExampleServer`): the same build configuration, so
# dump-symbol-graph compiles nothing again (without the flag it recompiled Hummingbird, here with SwiftPM 6.3). The
# plugin goes after it: any plugin run leaves SwiftPM's next full build recompiling Hummingbird, which costs nothing
# when this script is the last step.
traits=(--traits Hummingbird,Vapor,ExampleServer)

start=$SECONDS
log=$(mktemp /tmp/build-docs.XXXXXX.log)
status=0

# Every module's symbol graph from the build already made, for the coverage check and for docc on the modules
# without a catalogue.
graphs=.build/symbol-graphs
rm -rf "$graphs" .build/docs
swift package "${traits[@]}" dump-symbol-graph --minimum-access-level public >"$log.graphs" 2>&1 || {
    echo "build-docs: dump-symbol-graph failed (see $log.graphs)"; exit 1; }
extracted=$(sed -n 's/^Files written to //p' "$log.graphs" | tail -n 1)
mkdir -p .build/docs
for module in "${catalogued[@]}" "${others[@]}"; do
    mkdir -p "$graphs/$module"
    if [ ! -f "$extracted/$module.symbols.json" ]; then
        echo "build-docs: no symbol graph for $module (was it built? a target behind a package trait needs the trait on)"
        status=1
        continue
    fi
    cp "$extracted/$module.symbols.json" "$graphs/$module/"
    cp "$extracted/$module"@*.symbols.json "$graphs/$module/" 2>/dev/null || true  # extensions of other modules' types
done
echo "build-docs: symbol graphs ($((SECONDS - start)) s)"

# The catalogues, articles included, through swift-docc-plugin.
plugin_targets=()
for target in "${catalogued[@]}"; do plugin_targets+=(--target "$target"); done
if ! swift package "${traits[@]}" --disable-sandbox generate-documentation "${plugin_targets[@]}" --warnings-as-errors >"$log" 2>&1; then
    status=1
fi
# DocC's diagnostics (with their source excerpts), not SwiftPM's notes about other packages' files.
grep -E -A12 '^(error|warning): ' "$log" | grep -v -E "unhandled; explicitly declare|CMakeLists.txt" || true
grep -E '^Finished building documentation' "$log" | sort -u || true
echo "build-docs: plugin ($((SECONDS - start)) s, log: $log)"

for module in "${others[@]}"; do
    [ -f "$graphs/$module/$module.symbols.json" ] || continue
    if ! docc convert --additional-symbol-graph-dir "$graphs/$module" --fallback-display-name "$module" \
            --fallback-bundle-identifier "$module" --output-path ".build/docs/$module.doccarchive" --warnings-as-errors \
            >"$log.$module" 2>&1; then
        grep -E -A12 '^(error|warning): ' "$log.$module" || cat "$log.$module"
        echo "build-docs: $module: docc found problems"
        status=1
    fi
done
echo "build-docs: docc on ${#others[@]} more modules ($((SECONDS - start)) s)"

if ! python3 Scripts/doc-coverage.py "$graphs" "$@"; then
    echo "build-docs: a public symbol has no doc comment (Scripts/build-docs.sh --list names each)"
    status=1
fi
echo "build-docs: $([ "$status" = 0 ] && echo ok || echo FAILED) in $((SECONDS - start)) s"
exit "$status"
