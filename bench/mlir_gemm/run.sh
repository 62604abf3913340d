#!/usr/bin/env bash
# MLIR upstream tiling + vectorization vs bertc's hand-written AVX-512 GEMM
# micro-kernel, fp32, single thread, BERT shapes. See README.md.
#
#   bench/mlir_gemm/run.sh                      # default shapes and variants
#   SHAPES=128x768x768,1024x768x768 bench/mlir_gemm/run.sh
#   VARIANTS=naive,tile:8x32:768:256 KEEP=/tmp/mlir_gemm bench/mlir_gemm/run.sh
#
# Needs LLVM/MLIR 19 (LLVM_DIR, default /usr/lib/llvm-19) and build/bin/gemm_bench.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
SHAPES="${SHAPES:-128x768x768,128x3072x768,128x768x3072}"
VARIANTS="${VARIANTS:-naive,tile:8x32:768:256,tile:4x64:768:256,tile:12x32:768:256,tile:12x32x4:768:256,tile:6x64x4:768:256}"
KEEP="${KEEP:-$(mktemp -d /tmp/mlir_gemm.XXXXXX)}"
GEMM_BENCH="${GEMM_BENCH:-$root/build/bin/gemm_bench}"

echo "## $(date -u +%Y-%m-%dT%H:%MZ), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), 1 thread"
echo
echo "### MLIR-generated (mlir-opt transform interpreter -> LLVM, mlir-cpu-runner -O3)"
python3 "$here/bench.py" --keep "$KEEP" --shapes "$SHAPES" --variants "$VARIANTS"

# bertc's micro-kernel on the same shapes, same run: B pre-packed (as bertc runs
# BERT's linears: weights packed at compile time) and B row-major (packed per call)
args=$(echo "$SHAPES" | tr ',x' '  ')
echo
echo "### bertc gemm_bench --threads 1 --packed (B packed at compile time)"
"$GEMM_BENCH" --threads 1 --packed $args
echo
echo "### bertc gemm_bench --threads 1 (B row-major, as the MLIR kernels get it)"
"$GEMM_BENCH" --threads 1 $args | grep -E '^\| custom'
