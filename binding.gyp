# node-gyp build of the addon (`npx node-gyp rebuild` -> build/Release/neuroblas.node). CMakeLists.txt builds the
# same sources (every native/*.cc) for cmake-js; both read their defines and flags from native/build-flags.json.
{
  "variables": {
    # Debian/Ubuntu's pthread OpenBLAS (libopenblas-dev). Override with
    # `npx node-gyp rebuild -- -Dopenblas_lib=/path/libopenblas.a -Dopenblas_include=/path/include`.
    "openblas_lib%": "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.a",
    "openblas_include%": "/usr/include/x86_64-linux-gnu/openblas-pthread",
  },
  "targets": [
    {
      "target_name": "neuroblas",
      # Every native/*.cc, as CMakeLists.txt builds: a new kernel family file needs no edit here.
      "sources": ["<!@(node -p \"require('fs').readdirSync('native').filter((f) => f.endsWith('.cc')).sort().map((f) => 'native/' + f).join(' ')\")"],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<(openblas_include)",
      ],
      "defines": ["<!@(node -p \"require('./native/build-flags.json').defines.join(' ')\")"],
      # node's common.gypi turns C++ exceptions and RTTI off and picks gnu++17; the checks report failures as
      # exceptions (check.h), and both builds use strict C++17.
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17"],
      # Portable x86-64 baseline on purpose (no -march=native): the binary is shipped as a prebuild, and
      # OpenBLAS picks its own kernels for the CPU at run time. -fno-math-errno lets sqrt inline and vectorize;
      # -fno-trapping-math lets selects between float results vectorize (we never use FP exception traps).
      "cflags": ["<!@(node -p \"require('./native/build-flags.json').compile.join(' ')\")"],
      "cflags_cc": ["<!@(node -p \"require('./native/build-flags.json').cxx.join(' ')\")"],
      # OpenBLAS linked in statically, its symbols kept private (--exclude-libs), so the .node needs only
      # libc/libm/libstdc++/libgcc and cannot clash with another BLAS loaded in the same process.
      "libraries": ["<(openblas_lib)", "-lpthread", "-lm"],
      "ldflags": ["<!@(node -p \"require('./native/build-flags.json').link.join(' ')\")"],
    }
  ]
}
