#!/usr/bin/env bash
# Builds the addon that ships in the npm tarball (`npm run build:prebuild`):
#   prebuilds/linux-x64/neuroblas.glibc.node   (N-API, so one file serves every Node version ≥ 18)
# with OpenBLAS linked in statically (DYNAMIC_ARCH: its kernels are chosen for the CPU at run time, so one
# binary is fast on AVX2 and AVX-512 machines and correct on any x86-64), stripped, and checked: no shared
# BLAS/Fortran runtime, a glibc floor no newer than the loader expects (lib/backend/host.ts), the N-API entry
# point exported. Prints the sizes and the floor.
#
# Not named `prebuild`: npm runs a script of that name before every `npm run build`.
#
# `--check` (npm pack's prepack script) builds nothing: it fails, saying what to run, when the prebuild is missing or
# older than a native source, so a tarball never ships without it (every install would then compile from source).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = "--check" ]; then
  file=prebuilds/linux-x64/neuroblas.glibc.node
  if [ ! -f "$file" ]; then
    echo "prepack: $file is missing, and a tarball without it compiles from source at every install." \
      "Run \`npm run build:prebuild\` (a few minutes), then pack again." >&2
    exit 1
  fi
  newer=$(find native binding.gyp -type f -newer "$file" | sort | head -n 1)
  if [ -n "$newer" ]; then
    echo "prepack: $file is older than $newer. Run \`npm run build:prebuild\` to rebuild it, then pack again." >&2
    exit 1
  fi
  echo "prepack: $file goes in the tarball"
  exit 0
fi

# node-gyp needs Node's headers; use the system's when npm has no nodedir (a download fails offline).
if [ -z "${npm_config_nodedir:-}" ] && [ -f /usr/include/node/node_api.h ]; then
  export npm_config_nodedir=/usr
fi

export JOBS="${JOBS:-max}"  # node-gyp compiles on every core
rm -rf prebuilds
# --tag-libc: node-gyp-build on musl must not pick this glibc build. No --strip: it strips with --strip-all;
# --strip-unneeded below keeps what a shared object's relocations need and drops the rest.
npx prebuildify --napi --tag-libc --name neuroblas
file=prebuilds/linux-x64/neuroblas.glibc.node
[ -f "$file" ] || { echo "prebuild: $file was not produced (see prebuildify's output above)" >&2; exit 1; }

before=$(stat -c %s "$file")
strip --strip-unneeded "$file"
after=$(stat -c %s "$file")

fail() { echo "prebuild: $*" >&2; exit 1; }

if ldd "$file" | grep -E 'openblas|gfortran|quadmath'; then
  fail "$file links a shared BLAS/Fortran runtime; it must carry OpenBLAS statically"
fi
# The symbol table is read once into a variable: `objdump | grep -q` fails at random under pipefail,
# because grep exits at the first match and objdump dies of SIGPIPE on its next write.
symbols=$(objdump -T "$file")
grep ' napi_register_module_v1$' <<<"$symbols" >/dev/null || fail "$file does not export napi_register_module_v1 (stripped too far?)"

floor=$(grep -o 'GLIBC_[0-9.]*' <<<"$symbols" | sed 's/GLIBC_//' | sort -uV | tail -1)
expected=$(node -e "process.stdout.write(/glibcFloor: '([0-9.]+)'/.exec(require('fs').readFileSync('lib/backend/host.ts','utf8'))[1])")
newest=$(printf '%s\n%s\n' "$floor" "$expected" | sort -V | tail -1)
[ "$newest" = "$expected" ] || fail "$file needs glibc $floor, newer than PREBUILD_TARGET.glibcFloor ($expected) in lib/backend/host.ts"
libstdcxx=$(grep -o 'GLIBCXX_[0-9.]*' <<<"$symbols" | sort -uV | tail -1)

mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
echo "prebuild: $file $(mib "$before") -> $(mib "$after") stripped; needs glibc ≥ $floor, $libstdcxx"

# prebuildify's node-gyp rebuild leaves build/Release without the addon; the development tree (tests, examples)
# loads it from there, so put the same binary back.
mkdir -p build/Release
cp "$file" build/Release/neuroblas.node
