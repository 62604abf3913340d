#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, and runs every
# test (GoogleTest suites and the lit suite: IR, tools, end-to-end against
# ONNX Runtime).  scripts/test.sh [build-dir]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$root/build}"
"$root/scripts/setup.sh" "$build"
ctest --test-dir "$build" --output-on-failure -j "$(nproc)"
