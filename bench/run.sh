#!/usr/bin/env bash
# Benchmarks fc against raw axum and raw hyper in one run; writes bench/results.md.
# Usage: bench/run.sh   (BENCH_DURATION=10s and BENCH_COLD_STARTS=20 by default)
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v wrk >/dev/null; then
  echo "bench: installing wrk" >&2
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq wrk >/dev/null
  else sudo apt-get update -qq && sudo apt-get install -y -qq wrk >/dev/null; fi
fi
exec python3 bench/run.py
