#!/usr/bin/env bash
# The test suite against an AddressSanitizer + UndefinedBehaviorSanitizer build of the addon (`npm run sanitize`):
# builds build-asan/Release/neuroblas.node (`npm run build:native:asan`, cmake-js, NEUROBLAS_SANITIZE=ON), then
# runs vitest with the loader and the direct-addon tests pointed at it (NEUROBLAS_ADDON_PATH). Passes only when
# every test passes and neither sanitizer reported anything. Arguments go to vitest (default: the whole suite).
#
# Node itself is not instrumented, so the ASan runtime must be loaded first, before node's own allocator use:
# LD_PRELOAD. Leak detection is off: V8 keeps memory alive until exit on purpose, and every report would be V8's.
set -euo pipefail
cd "$(dirname "$0")/.."

npm run build:native:asan
addon="$PWD/build-asan/Release/neuroblas.node"
libasan=$(g++ -print-file-name=libasan.so)
[ -f "$libasan" ] || { echo "sanitize: libasan.so not found (g++ -print-file-name gave '$libasan')" >&2; exit 1; }

mkdir -p reports
log=reports/sanitize.log
start=$SECONDS
status=0
# halt_on_error / -fno-sanitize-recover: the first report aborts the test process, so it cannot pass unnoticed;
# the grep below catches reports from child processes whose failure a test might not surface.
LD_PRELOAD="$libasan" \
  ASAN_OPTIONS="detect_leaks=0:halt_on_error=1:abort_on_error=1" \
  UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
  NEUROBLAS_ADDON_PATH="$addon" \
  npx vitest run --reporter=default --reporter=json --outputFile.json=reports/sanitize-results.json "$@" 2>&1 | tee "$log" || status=$?

if grep -E 'ERROR: AddressSanitizer|runtime error:|SUMMARY: (Address|UndefinedBehavior)Sanitizer' "$log"; then
  echo "sanitize: FAIL, sanitizer reports above (full log: $log)" >&2
  exit 1
fi
[ "$status" -eq 0 ] || { echo "sanitize: FAIL, tests failed under the sanitizers (log: $log)" >&2; exit "$status"; }
echo "sanitize: PASS, no sanitizer reports ($((SECONDS - start)) s of tests; log: $log)"
