#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, and runs every
# test (GoogleTest suites and the lit suite: IR, tools, end-to-end against
# ONNX Runtime), then the sanitizer runs (scripts/sanitize.sh: ASan+UBSan
# and TSan builds of bertc's own code in <build>-asan and <build>-tsan) and
# 60 s of fuzzing (scripts/fuzz.sh, when clang with libFuzzer is installed;
# <build>-fuzz).  scripts/test.sh [build-dir]
# Environment: BERTC_SKIP_SANITIZERS=1 and BERTC_SKIP_FUZZ=1 skip those.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$root/build}"
"$root/scripts/setup.sh" "$build"
ctest --test-dir "$build" --output-on-failure -j "$(nproc)"
status=0
if [ "${BERTC_SKIP_SANITIZERS:-0}" != 1 ]; then
  "$root/scripts/sanitize.sh" "$build" || status=1
fi
if [ "${BERTC_SKIP_FUZZ:-0}" != 1 ]; then
  "$root/scripts/fuzz.sh" "${build%/}-fuzz" || status=1
fi
exit $status
