#!/usr/bin/env bash
# The README's main job: installs what is missing, builds, compiles the
# bundled default model (examples/bert-tiny.onnx, a BERT-style export) into
# model.so, runs it with bertc-run at two shapes (batch 2 x seq 16, batch 1 x
# seq 37, with padding in the attention mask) and compares every output with
# ONNX Runtime.  scripts/demo.sh [model.onnx]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$root/build"
model="${1:-$root/examples/bert-tiny.onnx}"
"$root/scripts/setup.sh" "$build"
work="$build/demo"
mkdir -p "$work"
python3 "$root/test/e2e/compare_ort.py" --bertc "$build/bin/bertc" \
  --bertc-run "$build/bin/bertc-run" --model "$model" --workdir "$work" \
  --shapes 2x16,1x37
echo "demo: model.so is $work/model.so"
