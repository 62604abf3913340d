#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, and runs every
# test (GoogleTest suites and the lit suite: IR, tools, end-to-end against
# ONNX Runtime), then 60 s of fuzzing (scripts/fuzz.sh, when clang with
# libFuzzer is installed; <build>-fuzz).  scripts/test.sh [build-dir]
# Environment: BERTC_SKIP_FUZZ=1 skips the fuzzing.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$root/build}"
"$root/scripts/setup.sh" "$build"
ctest --test-dir "$build" --output-on-failure -j "$(nproc)"
if [ "${BERTC_SKIP_FUZZ:-0}" != 1 ]; then
  "$root/scripts/fuzz.sh" "${build%/}-fuzz"
fi
