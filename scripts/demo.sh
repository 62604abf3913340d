#!/usr/bin/env bash
# The README's main job: installs what is missing, builds, compiles the
# bundled default model (examples/bert-tiny.onnx, a BERT export pattern) into
# a model.so, runs that one library with bertc-run at two shapes (batch 2 x
# seq 16 and batch 1 x seq 37, with padding in the attention mask) and
# compares every output with ONNX Runtime (relative L2 error <= 1e-4).
#   scripts/demo.sh [model.onnx]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$root/build"
model="${1:-$root/examples/bert-tiny.onnx}"
"$root/scripts/setup.sh" "$build"
work="$build/demo"
rm -rf "$work" && mkdir -p "$work"
python3 "$root/test/e2e/compare_ort.py" "$model" --bertc "$build/bin/bertc" \
  --bertc-run "$build/bin/bertc-run" --workdir "$work" --shape 2x16 --shape 1x37
lib="$work/$(basename "${model%.onnx}").so"
"$build/bin/bertc-run" "$lib" --print-signature
echo "demo: compiled library: $lib"
