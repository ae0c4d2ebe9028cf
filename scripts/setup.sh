#!/usr/bin/env bash
# Sets up a development checkout on Debian/Ubuntu: the system packages the native build and the
# examples need (only those missing; apt needs root, sudo is used when available), the npm
# dependencies, the TypeScript build (dist/) and the native addon (build/Release/neuroblas.node).
set -euo pipefail
cd "$(dirname "$0")/.."

# redis-server: the queue tests start their own; python3-onnx: the ONNX export check; fortunes-*: the
# language-identification example's text.
packages=(libopenblas-dev g++ make python3 dataset-fashion-mnist redis-server python3-onnx
  fortunes fortunes-de fortunes-es fortunes-it fortunes-br fortunes-cs fortunes-pl fortunes-eo fortunes-ga
  ${NEUROBLAS_EXTRA_PACKAGES:-})
missing=()
for pkg in "${packages[@]}"; do
  [[ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null)" == *'install ok installed'* ]] || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing the system packages ${missing[*]} (apt-get)"
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Each step prints one line; its own output goes to a log that is shown only when the step fails.
log=$(mktemp /tmp/neuroblas-setup.XXXXXX)
trap 'rm -f "$log"' EXIT
step() {
  local what=$1
  shift
  local started=$SECONDS
  printf 'setup: %s … ' "$what"
  if "$@" >"$log" 2>&1; then
    echo "done ($((SECONDS - started)) s)"
  else
    local status=$?
    echo "FAILED"
    echo "setup: '$*' exited with status $status; its output:" >&2
    cat "$log" >&2
    exit "$status"
  fi
}

# `npm install` with the committed lock file, not `npm ci`: npm 11 leaves other platforms' optional packages
# (rollup's, esbuild's) out of the lock file it writes, and `npm ci` then refuses that lock as out of sync.
# Install scripts: package.json's allowScripts approves esbuild's (the only dependency that has one).
# onnxruntime-node (a devDependency, for the ONNX checks) would download GPU libraries at install; it ships
# its CPU build in the package, which is all the checks use.
export ONNXRUNTIME_NODE_INSTALL=skip
step 'npm dependencies (npm install, from package-lock.json)' npm install --no-audit --no-fund --loglevel=error
step 'TypeScript to dist/ (npm run build:ts)' npm run --silent build:ts
export JOBS="${JOBS:-max}" # node-gyp compiles on every core
step 'native addon to build/Release/neuroblas.node (npm run build:addon)' npm run --silent build:addon
echo "setup: ready. Next: npm run digits (trains on real digits), npm test"
