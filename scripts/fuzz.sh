#!/usr/bin/env bash
# Builds the libFuzzer targets (test/fuzz) with clang into their own build
# folder and runs each for a bounded time on a copy of its seed corpus
# (test/models/fuzz) plus the crash inputs kept as regressions
# (test/fuzz/regressions). Any crash, sanitizer report, leak, timeout or
# oversized allocation fails it; the input is left in <build>/artifacts.
#   scripts/fuzz.sh [build-dir] [seconds]   (default: build-fuzz, 60 s in all)
# Skips (exit 0) when clang++ with libFuzzer is not installed.
# Environment: BERTC_FUZZ_SECONDS overrides the time; BERTC_JOBS the build
# parallelism.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$root/build-fuzz}"
total="${2:-${BERTC_FUZZ_SECONDS:-60}}"

cxx="${BERTC_FUZZ_CXX:-clang++}"
cc="${BERTC_FUZZ_CC:-clang}"
probe="$(mktemp -d)"
trap 'rm -rf "$probe"' EXIT
echo 'extern "C" int LLVMFuzzerTestOneInput(const char *, unsigned long) { return 0; }' >"$probe/p.cpp"
if ! command -v "$cxx" >/dev/null 2>&1 ||
   ! "$cxx" -fsanitize=fuzzer,address,undefined "$probe/p.cpp" -o "$probe/p" >/dev/null 2>&1; then
  echo "fuzz: skipped ($cxx with libFuzzer is not installed; on Debian: apt-get install clang libclang-rt-dev)"
  exit 0
fi

if [ ! -f "$build/build.ninja" ]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$cxx" \
    -DBERTC_ENABLE_FUZZERS=ON -DBERTC_ENABLE_TESTS=OFF -DBERTC_ENABLE_CUDA=OFF >/dev/null
fi
start=$SECONDS
if ! ninja -C "$build" ${BERTC_JOBS:+-j "$BERTC_JOBS"} bertc-fuzzers >"$build/ninja.log" 2>&1; then
  tail -40 "$build/ninja.log"
  echo "fuzz: building the fuzz targets failed ($build/ninja.log)"
  exit 1
fi
echo "fuzz: targets built ($((SECONDS - start)) s)"

artifacts="$build/artifacts"
work="$build/fuzz-run"
rm -rf "$work"
mkdir -p "$artifacts" "$work"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

# run NAME SECONDS EXTRA-FLAGS...: regressions first (each input once), then
# fuzzing from the seeds for SECONDS.
run() {
  local name="$1" seconds="$2"
  shift 2
  local bin="$build/fuzz/bertc-fuzz-$name"
  local reg="$root/test/fuzz/regressions/$name"
  if [ -d "$reg" ] && [ -n "$(ls -A "$reg")" ]; then
    "$bin" "$@" "$reg"/* >"$work/$name-regressions.log" 2>&1 || {
      tail -40 "$work/$name-regressions.log"
      echo "fuzz: $name: a regression input fails again ($work/$name-regressions.log)"
      return 1
    }
  fi
  mkdir -p "$work/corpus-$name"
  cp "$root/test/models/fuzz/$name"/* "$work/corpus-$name/"
  local start=$SECONDS
  if ! "$bin" "$@" -max_total_time="$seconds" -print_final_stats=1 \
       -artifact_prefix="$artifacts/$name-" "$work/corpus-$name" \
       >"$work/$name.log" 2>&1; then
    tail -60 "$work/$name.log"
    echo "fuzz: $name: FAILED; the input is in $artifacts (log: $work/$name.log)"
    return 1
  fi
  local execs
  execs="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/$name.log" | grep -o '[0-9]*$' || echo '?')"
  echo "fuzz: $name: ok, $execs inputs in $((SECONDS - start)) s, corpus $(ls "$work/corpus-$name" | wc -l) files"
}

# The importer gets two thirds of the time. -malloc_limit_mb: no single
# allocation over 512 MB from inputs of at most 64 KB; -timeout: no input
# may take 10 s.
import_s=$((total * 2 / 3))
npy_s=$((total - import_s))
status=0
run import "$import_s" -max_len=65536 -malloc_limit_mb=512 -rss_limit_mb=4096 -timeout=10 || status=1
run npy "$npy_s" -max_len=4096 -malloc_limit_mb=64 -timeout=5 || status=1
exit $status
