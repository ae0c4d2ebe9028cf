#include "conv-channels.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "vector-types.h"

namespace nb {

namespace {

// How many accumulators a block keeps: 12 vectors with AVX-512's 32 registers, 6 (12 AVX registers) otherwise.
// Decided by the rule that picks the x86-64-v4 clone (NB_MULTIVERSION), so a CPU with AVX-512F but not the rest of v4,
// which runs the AVX2 clone, keeps 6.
bool wideRegisters() {
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
  static const bool wide = __builtin_cpu_supports("x86-64-v4");
  return wide;
#else
  return false;
#endif
}

// The largest block is `most`; a row of n splits into ⌈n / most⌉ blocks of equal size (the last may be shorter).
int64_t blockSize(int64_t n, int64_t most) {
  const int64_t blocks = (n + most - 1) / most;
  return (n + blocks - 1) / blocks;
}

// Reads past a row's last output reach at most this many floats beyond the padded image (a block's unused pixels).
constexpr int64_t kSlack = 32;

// The image with `pad` zeros around each plane (planes of (H + 2·pad) × (W + 2·pad)), and kSlack zeros after it.
const float* padImage(const DirectShape& s, const float* x) {
  const int64_t Hp = s.H + 2 * s.pad, Wp = s.W + 2 * s.pad;
  float* xp = zeroedScratch(0, s.C * Hp * Wp + kSlack);
  for (int64_t c = 0; c < s.C; c++) {
    for (int64_t h = 0; h < s.H; h++)
      std::copy(x + (c * s.H + h) * s.W, x + (c * s.H + h + 1) * s.W, xp + (c * Hp + h + s.pad) * Wp + s.pad);
  }
  return xp;
}

// Output pixels [ow0, ow0 + n) of row oh, 16 channels from ob: PB accumulators (n <= PB; the rest are discarded),
// every tap's pixel broadcast from the padded row.
template <int PB>
NB_ALWAYS_INLINE void forwardBlock(const DirectShape& s, int64_t O, int64_t S, const float* xp, const float* wt, const float* bias,
                                   int64_t oh, int64_t ow0, int64_t n, int64_t ob, float* y) {
  const int64_t Hp = s.H + 2 * s.pad, Wp = s.W + 2 * s.pad, P = s.OH * s.OW;
  v16 acc[PB] = {};
  const float* w = wt + ob;
  for (int64_t c = 0; c < s.C; c++) {
    for (int64_t i = 0; i < s.kh; i++) {
      const float* row = xp + (c * Hp + oh + i) * Wp + ow0;
      for (int64_t j = 0; j < s.kw; j++, w += S) {
        const v16 wv = load16(w);
        for (int px = 0; px < PB; px++) acc[px] += row[j + px] * wv;
      }
    }
  }
  const int64_t channels = std::min<int64_t>(16, O - ob);
  for (int px = 0; px < n; px++) {
    float out[16];
    store16(out, acc[px]);
    float* yp = y + ob * P + oh * s.OW + ow0 + px;
    for (int64_t o = 0; o < channels; o++) yp[o * P] = bias != nullptr ? out[o] + bias[ob + o] : out[o];
  }
}

template <int PB>
NB_ALWAYS_INLINE void forwardImage(const DirectShape& s, int64_t O, const float* x, const float* wt, const float* bias, float* y) {
  const float* xp = padImage(s, x);
  const int64_t S = channelStride(O);
  for (int64_t oh = 0; oh < s.OH; oh++) {
    for (int64_t ow0 = 0; ow0 < s.OW; ow0 += PB) {
      for (int64_t ob = 0; ob < O; ob += 16) forwardBlock<PB>(s, O, S, xp, wt, bias, oh, ow0, std::min<int64_t>(PB, s.OW - ow0), ob, y);
    }
  }
}

// Taps [j0, j0 + n) of row (c, i), 16 channels from ob: TB accumulators summed over the output pixels in order.
template <int TB>
NB_ALWAYS_INLINE void weightGradBlock(const DirectShape& s, int64_t S, const float* xp, const float* dyt, int64_t c, int64_t i, int64_t j0,
                                      int64_t n, int64_t ob, float* sums) {
  const int64_t Hp = s.H + 2 * s.pad, Wp = s.W + 2 * s.pad;
  v16 acc[TB] = {};
  const float* d = dyt + ob;
  for (int64_t oh = 0; oh < s.OH; oh++) {
    const float* row = xp + (c * Hp + oh + i) * Wp + j0;
    for (int64_t ow = 0; ow < s.OW; ow++, d += S) {
      const v16 dv = load16(d);
      for (int tb = 0; tb < TB; tb++) acc[tb] += row[ow + tb] * dv;
    }
  }
  float* out = sums + ((c * s.kh + i) * s.kw + j0) * S + ob;
  for (int tb = 0; tb < n; tb++) store16(out + tb * S, load16(out + tb * S) + acc[tb]);
}

template <int TB>
NB_ALWAYS_INLINE void weightGradImage(const DirectShape& s, int64_t O, const float* x, const float* dy, float* sums) {
  const float* xp = padImage(s, x);
  const int64_t S = channelStride(O), P = s.OH * s.OW;
  // dY transposed to pixel-major rows of S channels, zero past O.
  float* dyt = zeroedScratch(1, P * S);
  for (int64_t o = 0; o < O; o++) {
    for (int64_t p = 0; p < P; p++) dyt[p * S + o] = dy[o * P + p];
  }
  for (int64_t c = 0; c < s.C; c++) {
    for (int64_t i = 0; i < s.kh; i++) {
      for (int64_t j0 = 0; j0 < s.kw; j0 += TB) {
        for (int64_t ob = 0; ob < O; ob += 16) weightGradBlock<TB>(s, S, xp, dyt, c, i, j0, std::min<int64_t>(TB, s.kw - j0), ob, sums);
      }
    }
  }
}

// Input rows of up to 16·Q pixels, CB input channels at a time.
template <int Q, int CB>
NB_ALWAYS_INLINE void inputGradImage(const DirectShape& s, int64_t O, const float* dy, const float* wr, float* dx) {
  // dY with kw − 1 zeros before each row and zeros after it, rows of R: the vector for input pixels [16q, 16q + 16)
  // and tap j starts at column 16q + pad − j + (kw − 1) >= 0 and ends before R.
  const int64_t L = s.kw - 1, R = 16 * Q + s.pad + L;
  float* dyp = zeroedScratch(1, O * s.OH * R);
  for (int64_t o = 0; o < O; o++) {
    for (int64_t oh = 0; oh < s.OH; oh++)
      std::copy(dy + (o * s.OH + oh) * s.OW, dy + (o * s.OH + oh + 1) * s.OW, dyp + (o * s.OH + oh) * R + L);
  }
  const int64_t Cpad = (s.C + CB - 1) / CB * CB, taps = s.kh * s.kw;
  for (int64_t c0 = 0; c0 < s.C; c0 += CB) {
    for (int64_t ih = 0; ih < s.H; ih++) {
      v16 acc[CB][Q] = {};
      // Window rows i whose output row oh = ih + pad − i exists.
      const int64_t iFirst = std::max<int64_t>(0, ih + s.pad - (s.OH - 1)), iEnd = std::min<int64_t>(s.kh, ih + s.pad + 1);
      for (int64_t o = 0; o < O; o++) {
        for (int64_t i = iFirst; i < iEnd; i++) {
          const float* row = dyp + (o * s.OH + ih + s.pad - i) * R + s.pad + L;
          const float* w = wr + (o * taps + i * s.kw) * Cpad + c0;
          for (int64_t j = 0; j < s.kw; j++, w += Cpad) {
            for (int q = 0; q < Q; q++) {
              const v16 dv = load16(row - j + 16 * q);
              for (int cb = 0; cb < CB; cb++) acc[cb][q] += w[cb] * dv;
            }
          }
        }
      }
      for (int cb = 0; cb < CB && c0 + cb < s.C; cb++) {
        float out[16 * Q];
        std::memcpy(out, acc[cb], sizeof out);
        std::copy(out, out + s.W, dx + ((c0 + cb) * s.H + ih) * s.W);
      }
    }
  }
}

int64_t mostInputChannels(const DirectShape& s) { return s.W <= 16 ? 6 : 3; }

}  // namespace

void tapMajorWeights(int64_t O, int64_t K, const float* weight, float* wt) {
  const int64_t S = channelStride(O);
  std::fill(wt, wt + K * S, 0.0f);
  for (int64_t o = 0; o < O; o++) {
    for (int64_t k = 0; k < K; k++) wt[k * S + o] = weight[o * K + k];
  }
}

int64_t inputBlock(const DirectShape& s) { return blockSize(s.C, mostInputChannels(s)); }

void inputGradWeights(const DirectShape& s, int64_t O, const float* weight, float* wr) {
  const int64_t CB = inputBlock(s), Cpad = (s.C + CB - 1) / CB * CB, taps = s.kh * s.kw;
  std::fill(wr, wr + O * taps * Cpad, 0.0f);
  for (int64_t o = 0; o < O; o++) {
    for (int64_t c = 0; c < s.C; c++) {
      for (int64_t t = 0; t < taps; t++) wr[(o * taps + t) * Cpad + c] = weight[(o * s.C + c) * taps + t];
    }
  }
}

// One case per block size: the accumulators are registers only when their count is a compile-time constant.
#define NB_BLOCK_CASES(F, ...) \
  case 1:                      \
    return F<1>(__VA_ARGS__);  \
  case 2:                      \
    return F<2>(__VA_ARGS__);  \
  case 3:                      \
    return F<3>(__VA_ARGS__);  \
  case 4:                      \
    return F<4>(__VA_ARGS__);  \
  case 5:                      \
    return F<5>(__VA_ARGS__);  \
  case 6:                      \
    return F<6>(__VA_ARGS__);  \
  case 7:                      \
    return F<7>(__VA_ARGS__);  \
  case 8:                      \
    return F<8>(__VA_ARGS__);  \
  case 9:                      \
    return F<9>(__VA_ARGS__);  \
  case 10:                     \
    return F<10>(__VA_ARGS__); \
  case 11:                     \
    return F<11>(__VA_ARGS__); \
  default:                     \
    return F<12>(__VA_ARGS__);

NB_MULTIVERSION void channelForward(const DirectShape& s, int64_t O, const float* x, const float* wt, const float* bias, float* y) {
  switch (blockSize(s.OW, wideRegisters() ? 12 : 6)) { NB_BLOCK_CASES(forwardImage, s, O, x, wt, bias, y) }
}

NB_MULTIVERSION void channelWeightGrad(const DirectShape& s, int64_t O, const float* x, const float* dy, float* sums) {
  switch (blockSize(s.kw, wideRegisters() ? 12 : 6)) { NB_BLOCK_CASES(weightGradImage, s, O, x, dy, sums) }
}

template <int Q>
NB_ALWAYS_INLINE void inputGradWidth(const DirectShape& s, int64_t O, const float* dy, const float* wr, float* dx) {
  switch (inputBlock(s)) {
    case 1:
      return inputGradImage<Q, 1>(s, O, dy, wr, dx);
    case 2:
      return inputGradImage<Q, 2>(s, O, dy, wr, dx);
    case 3:
      return inputGradImage<Q, 3>(s, O, dy, wr, dx);
    case 4:
      return inputGradImage<Q, 4>(s, O, dy, wr, dx);
    case 5:
      return inputGradImage<Q, 5>(s, O, dy, wr, dx);
    default:
      return inputGradImage<Q, 6>(s, O, dy, wr, dx);
  }
}

NB_MULTIVERSION void rowInputGrad(const DirectShape& s, int64_t O, const float* dy, const float* wr, float* dx) {
  if (s.W <= 16) return inputGradWidth<1>(s, O, dy, wr, dx);
  inputGradWidth<2>(s, O, dy, wr, dx);
}

}  // namespace nb
