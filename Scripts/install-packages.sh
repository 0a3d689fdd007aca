#!/usr/bin/env bash
# Installs the Debian packages the build and the tests need. Idempotent; run as root (or with sudo).
# --no-upgrade keeps already-installed packages (libpq, postgresql-15) at their version.
set -euo pipefail

packages=(libsqlite3-dev)

missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "install-packages: all present (${packages[*]})"
    exit 0
fi
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
echo "install-packages: installing ${missing[*]}"
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-upgrade "${missing[@]}" >/dev/null
