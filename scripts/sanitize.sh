#!/usr/bin/env bash
# The sanitizer runs of the test command: bertc's own code (importer,
# runtime, CPU kernels, tools) built with sanitizers in build folders of
# their own, and the tests that exercise it:
#   ASan+UBSan (build-asan): the GoogleTest suites and the lit tests of bad
#     input and misuse (test/Import, test/tools, the e2e error tests, external
#     data, the C example, concurrent runs), LeakSanitizer included;
#   TSan (runtime only): the GoogleTest suites (thread pool,
#     concurrent runs on fake models, multi-threaded kernels) and
#     concurrent_run on bert-tiny compiled by the main build's bertc against
#     the TSan kernel library.
#   scripts/sanitize.sh [main-build-dir]     (default: build)
# Environment: BERTC_SANITIZERS="asan tsan" picks runs; BERTC_JOBS the build
# parallelism. A cold ASan build compiles the compiler once more (about
# 13 min on 2 cores, mostly the uninstrumented passes; ccache makes later
# ones quick); the tests then take about 40 s, the TSan run under a minute.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
main="${1:-$root/build}"
runs="${BERTC_SANITIZERS:-asan tsan}"
jobs=(${BERTC_JOBS:+-j "$BERTC_JOBS"})
lit="$(ls /usr/lib/llvm-19/build/utils/lit/lit.py 2>/dev/null || command -v lit)"
status=0

configure() { # dir sanitizers extra-cmake-args...
  local dir="$1" san="$2"
  shift 2
  if [ ! -f "$dir/build.ninja" ]; then
    cmake -S "$root" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DBERTC_SANITIZE="$san" -DBERTC_ENABLE_CUDA=OFF \
      -DPython3_EXECUTABLE="$(command -v python3)" "$@" >/dev/null
  fi
}

if [[ " $runs " == *" asan "* ]]; then
  dir="${main%/}-asan"
  start=$SECONDS
  configure "$dir" address,undefined
  ninja -C "$dir" "${jobs[@]}" >/dev/null
  export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:allocator_may_return_null=1:detect_stack_use_after_return=0"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
  echo "sanitize: asan+ubsan build ready ($((SECONDS - start)) s)"
  ctest --test-dir "$dir" --output-on-failure -E '^lit(/|$)' -j "$(nproc)" >"$dir/ctest.log" 2>&1 &&
    echo "sanitize: asan+ubsan: unit tests passed ($(grep -o '[0-9]*% tests passed.*' "$dir/ctest.log" || true))" || {
      tail -60 "$dir/ctest.log"; echo "sanitize: asan+ubsan: unit tests FAILED ($dir/ctest.log)"; status=1; }
  filter='Import/|tools/|e2e/(concurrent-runs|external-data|c-example|.*-error)\.test'
  python3 "$lit" -sv "$dir/test" --filter "$filter" >"$dir/lit.log" 2>&1 &&
    echo "sanitize: asan+ubsan: lit subset passed ($(grep -o 'Passed *: *[0-9]*' "$dir/lit.log" | tr -s ' '))" || {
      grep -A40 '^FAIL\|\*\*\*\* TEST' "$dir/lit.log" | tail -80
      echo "sanitize: asan+ubsan: lit subset FAILED ($dir/lit.log)"; status=1; }
  echo "sanitize: asan+ubsan done in $((SECONDS - start)) s"
  unset ASAN_OPTIONS UBSAN_OPTIONS
fi

if [[ " $runs " == *" tsan "* ]]; then
  dir="${main%/}-tsan"
  start=$SECONDS
  configure "$dir" thread -DBERTC_BUILD_COMPILER=OFF
  ninja -C "$dir" "${jobs[@]}" >/dev/null
  export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:allocator_may_return_null=1"
  echo "sanitize: tsan build ready ($((SECONDS - start)) s)"
  ctest --test-dir "$dir" --output-on-failure -j "$(nproc)" >"$dir/ctest.log" 2>&1 &&
    echo "sanitize: tsan: unit tests passed ($(grep -o '[0-9]*% tests passed.*' "$dir/ctest.log" || true))" || {
      tail -60 "$dir/ctest.log"; echo "sanitize: tsan: unit tests FAILED ($dir/ctest.log)"; status=1; }
  # A real model: compiled by the main build's bertc, linked with the TSan
  # kernels, run from several threads by the TSan concurrent_run.
  if [ -x "$main/bin/bertc" ]; then
    "$main/bin/bertc" "$root/examples/bert-tiny.onnx" -o "$dir/bert-tiny.so" \
      --kernel-lib "$dir/lib/libbertc_cpu_kernels.a"
    if out="$("$dir/bin/concurrent_run" "$dir/bert-tiny.so" 4 10 2>&1)" &&
       grep -q '0 mismatches, 0 failures' <<<"$out"; then
      echo "sanitize: tsan: concurrent_run passed ($(tail -1 <<<"$out"))"
    else
      echo "$out" | tail -60; echo "sanitize: tsan: concurrent_run FAILED"; status=1
    fi
  else
    echo "sanitize: tsan: no $main/bin/bertc, concurrent_run on a real model skipped"
  fi
  echo "sanitize: tsan done in $((SECONDS - start)) s"
fi
exit $status
