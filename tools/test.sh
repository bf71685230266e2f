#!/usr/bin/env bash
# README command (b): installs what the tests need, then builds and runs every test:
#   1. the normal build: unit, end-to-end (real lawexamd over HTTPS) on SQLite (label e2e) and
#      again on a private PostgreSQL 15 (label e2e_pg, tests/e2e/pgserver.py), bank checks,
#      fuzz-corpus replays and the browser tests (headless Debian chromium through npm
#      playwright-core);
#   2. the same suite (browser tests aside, both storage backends) built with AddressSanitizer + UBSan;
#   3. with clang: each libFuzzer target for LAWEXAM_FUZZ_SECONDS (default 20) seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh --test
if [ -f tests/browser/package-lock.json ]; then
  (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
fi
jobs=$(nproc)
run_suite() { # name, cmake args..., then ctest args after --
  local dir=$1; shift
  local cargs=() targs=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do cargs+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  targs=("$@")
  echo "=== $dir: configure and build"
  cmake -S . -B "build/$dir" "${cargs[@]}" >/dev/null
  cmake --build "build/$dir" -j"$jobs" 2>&1 | grep -E "warning|error" || true
  cmake --build "build/$dir" -j"$jobs" >/dev/null
  echo "=== $dir: ctest"
  ctest --test-dir "build/$dir" --output-on-failure --timeout 1200 "${targs[@]}"
}
run_suite release -DCMAKE_BUILD_TYPE=RelWithDebInfo
ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  run_suite asan -DCMAKE_BUILD_TYPE=Debug -DLAWEXAM_SANITIZE=ON -- -LE browser
if command -v clang >/dev/null 2>&1; then
  CC=clang run_suite fuzz -DCMAKE_BUILD_TYPE=Debug -DLAWEXAM_FUZZ=ON -- -L fuzz
elif [ "${CI:-}" = true ]; then
  echo "clang is missing: the fuzz suite cannot run, and under CI=true that is a failure" >&2
  exit 1
else
  echo "=== fuzz: SKIPPED, clang is missing (under CI=true this fails)"
fi
echo "all test suites passed"
