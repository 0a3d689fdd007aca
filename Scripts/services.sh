#!/usr/bin/env bash
# Starts or stops the throwaway database servers the tests use, on loopback, with data under
# $IDSTORE_SERVICES_DIR (default /tmp/identitystorage-services). Run as root (CI) or a user who may
# run the servers. Each server's recipe is in Scripts/services/<name>.sh.
#
#   Scripts/services.sh start [postgres|mariadb|redis|redis-cluster ...]   (default: all)
#   Scripts/services.sh stop  [...]
#   Scripts/services.sh env                                                 print the test URLs
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
export IDSTORE_SERVICES_DIR="${IDSTORE_SERVICES_DIR:-/tmp/identitystorage-services}"
mkdir -p "$IDSTORE_SERVICES_DIR"

all=()
for recipe in "$here"/services/*.sh; do
    # shellcheck source=/dev/null
    source "$recipe"
    all+=("$(basename "$recipe" .sh)")
done

action="${1:-}"
shift || true
names=("$@")
[ ${#names[@]} -gt 0 ] || names=("${all[@]}")

case "$action" in
    start)
        for name in "${names[@]}"; do
            echo "services: starting $name"
            "start_${name//-/_}"
        done
        ;;
    stop)
        for name in "${names[@]}"; do
            echo "services: stopping $name"
            "stop_${name//-/_}" || true
        done
        ;;
    env)
        for name in "${names[@]}"; do "env_${name//-/_}"; done
        ;;
    *)
        echo "usage: $0 start|stop|env [${all[*]}]" >&2
        exit 2
        ;;
esac
