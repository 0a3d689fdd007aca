#!/usr/bin/env bash
# Prints this machine's thread wake-up cost (Benchmarks/wakeup/wakeup-cost.c): quote it beside bench figures.
set -euo pipefail
cd "$(dirname "$0")/.."
binary=$(mktemp /tmp/wakeup-cost.XXXXXX)
trap 'rm -f "$binary"' EXIT
cc -O2 -pthread -o "$binary" Benchmarks/wakeup/wakeup-cost.c
"$binary"
