#!/usr/bin/env bash
# Installs the Debian packages the build and the tests need: the C client libraries of every adapter,
# the servers the tests start and their clients (sqlite3, psql, mariadb apply `idstore migrate --print-sql`),
# and python3 for Scripts/check-layout.sh; then, from PyPI, the JUnit readers
# Scripts/verify-junit.py checks `idstore check --junit` with, PyYAML for Scripts/verify-examples-ci.py, and the
# OAuth client library (authlib, with requests) Scripts/oauth-client-flows.py drives the example server with.
# Idempotent; run as root (or with sudo).
# About 20 s on a fresh machine.
# --no-upgrade keeps already-installed packages (libpq, postgresql-15) at their version.
# apt does not start the servers (no init here); Scripts/services.sh does.
set -euo pipefail

packages=(libsqlite3-dev sqlite3 libpq-dev libmariadb-dev libhiredis-dev postgresql mariadb-server redis-server pkg-config python3)

missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
if [ ${#missing[@]} -eq 0 ]; then
    echo "install-packages: all present (${packages[*]})"
else
    echo "install-packages: installing ${missing[*]}"
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-upgrade "${missing[@]}" >/dev/null
fi

python_packages=(junitparser==5.0.3 junit2html==31.1.4 PyYAML==6.0.3 authlib==1.9.10 requests==2.34.2)
if python3 -c "import junitparser, junit2htmlreport, yaml, authlib, requests" 2>/dev/null; then
    echo "install-packages: ${python_packages[*]} present"
else
    echo "install-packages: installing ${python_packages[*]} from PyPI"
    python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore "${python_packages[@]}" 2>/dev/null \
        || python3 -m pip install --quiet --disable-pip-version-check "${python_packages[@]}"
fi
