#include "max-pool-2x2.h"

#include <algorithm>
#include <cstring>

#include "vector-types.h"

namespace nb {

namespace {

const v8i kEven = {0, 2, 4, 6, 8, 10, 12, 14};
const v8i kOdd = {1, 3, 5, 7, 9, 11, 13, 15};

// Copies count <= 15 values (floats or int32) in at most 4 fixed-size moves: a memcpy of variable size is a library
// call, which cost more than the pooling itself on LeNet's rows of 5 and 14 outputs.
template <typename T>
NB_ALWAYS_INLINE void copyFew(T* dst, const T* src, int64_t count) {
  if (count & 8) {
    std::memcpy(dst, src, 8 * sizeof(T));
    dst += 8, src += 8;
  }
  if (count & 4) {
    std::memcpy(dst, src, 4 * sizeof(T));
    dst += 4, src += 4;
  }
  if (count & 2) {
    std::memcpy(dst, src, 2 * sizeof(T));
    dst += 2, src += 2;
  }
  if (count & 1) *dst = *src;
}

// Copies n <= 8 values: one whole vector when n is 8.
template <typename T>
NB_ALWAYS_INLINE void copyLanes(T* dst, const T* src, int64_t n) {
  if (n == 8) {
    std::memcpy(dst, src, 8 * sizeof(T));
  } else {
    copyFew(dst, src, n);
  }
}

// The 2n floats of a row from column 2·ow0 as even and odd columns (n <= 8; lanes past n are 0).
// `whole`: the 16 floats from row lie inside the input (past the row they belong to other windows, their lanes unused),
// read as two vectors; a copy of the few real ones costs a failed store-to-load forward.
NB_ALWAYS_INLINE void pairs(const float* row, int64_t n, bool whole, v8& even, v8& odd) {
  v8 lo, hi;
  if (whole) {
    std::memcpy(&lo, row, sizeof lo);
    std::memcpy(&hi, row + 8, sizeof hi);
  } else {
    float buf[16] = {};
    copyFew(buf, row, 2 * n);
    std::memcpy(&lo, buf, sizeof lo);
    std::memcpy(&hi, buf + 8, sizeof hi);
  }
  even = __builtin_shuffle(lo, hi, kEven);
  odd = __builtin_shuffle(lo, hi, kOdd);
}

}  // namespace

NB_MULTIVERSION void maxPool2x2Forward(const Planes& p, int64_t first, int64_t last, const float* X, float* Y, int32_t* argmax) {
  const int32_t W = static_cast<int32_t>(p.W);  // H·W <= 2^31 − 1 (checked by the caller), so every index fits
  const int64_t inputs = p.planes * p.H * p.W;
  const v8i lane2 = {0, 2, 4, 6, 8, 10, 12, 14};
  for (int64_t plane = first; plane < last; plane++) {
    const float* x = X + plane * p.H * p.W;
    float* y = Y + plane * p.OH * p.OW;
    int32_t* am = argmax + plane * p.OH * p.OW;
    for (int64_t oh = 0; oh < p.OH; oh++) {
      const int32_t top = static_cast<int32_t>(2 * oh) * W;
      for (int64_t ow0 = 0; ow0 < p.OW; ow0 += 8) {
        const int64_t n = std::min<int64_t>(8, p.OW - ow0);
        v8 a, b, c, d;
        const int64_t from = plane * p.H * p.W + top + W + 2 * ow0;  // the bottom row's first read
        pairs(x + top + 2 * ow0, n, from + 16 <= inputs, a, b);
        pairs(x + top + W + 2 * ow0, n, from + 16 <= inputs, c, d);
        // Each candidate in window order takes the place when it is larger or NaN: ties keep the first, NaN wins.
        const v8i i = top + static_cast<int32_t>(2 * ow0) + lane2;
        v8 best = a;
        v8i at = i;
        v8i take = (b > best) | (b != b);
        best = take ? b : best;
        at = take ? i + 1 : at;
        take = (c > best) | (c != c);
        best = take ? c : best;
        at = take ? i + W : at;
        take = (d > best) | (d != d);
        best = take ? d : best;
        at = take ? i + W + 1 : at;
        float yv[8];
        int32_t av[8];
        std::memcpy(yv, &best, sizeof yv);
        std::memcpy(av, &at, sizeof av);
        copyLanes(y + oh * p.OW + ow0, yv, n);
        copyLanes(am + oh * p.OW + ow0, av, n);
      }
    }
  }
}

}  // namespace nb
