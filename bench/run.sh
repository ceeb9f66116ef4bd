#!/usr/bin/env bash
# Benchmarks fc in one run; writes bench/results.md (or bench/candidates.md).
#   bench/run.sh               fc glibc, fc packaged (fc-local package's default), raw
#                              axum, raw hyper: callgrind instructions and wrk load at
#                              1, 16 and 200 connections
#   bench/run.sh --candidates  the ways to build the deployed artifact, each built clean
#   bench/run.sh --grpc        a gRPC unary call through fc against tonic's own server:
#                              callgrind instructions per call, calls/s over one h2c
#                              connection at 1, 16 and 200 streams, with tonic's client
#                              and with nghttp2's h2load, and the same loads against fc
#                              as `fc-local package` builds it (bench/grpc.md)
# BENCH_DURATION=3s, BENCH_ROUNDS=5, BENCH_COLD_STARTS=20 by default (--grpc:
# BENCH_GRPC_DURATION=3s, BENCH_GRPC_ROUNDS=7);
# BENCH_REUSE_BUILDS=1 measures again the binaries of the last --candidates run.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
command -v wrk >/dev/null || need+=(wrk)
command -v valgrind >/dev/null || need+=(valgrind)
command -v musl-gcc >/dev/null || need+=(musl-tools)
command -v make >/dev/null || need+=(make)
if [ "${1:-}" = --grpc ]; then command -v h2load >/dev/null || need+=(nghttp2-client); fi
if [ ${#need[@]} -gt 0 ]; then
  echo "bench: installing ${need[*]}" >&2
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null
  else sudo apt-get update -qq && sudo apt-get install -y -qq "${need[@]}" >/dev/null; fi
fi
if [ "${1:-}" = --candidates ] && ! command -v cargo-zigbuild >/dev/null; then
  echo "bench: installing ziglang and cargo-zigbuild (PyPI)" >&2
  python3 -m pip install --quiet ziglang cargo-zigbuild
fi
# A session of its own: run.py raises that session's CPU priority (as root).
exec setsid --wait python3 bench/run.py "$@"
