#!/usr/bin/env python3
"""Checks Examples/ci/ as far as a machine without a container engine can: every service the GitHub Actions workflow
and the compose file start has a health check, and every store URL in those files (and in the article that shows the
commands, Conformance/Documentation.docc/RunningTheSuiteInYourCI.md) points at 127.0.0.1 on a port the file maps, with
the credentials and database of its service.

    Scripts/verify-examples-ci.py [WORKFLOW COMPOSE ARTICLE]

Exits 0 when everything matches, 1 with one line per problem otherwise. Needs PyYAML."""
import re
import sys
from urllib.parse import urlsplit

import yaml

workflow_path, compose_path, article_path = sys.argv[1:4] if len(sys.argv) == 4 else (
    "Examples/ci/github-actions.yml", "Examples/ci/compose.yaml", "Conformance/Documentation.docc/RunningTheSuiteInYourCI.md")
problems = []
URL = re.compile(r"\b(?:postgres|postgresql|mariadb|mysql|redis|redis-cluster)://[^\s\"'`)]+")


def host_port(mapping):
    """The host port of a `ports` entry: "5432:5432", "127.0.0.1:5432:5432" or {published: …}."""
    if isinstance(mapping, dict):
        return int(mapping["published"])
    parts = str(mapping).split(":")
    return int(parts[-2])


def check_urls(where, text, services):
    """Every URL of `text` against the mapped ports and credentials of `services` ({name: (ports, env)})."""
    urls = URL.findall(text)
    if not urls:
        problems.append(f"{where}: no store URL found")
    for url in urls:
        parts = urlsplit(url)
        scheme = parts.scheme
        hosts = parts.netloc.rsplit("@", 1)[-1].split(",")
        for host in hosts:
            name, _, port = host.rpartition(":")
            if name not in ("127.0.0.1", "localhost"):
                problems.append(f"{where}: {url} points at {name}, not at a port mapped on this host")
            owners = [service for service, (ports, _) in services.items() if port.isdigit() and int(port) in ports]
            if not owners:
                problems.append(f"{where}: {url} uses port {port}, which no service maps")
                continue
            env = services[owners[0]][1]
            expected = {
                "postgres": ("POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB"),
                "postgresql": ("POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB"),
                "mariadb": ("MARIADB_USER", "MARIADB_PASSWORD", "MARIADB_DATABASE"),
                "mysql": ("MARIADB_USER", "MARIADB_PASSWORD", "MARIADB_DATABASE"),
            }.get(scheme)
            if expected:
                user, password, database = (env.get(key) for key in expected)
                if (parts.username, parts.password, parts.path.lstrip("/")) != (user, password, database):
                    problems.append(f"{where}: {url} does not use the user, password and database of service {owners[0]}")


workflow = yaml.safe_load(open(workflow_path, encoding="utf-8"))
workflow_services = {}
for job_name, job in workflow["jobs"].items():
    for name, service in (job.get("services") or {}).items():
        if "--health-cmd" not in str(service.get("options", "")):
            problems.append(f"{workflow_path}: service {name} of job {job_name} has no health check (--health-cmd)")
        workflow_services[name] = ({host_port(p) for p in service.get("ports", [])}, service.get("env", {}))
check_urls(workflow_path, open(workflow_path, encoding="utf-8").read(), workflow_services)

compose = yaml.safe_load(open(compose_path, encoding="utf-8"))
compose_services = {}
for name, service in compose["services"].items():
    if not (service.get("healthcheck") or {}).get("test"):
        problems.append(f"{compose_path}: service {name} has no health check")
    compose_services[name] = ({host_port(p) for p in service.get("ports", [])}, service.get("environment", {}))
check_urls(compose_path, open(compose_path, encoding="utf-8").read(), compose_services)

article = open(article_path, encoding="utf-8").read()
if not re.search(r"^# Running the Suite in Your CI$", article, re.M):
    problems.append(f"{article_path}: not the article '# Running the Suite in Your CI'")
else:
    check_urls(article_path, article, compose_services)

for problem in problems:
    print(problem)
print(f"verify-examples-ci: {len(workflow_services)} workflow services, {len(compose_services)} compose services, {len(problems)} problems")
sys.exit(1 if problems else 0)
