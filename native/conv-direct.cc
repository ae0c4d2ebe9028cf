#include "conv-direct.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "vector-types.h"

namespace nb {

namespace {

// x with the lanes where m is 0 set to +0.
NB_ALWAYS_INLINE v8 masked(v8 x, v8i m) {
  v8i bits;
  std::memcpy(&bits, &x, sizeof bits);
  bits &= m;
  std::memcpy(&x, &bits, sizeof x);
  return x;
}

// The image with `pad` zeros around each plane, rows of R = 8·Q + 8 floats (a tap's 8-wide read at column j + 8q,
// j < 8, stays inside the row), H + 2·pad rows per plane.
const float* padImage(const DirectShape& s, int64_t R, const float* x) {
  const int64_t Hp = s.H + 2 * s.pad;
  float* xp = zeroedScratch(0, s.C * Hp * R);
  for (int64_t c = 0; c < s.C; c++) {
    for (int64_t h = 0; h < s.H; h++)
      std::copy(x + (c * s.H + h) * s.W, x + (c * s.H + h + 1) * s.W, xp + (c * Hp + h + s.pad) * R + s.pad);
  }
  return xp;
}

// Output channels o0 … o0 + 2 (those below O) of one image, Q vectors of 8 outputs per row.
template <int Q>
NB_ALWAYS_INLINE void forwardBlock(const DirectShape& s, int64_t O, int64_t o0, const float* xp, int64_t R, const float* weight,
                                   const float* bias, float* y) {
  const int64_t Hp = s.H + 2 * s.pad, K = s.C * s.kh * s.kw, P = s.OH * s.OW;
  const int64_t n = std::min<int64_t>(3, O - o0);
  const float* w[3];
  for (int64_t b = 0; b < 3; b++) w[b] = weight + std::min(o0 + b, O - 1) * K;  // a missing channel repeats the last
  for (int64_t oh = 0; oh < s.OH; oh++) {
    v8 acc[3][Q] = {};
    for (int64_t c = 0; c < s.C; c++) {
      for (int64_t i = 0; i < s.kh; i++) {
        const float* row = xp + (c * Hp + oh + i) * R;
        const int64_t tap = (c * s.kh + i) * s.kw;
        for (int64_t j = 0; j < s.kw; j++) {
          const float w0 = w[0][tap + j], w1 = w[1][tap + j], w2 = w[2][tap + j];
          for (int q = 0; q < Q; q++) {
            const v8 xv = load8(row + j + 8 * q);
            acc[0][q] += w0 * xv;
            acc[1][q] += w1 * xv;
            acc[2][q] += w2 * xv;
          }
        }
      }
    }
    for (int64_t b = 0; b < n; b++) {
      float out[8 * Q];
      std::memcpy(out, acc[b], sizeof out);
      float* yr = y + (o0 + b) * P + oh * s.OW;
      const float add = bias != nullptr ? bias[o0 + b] : 0.0f;
      for (int64_t ow = 0; ow < s.OW; ow++) yr[ow] = bias != nullptr ? out[ow] + add : out[ow];
    }
  }
}

template <int Q>
NB_ALWAYS_INLINE void forwardImage(const DirectShape& s, int64_t O, const float* x, const float* weight, const float* bias, float* y) {
  const int64_t R = 8 * Q + 8;
  const float* xp = padImage(s, R, x);
  for (int64_t o0 = 0; o0 < O; o0 += 3) forwardBlock<Q>(s, O, o0, xp, R, weight, bias, y);
}

// KW: the window's width when the caller fixed it (3 or 5, unrolled, the accumulators in registers), else 0 (any kw).
template <int Q, int KW>
NB_ALWAYS_INLINE void weightGradImage(const DirectShape& s, int64_t O, const float* x, const float* dy, float* lanes) {
  const int64_t R = 8 * Q + 8, Hp = s.H + 2 * s.pad;
  const float* xp = padImage(s, R, x);
  // dy with rows of 8·Q floats, zero past OW, so that its vectors add nothing for the columns that are not outputs.
  float* dp = zeroedScratch(1, O * s.OH * 8 * Q);
  for (int64_t o = 0; o < O; o++) {
    for (int64_t oh = 0; oh < s.OH; oh++)
      std::copy(dy + (o * s.OH + oh) * s.OW, dy + (o * s.OH + oh + 1) * s.OW, dp + (o * s.OH + oh) * 8 * Q);
  }
  // The last vector's lanes past OW read pixels that belong to no output of that row: masked to 0 (not just
  // multiplied by dy's zeros), so that an infinite pixel there cannot make 0·∞ = NaN.
  v8i last;
  for (int k = 0; k < 8; k++) last[k] = 8 * (Q - 1) + k < s.OW ? -1 : 0;
  const int64_t kw = KW > 0 ? KW : s.kw;
  for (int64_t o = 0; o < O; o++) {
    for (int64_t c = 0; c < s.C; c++) {
      for (int64_t i = 0; i < s.kh; i++) {
        v8 acc[8] = {};
        for (int64_t oh = 0; oh < s.OH; oh++) {
          const float* row = xp + (c * Hp + oh + i) * R;
          const float* d = dp + (o * s.OH + oh) * 8 * Q;
          for (int q = 0; q < Q - 1; q++) {
            const v8 dv = load8(d + 8 * q);
            for (int64_t j = 0; j < kw; j++) acc[j] += dv * load8(row + j + 8 * q);
          }
          const v8 dv = load8(d + 8 * (Q - 1));
          for (int64_t j = 0; j < kw; j++) acc[j] += dv * masked(load8(row + j + 8 * (Q - 1)), last);
        }
        float* l = lanes + ((o * s.C + c) * s.kh + i) * kw * 8;
        for (int64_t j = 0; j < kw; j++) {
          float a[8];
          std::memcpy(a, &acc[j], sizeof a);
          for (int k = 0; k < 8; k++) l[8 * j + k] += a[k];
        }
      }
    }
  }
}

}  // namespace

NB_MULTIVERSION void directForward(const DirectShape& s, int64_t O, const float* x, const float* weight, const float* bias, float* y) {
  switch ((s.OW + 7) / 8) {
    case 1:
      return forwardImage<1>(s, O, x, weight, bias, y);
    case 2:
      return forwardImage<2>(s, O, x, weight, bias, y);
    case 3:
      return forwardImage<3>(s, O, x, weight, bias, y);
    default:
      return forwardImage<4>(s, O, x, weight, bias, y);
  }
}

template <int Q>
NB_ALWAYS_INLINE void weightGradWidth(const DirectShape& s, int64_t O, const float* x, const float* dy, float* lanes) {
  if (s.kw == 5) return weightGradImage<Q, 5>(s, O, x, dy, lanes);
  if (s.kw == 3) return weightGradImage<Q, 3>(s, O, x, dy, lanes);
  weightGradImage<Q, 0>(s, O, x, dy, lanes);
}

NB_MULTIVERSION void directWeightGrad(const DirectShape& s, int64_t O, const float* x, const float* dy, float* lanes) {
  switch ((s.OW + 7) / 8) {
    case 1:
      return weightGradWidth<1>(s, O, x, dy, lanes);
    case 2:
      return weightGradWidth<2>(s, O, x, dy, lanes);
    case 3:
      return weightGradWidth<3>(s, O, x, dy, lanes);
    default:
      return weightGradWidth<4>(s, O, x, dy, lanes);
  }
}

void sumLanes(int64_t count, const float* lanes, float* out) {
  for (int64_t r = 0; r < count; r++) {
    float t = 0.0f;
    for (int k = 0; k < 8; k++) t += lanes[8 * r + k];
    out[r] = t;
  }
}

}  // namespace nb
