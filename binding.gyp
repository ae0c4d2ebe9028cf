# node-gyp build of the addon (`npx node-gyp rebuild` -> build/Release/neuroblas.node). CMakeLists.txt builds
# the same sources with the same flags for cmake-js; keep the two in step.
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
      "sources": [
        "native/addon.cc",
        "native/check.cc",
        "native/gemm.cc",
        "native/activations.cc",
        "native/softmax.cc",
        "native/losses.cc",
        "native/batchnorm.cc",
        "native/dropout.cc",
        "native/conv.cc",
        "native/pool.cc",
        "native/optim.cc",
        "native/elementwise.cc",
        "native/openblas.cc",
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<(openblas_include)",
      ],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      # node's common.gypi turns C++ exceptions and RTTI off and picks gnu++17; the checks report failures as
      # exceptions (check.h), and both builds use strict C++17.
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17"],
      # Portable x86-64 baseline on purpose (no -march=native): the binary is shipped as a prebuild, and
      # OpenBLAS picks its own kernels for the CPU at run time. -fno-math-errno lets sqrt inline and vectorize;
      # -fno-trapping-math lets selects between float results vectorize (we never use FP exception traps).
      "cflags": ["-O3", "-fvisibility=hidden", "-fno-math-errno", "-fno-trapping-math", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-frtti", "-fvisibility-inlines-hidden"],
      # OpenBLAS linked in statically, its symbols kept private (--exclude-libs), so the .node needs only
      # libc/libm/libstdc++/libgcc and cannot clash with another BLAS loaded in the same process.
      "libraries": ["<(openblas_lib)", "-lpthread", "-lm"],
      "ldflags": ["-Wl,--exclude-libs,ALL"],
    }
  ]
}
