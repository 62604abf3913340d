#!/usr/bin/env bash
# Builds bench/gemm_bench.c against the built kernel library and runs it
# (one thread): GFLOP/s of bertc's SGEMM at BERT shapes vs the measured peak.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BERTC_BUILD:-$root/build}"
out="$build/bench"
mkdir -p "$out"
cc -O2 "$root/bench/gemm_bench.c" -I"$root/runtime/include" \
  "$build/lib/libbertc_cpu_kernels.a" -lm -o "$out/gemm_bench"
"$out/gemm_bench" "$@"
