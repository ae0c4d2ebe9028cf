// Fixed-width vectors for the hand-blocked loops (direct convolutions, 2×2 max pooling), as GCC and Clang vector
// extensions: the compiler maps them onto whatever registers each copy of an NB_MULTIVERSION function has (v8: one
// AVX register or two SSE ones; v16: one AVX-512 register or two AVX ones), so one source serves every copy.
// Include it only in .cc files: it also silences GCC's note that these types' ABI differs between those copies, which
// concerns calls that never happen (they are passed between inlined helpers only).
#pragma once

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wpsabi"
#endif

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "vec-math.h"

namespace nb {

typedef float v8 __attribute__((vector_size(32)));
typedef int32_t v8i __attribute__((vector_size(32)));
typedef float v16 __attribute__((vector_size(64)));

NB_ALWAYS_INLINE v8 load8(const float* p) {
  v8 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

NB_ALWAYS_INLINE v16 load16(const float* p) {
  v16 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

NB_ALWAYS_INLINE void store16(float* p, v16 v) { std::memcpy(p, &v, sizeof v); }

// This thread's scratch buffer `slot` (0 or 1), at least n floats, zero-filled; kept between calls, so steady state
// allocates nothing. The convolution kernels' padded copies of an image and of dY.
inline float* zeroedScratch(int slot, int64_t n) {
  thread_local std::vector<float> buffers[2];
  std::vector<float>& b = buffers[slot];
  if (static_cast<int64_t>(b.size()) < n) b.resize(static_cast<size_t>(n));
  std::fill(b.begin(), b.begin() + n, 0.0f);
  return b.data();
}

}  // namespace nb
