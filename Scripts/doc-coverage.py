#!/usr/bin/env python3
"""Lists the public symbols declared in this package's modules that have no documentation comment, from their symbol
graphs (`swift package dump-symbol-graph`; Scripts/build-docs.sh gathers them per module and runs this).

    Scripts/doc-coverage.py SYMBOL_GRAPH_DIR [--list]

A symbol counts as documented when its own declaration carries a `///` comment, or when it has none and the
symbol graph gives it the comment of the protocol requirement it implements (what DocC shows on its page).
Compiler-synthesized symbols (Equatable's `==`, Codable's `init(from:)`, ...) and extension blocks are not counted:
no source line can carry their comment. Prints one line per module (documented/public) and, with --list, every
undocumented symbol with its file and line; exits 1 when any symbol is undocumented."""
import glob
import json
import os
import sys

root = sys.argv[1]
show = "--list" in sys.argv[2:]
package_root = os.getcwd()
modules = {}
undocumented = []
for path in sorted(glob.glob(os.path.join(root, "**", "*.symbols.json"), recursive=True)):
    graph = json.load(open(path, encoding="utf-8"))
    module = graph["module"]["name"]
    seen = modules.setdefault(module, [0, 0])
    for symbol in graph["symbols"]:
        if symbol["accessLevel"] not in ("public", "open"):
            continue
        if "::SYNTHESIZED::" in symbol["identifier"]["precise"] or symbol["kind"]["identifier"] == "swift.extension":
            continue
        location = symbol.get("location", {}).get("uri", "")
        if not location.startswith("file://" + package_root + "/"):
            continue  # declared outside this package (a default implementation from another module)
        seen[1] += 1
        comment = symbol.get("docComment")
        if comment and any(line.get("text", "").strip() for line in comment.get("lines", [])):
            seen[0] += 1
        else:
            position = symbol["location"].get("position", {})
            where = "%s:%d" % (location[len("file://" + package_root + "/"):], position.get("line", 0) + 1)
            undocumented.append((module, ".".join(symbol["pathComponents"]), symbol["kind"]["identifier"], where))

total = [0, 0]
for module, (documented, public) in sorted(modules.items()):
    total[0] += documented
    total[1] += public
    print("doc-coverage: %-30s %4d/%-4d public symbols documented" % (module, documented, public))
print("doc-coverage: %-30s %4d/%-4d public symbols documented" % ("all", total[0], total[1]))
if show:
    for module, name, kind, where in undocumented:
        print("  undocumented: %s %s %s (%s)" % (module, name, kind.replace("swift.", ""), where))
sys.exit(1 if undocumented else 0)
