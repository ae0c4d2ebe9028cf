#!/usr/bin/env bash
# Sets up a development checkout on Debian/Ubuntu: the system packages the native build and the
# examples need (only those missing; apt needs root, sudo is used when available), the npm
# dependencies, the TypeScript build (dist/) and the native addon (build/Release/neuroblas.node).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(libopenblas-dev g++ make python3 dataset-fashion-mnist ${NEUROBLAS_EXTRA_PACKAGES:-})
missing=()
for pkg in "${packages[@]}"; do
  [[ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null)" == *'install ok installed'* ]] || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# `npm install` with the committed lock file, not `npm ci`: npm 11 leaves other platforms' optional packages
# (rollup's, esbuild's) out of the lock file it writes, and `npm ci` then refuses that lock as out of sync.
npm install --no-audit --no-fund
npm run build
