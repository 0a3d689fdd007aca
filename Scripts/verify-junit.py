#!/usr/bin/env python3
"""Reads an `idstore check --junit` report back with two real JUnit consumers (junitparser, and junit2html, whose
parser CI dashboards resemble) and compares what each sees with the `--json` lines of the same run.

    Scripts/verify-junit.py REPORT.xml RUN.jsonl

Exits 0 when every case is there exactly once with its result (and its failure or skip message), 1 otherwise.
Needs `pip install junitparser junit2html` (Scripts/install-packages.sh installs them)."""
import json
import sys

import junitparser
from junit2htmlreport import parser as junit2html

report, lines = sys.argv[1], sys.argv[2]
expected = {}
for line in open(lines, encoding="utf-8"):
    entry = json.loads(line)
    if "case" in entry:
        expected[entry["case"]] = entry
problems = []


def compare(tool, name, result, message):
    entry = expected.get(name)
    if entry is None:
        problems.append(f"{tool}: unexpected case {name}")
        return
    if result != entry["result"]:
        problems.append(f"{tool}: {name} is {result}, the run says {entry['result']}")
    if result != "passed" and (message or "").strip() != entry.get("message", "").split("\n")[0].strip():
        problems.append(f"{tool}: {name} has message {message!r}, the run says {entry.get('message')!r}")


seen = []
for suite in junitparser.JUnitXml.fromfile(report):
    for case in suite:
        seen.append(case.name)
        results = case.result
        if not results:
            compare("junitparser", case.name, "passed", None)
        elif isinstance(results[0], junitparser.Failure):
            compare("junitparser", case.name, "failed", results[0].message)
        elif isinstance(results[0], junitparser.Skipped):
            compare("junitparser", case.name, "skipped", results[0].message)
        else:
            problems.append(f"junitparser: {case.name} has result {results[0]!r}")
        if case.classname != case.name.split(".")[0] or suite.name != case.classname:
            problems.append(f"junitparser: {case.name} is in {suite.name}/{case.classname}")
if sorted(seen) != sorted(expected):
    problems.append(f"junitparser saw {len(seen)} cases ({len(set(seen))} distinct), the run had {len(expected)}")

seen = []
for suite in junit2html.Junit(report).suites:
    for case in suite.all():
        seen.append(case.name)
        outcome = case.outcome()
        result = {"passed": "passed", "failed": "failed", "skipped": "skipped"}.get(outcome, outcome)
        message = case.failure_msg if result == "failed" else case.skipped_msg if result == "skipped" else None
        compare("junit2html", case.name, result, message)
if sorted(seen) != sorted(expected):
    problems.append(f"junit2html saw {len(seen)} cases, the run had {len(expected)}")

for problem in problems[:20]:
    print(problem)
print(f"verify-junit: {len(expected)} cases, {len(problems)} problems")
sys.exit(1 if problems else 0)
