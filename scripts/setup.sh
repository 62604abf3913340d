#!/usr/bin/env bash
# Installs what bertc needs (only what is missing) and builds it.
#   scripts/setup.sh [build-dir]        (default: build)
# Environment: BERTC_SKIP_INSTALL=1 skips apt-get/pip; CMAKE_ARGS adds
# configure options; BERTC_JOBS sets the build parallelism.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$root/build}"

apt_packages=(cmake ninja-build ccache g++ python3 python3-pip libgtest-dev
  libmlir-19-dev mlir-19-tools llvm-19-dev llvm-19-tools
  libonnx-dev libprotobuf-dev protobuf-compiler
  clang libclang-rt-dev)  # clang + libFuzzer: scripts/fuzz.sh
py_packages=(onnx onnxruntime numpy)

sudo_cmd=()
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null 2>&1; then sudo_cmd=(sudo); fi

if [ "${BERTC_SKIP_INSTALL:-0}" != 1 ]; then
  missing=()
  for p in "${apt_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}"
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}"
  fi
  py_missing=()
  for p in "${py_packages[@]}"; do
    python3 -c "import $p" 2>/dev/null || py_missing+=("$p")
  done
  if [ ${#py_missing[@]} -gt 0 ]; then
    echo "setup: pip installing ${py_missing[*]}"
    python3 -m pip install -q "${py_missing[@]}" ||
      python3 -m pip install -q --break-system-packages "${py_missing[@]}"
  fi
fi

cuda_flag=-DBERTC_ENABLE_CUDA=OFF
if [ -x /usr/local/cuda/bin/nvcc ] || command -v nvcc >/dev/null 2>&1; then
  cuda_flag=-DBERTC_ENABLE_CUDA=ON
fi
if [ ! -f "$build/build.ninja" ]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release "$cuda_flag" \
    -DPython3_EXECUTABLE="$(command -v python3)" ${CMAKE_ARGS:-}
fi
ninja -C "$build" ${BERTC_JOBS:+-j "$BERTC_JOBS"}
