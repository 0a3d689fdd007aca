#!/usr/bin/env bash
# The shipped modules carry no test code: no target outside Tests/ depends on a target under Tests/ (or on a test
# target), and no file outside Tests/ imports Testing or XCTest. .ci/run fails when either is broken.
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
for line in bad:
    print("check-layout: " + line, file=sys.stderr)
sys.exit(1 if bad else 0)
' || status=1

[ "$status" -eq 0 ] && echo "check-layout: no shipped target depends on test code"
exit "$status"
