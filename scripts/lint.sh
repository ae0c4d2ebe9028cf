#!/usr/bin/env bash
# `npm run lint`: the TypeScript and JavaScript through Biome (formatter check and linter, biome.jsonc), and the C++
# in native/ through clang-format (.clang-format). Without clang-format installed the C++ check is skipped with a
# line saying so, except under CI (CI=true), where it is required. `npm run format` rewrites both.
set -euo pipefail
cd "$(dirname "$0")/.."

npx biome ci .
if command -v clang-format >/dev/null; then
  clang-format --dry-run -Werror native/*.cc native/*.h
elif [ "${CI:-}" = "true" ]; then
  echo "lint: clang-format is not installed (apt-get install clang-format); CI requires the C++ style check" >&2
  exit 1
else
  echo "lint: clang-format is not installed, C++ style not checked (apt-get install clang-format)" >&2
fi
