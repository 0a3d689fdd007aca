#!/usr/bin/env bash
# The shipped modules carry no test code: no target outside Tests/ depends on a target under Tests/ (or on a test
# target), and no file outside Tests/ imports Testing or XCTest; no product but the framework drop-ins links a web
# framework, and every use of one is behind a package trait (so an adapter's user never resolves it);
# IdentityStorageKeys and the tool library reach no backend; the SQL kit declares no `package` symbol and no shipped
# file imports it @testable. .ci/run fails when any is broken.
set -euo pipefail
cd "$(dirname "$0")/.."

status=0
if offenders=$(grep -rlE '^\s*(@testable\s+)?import\s+(Testing|XCTest)\b' --include='*.swift' . --exclude-dir=Tests --exclude-dir='.build*'); then
    echo "check-layout: shipped code imports a test framework:" >&2
    echo "$offenders" | sed 's/^/  /' >&2
    status=1
fi

swift package dump-package 2>/dev/null | python3 -c '
import json, sys
package = json.load(sys.stdin)
def path(target):
    if target.get("path"):
        return target["path"]
    return ("Tests/" if target["type"] == "test" else "Sources/") + target["name"]
def under_tests(target):
    return target["type"] == "test" or path(target).startswith("Tests/")
targets = {target["name"]: target for target in package["targets"]}
bad = []
for target in package["targets"]:
    if under_tests(target):
        continue
    for dependency in target.get("dependencies", []):
        for kind in ("byName", "target"):
            if kind in dependency:
                name = dependency[kind][0]
                if name in targets and under_tests(targets[name]):
                    bad.append("%s (%s) depends on %s (%s)" % (target["name"], path(target), name, path(targets[name])))
# A user of an adapter or of idstore never compiles a web framework: only the drop-ins and the example reach one.
# Of swift-nio, the pool takes only NIOConcurrencyHelpers (a pthread lock and nothing else).
frameworks = {"hummingbird", "hummingbird-auth", "vapor", "swift-nio"}
light = {("swift-nio", "NIOConcurrencyHelpers")}
drop_ins = {"IdentityStorageHummingbird", "IdentityStorageVapor", "AuthorizationServerExample", "authorization-server"}
def packages_reached(name, seen):
    if name in seen or name not in targets:
        return set()
    seen.add(name)
    reached = set()
    for dependency in targets[name].get("dependencies", []):
        if "product" in dependency and (dependency["product"][1], dependency["product"][0]) not in light:
            reached.add(dependency["product"][1])
        for kind in ("byName", "target"):
            if kind in dependency:
                reached |= packages_reached(dependency[kind][0], seen)
    return reached
for product in package["products"]:
    for name in product["targets"]:
        if name not in drop_ins:
            linked = packages_reached(name, set()) & frameworks
            if linked:
                bad.append("product %s links %s through %s" % (product["name"], ", ".join(sorted(linked)), name))
# A web framework is resolved only when its trait is on: every target that names one (tests included) does so
# under a trait condition.
for target in package["targets"]:
    for dependency in target.get("dependencies", []):
        if "product" in dependency and dependency["product"][1] in {"hummingbird", "hummingbird-auth", "vapor"}:
            condition = dependency["product"][3] or {}
            if not condition.get("traits"):
                bad.append("%s names %s without a trait condition" % (target["name"], dependency["product"][0]))
# Key management and the tool library work over any deployment: they reach the core, never a backend (the tool of an
# outside adapter links neither libpq, libmariadb, hiredis nor SQLite).
backends = {"IdentityStorageMemory", "IdentityStorageSQLite", "IdentityStoragePostgres", "IdentityStorageMariaDB", "IdentityStorageRedis",
            "IdentityStorageFile", "IdentityStorageSQL", "IdentityStorageBlockingPool", "IdentityStorageOpener"}
def targets_reached(name, seen):
    if name in seen or name not in targets:
        return set()
    seen.add(name)
    reached = {name}
    for dependency in targets[name].get("dependencies", []):
        for kind in ("byName", "target"):
            if kind in dependency:
                reached |= targets_reached(dependency[kind][0], seen)
    return reached
for library in ("IdentityStorageKeys", "IdentityStorageTool"):
    for name in sorted(targets_reached(library, set()) & backends):
        bad.append("%s depends on the backend target %s" % (library, name))
for line in bad:
    print("check-layout: " + line, file=sys.stderr)
sys.exit(1 if bad else 0)
' || status=1

# The SQL kit (_IdentityStorageSQLKit) declares no `package` symbol, so the built-in SQL adapters reach it through its
# public API only, exactly as an adapter outside the package does; and only tests may see its internals (@testable).
if ! python3 - Sources/IdentityStorageSQL Sources/IdentityStorageBlockingPool <<'PY'
import pathlib, re, sys
# Comments and string literals (multi-line, raw `#"…"#` and interpolated ones) are blanked first, so the word in prose
# or in SQL text is never taken for the access modifier.
token = re.compile(r'//[^\n]*|/\*.*?\*/|(#*)"""(?:\\.|.)*?"""\1|(#*)"(?:\\.|[^"\\\n])*"\2', re.S)
declaration = re.compile(r'\bpackage(\s*\(set\))?\s+(?=(import|func|var|let|struct|enum|class|protocol|actor|init|deinit|subscript|typealias|'
                         r'extension|static|final|mutating|nonmutating|convenience|override|required|lazy|weak|unowned|'
                         r'nonisolated|indirect|dynamic|@)\b|@)')
found = []
for root in sys.argv[1:]:
    for path in sorted(pathlib.Path(root).rglob("*.swift")):
        text = path.read_text()
        code = token.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)
        for match in declaration.finditer(code):
            line = code.count("\n", 0, match.start()) + 1
            found.append("%s:%d: %s" % (path, line, text.splitlines()[line - 1].strip()))
for line in found:
    print("check-layout: `package` in the SQL kit (make it public, or internal): " + line, file=sys.stderr)
sys.exit(1 if found else 0)
PY
then
    status=1
fi
if offenders=$(grep -rlE '@testable\s+import\s+(IdentityStorageSQL|IdentityStorageBlockingPool)\b' --include='*.swift' . --exclude-dir=Tests --exclude-dir='.build*'); then
    echo "check-layout: shipped code sees the SQL kit's internals (@testable import outside Tests/):" >&2
    echo "$offenders" | sed 's/^/  /' >&2
    status=1
fi

[ "$status" -eq 0 ] && echo "check-layout: no shipped target depends on test code; only the framework drop-ins link a framework, behind traits; the tool library names no backend; the SQL kit declares no package symbol"
exit "$status"
