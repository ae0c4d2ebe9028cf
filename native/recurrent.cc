// LSTM and GRU layer-directions over a whole [B, T, I] batch in one crossing each way, matching
// lib/backend/js/recurrent.ts (the specification): the input projection for all steps is one sgemm, each step's hidden
// product one sgemm (straight into that step's rows of the gate buffer, whose rows are T·G apart), then one fused,
// vectorized pass over the gates and the cell, in float (the js backend computes in double; see expNonPositive).
#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#include "check.h"
#include "export.h"
#include "kernels.h"
#include "vec-math.h"

namespace nb {

namespace {

// The gates' sigmoid and tanh in float, vectorizable (no libm call, no branch): exp(a) for a <= 0 by Cody–Waite
// reduction a = k·ln2 + r, |r| <= ln2/2, and its Taylor series to degree 6 (remainder below 1.2e-7 relative). Within a
// few float ulps of the js backend's double-precision Math.exp/Math.tanh (the tests compare the two), and twice the
// vector width of double math: the cells are most of a recurrent step's non-GEMM time.
NB_ALWAYS_INLINE float expNonPositive(float a) {
  a = a < -87.0f ? -87.0f : a;           // exp(-87) ≈ 1.6e-38 is still a normal float; NaN passes (the comparison is false)
  constexpr float kRound = 12582912.0f;  // 1.5·2^23: adding it rounds to an integer in the low mantissa bits
  const float t = a * 1.44269504088896341f + kRound;
  const float k = t - kRound;
  const float r = (a - k * 0.693145751953125f) - k * 1.42860682030941723e-6f;
  float p = 1.0f / 720.0f;
  p = p * r + 1.0f / 120.0f;
  p = p * r + 1.0f / 24.0f;
  p = p * r + 1.0f / 6.0f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  int32_t bits;
  std::memcpy(&bits, &t, sizeof bits);
  bits = (bits - 0x4B400000 + 127) << 23;  // k (in [-126, 0]) as the exponent field of 2^k
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

NB_ALWAYS_INLINE float sigmoidOf(float x) {
  const float e = expNonPositive(-std::fabs(x));
  return x >= 0.0f ? 1.0f / (1.0f + e) : e / (1.0f + e);
}

// tanh|x| = (1 − e)/(1 + e), e = exp(−2|x|); below 1/16, where 1 − e would cancel, its odd series to x⁵ (error < 1e-9).
NB_ALWAYS_INLINE float tanhOf(float x) {
  const float a = std::fabs(x), e = expNonPositive(-2.0f * a);
  const float a2 = a * a;
  const float small = a * (1.0f + a2 * (-1.0f / 3.0f + a2 * (2.0f / 15.0f)));
  return std::copysign(a < 0.0625f ? small : (1.0f - e) / (1.0f + e), x);
}

// C (M×N, rows ldc apart) = A (M×K, rows lda apart)·op(B) + beta·C, for the per-step products; sizes are >= 1 here
// or the product is empty.
void stepGemm(bool transB, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* B, float beta, float* C,
              int64_t ldc) {
  if (M == 0 || N == 0 || K == 0) return;
  cblas_sgemm(CblasRowMajor, CblasNoTrans, transB ? CblasTrans : CblasNoTrans, static_cast<int>(M), static_cast<int>(N),
              static_cast<int>(K), 1.0f, A, static_cast<int>(lda), B, static_cast<int>(transB ? K : N), beta, C, static_cast<int>(ldc));
}

// gates = X·Wihᵀ + bih (+ bhh): each row starts as the bias, and the GEMM adds onto it (beta = 1), which saves a pass
// over the B·T·G gates compared with zeroing them for the GEMM and adding the bias after.
void project(int64_t BT, int64_t G, int64_t I, const float* X, const float* Wih, const float* bih, const float* bhh, float* gates) {
  for (int64_t r = 0; r < BT; r++) {
    float* row = gates + r * G;
    if (bhh == nullptr) {
      std::memcpy(row, bih, static_cast<size_t>(G) * sizeof(float));
    } else {
      for (int64_t j = 0; j < G; j++) row[j] = static_cast<float>(static_cast<double>(bih[j]) + bhh[j]);
    }
  }
  sgemm(false, true, BT, G, I, 1.0f, X, Wih, 1.0f, gates);
}

void start(int64_t n, const float* init, float* state) {
  if (init == nullptr)
    std::fill(state, state + n, 0.0f);
  else
    std::memcpy(state, init, static_cast<size_t>(n) * sizeof(float));
}

inline int64_t lengthOf(const int32_t* lengths, int64_t b, int64_t T) { return lengths == nullptr ? T : lengths[b]; }

inline int64_t previousStep(int64_t t, bool reverse, int64_t len) {
  if (!reverse) return t - 1;
  return t + 1 < len ? t + 1 : -1;
}

void previousStates(int64_t B, int64_t T, int64_t H, bool reverse, const int32_t* lengths, const float* h0, const float* Y, float* Hprev) {
  const size_t bytes = static_cast<size_t>(H) * sizeof(float);
  for (int64_t b = 0; b < B; b++) {
    const int64_t len = lengthOf(lengths, b, T);
    for (int64_t t = 0; t < T; t++) {
      float* to = Hprev + (b * T + t) * H;
      const int64_t p = t < len ? previousStep(t, reverse, len) : -2;
      if (p >= 0)
        std::memcpy(to, Y + (b * T + p) * H, bytes);
      else if (p == -1 && h0 != nullptr)
        std::memcpy(to, h0 + b * H, bytes);
      else
        std::fill(to, to + H, 0.0f);
    }
  }
}

// colSum (kernels.h) written into two outputs, each with its own beta·out: the same sums, bit for bit, read once.
void colSumTwice(int64_t M, int64_t N, const float* X, double beta, float* out1, float* out2) {
  constexpr int64_t kBlock = 256;
  double acc[kBlock];
  for (int64_t j0 = 0; j0 < N; j0 += kBlock) {
    const int64_t width = std::min(kBlock, N - j0);
    for (int64_t j = 0; j < width; j++) acc[j] = 0.0;
    for (int64_t i = 0; i < M; i++) {
      const float* row = X + i * N + j0;
      for (int64_t j = 0; j < width; j++) acc[j] += row[j];
    }
    for (float* out : {out1, out2}) {
      for (int64_t j = 0; j < width; j++) {
        float* o = out + j0 + j;
        *o = static_cast<float>(beta == 0.0 ? acc[j] : beta * static_cast<double>(*o) + acc[j]);
      }
    }
  }
}

void weightGradients(int64_t BT, int64_t I, int64_t H, int64_t G, const float* X, const float* Wih, const float* Hprev, const float* dGx,
                     const float* dGh, float beta, float* dWih, float* dWhh, float* dbih, float* dbhh, float* dX) {
  sgemm(true, false, G, I, BT, 1.0f, dGx, X, beta, dWih);
  sgemm(true, false, G, H, BT, 1.0f, dGh, Hprev, beta, dWhh);
  if (dGx == dGh) {
    colSumTwice(BT, G, dGx, beta, dbih, dbhh);  // the LSTM's two bias gradients are the same sums: one pass
  } else {
    colSum(BT, G, dGx, beta, dbih);
    colSum(BT, G, dGh, beta, dbhh);
  }
  if (dX != nullptr) sgemm(false, false, BT, I, G, 1.0f, dGx, Wih, 0.0f, dX);
}

// One row of one LSTM step: g holds the 4H pre-activations (i, f, g, o), replaced by the activations.
NB_MULTIVERSION void lstmCell(int64_t H, float* __restrict g, float* __restrict cState, float* __restrict cOut, float* __restrict hState,
                              float* __restrict hOut) {
  for (int64_t j = 0; j < H; j++) {
    const float i = sigmoidOf(g[j]);
    const float f = sigmoidOf(g[H + j]);
    const float z = tanhOf(g[2 * H + j]);
    const float o = sigmoidOf(g[3 * H + j]);
    g[j] = i;
    g[H + j] = f;
    g[2 * H + j] = z;
    g[3 * H + j] = o;
    const float c = f * cState[j] + i * z;
    const float h = o * tanhOf(c);
    cOut[j] = c;
    cState[j] = c;
    hOut[j] = h;
    hState[j] = h;
  }
}

NB_MULTIVERSION void lstmCellBackward(int64_t H, const float* __restrict g, const float* __restrict c, const float* __restrict cPrev,
                                      const float* __restrict dY, float* __restrict dh, float* __restrict dc, float* __restrict dG) {
  for (int64_t j = 0; j < H; j++) {
    const float i = g[j], f = g[H + j], z = g[2 * H + j], o = g[3 * H + j];
    const float tc = tanhOf(c[j]);
    const float dhj = dh[j] + dY[j];
    const float dct = dc[j] + dhj * o * (1.0f - tc * tc);
    dG[j] = dct * z * i * (1.0f - i);
    dG[H + j] = dct * cPrev[j] * f * (1.0f - f);
    dG[2 * H + j] = dct * i * (1.0f - z * z);
    dG[3 * H + j] = dhj * tc * o * (1.0f - o);
    dc[j] = dct * f;
  }
}

// One row of one GRU step: g holds the input side's 3H pre-activations (r, z, n), replaced by the activations;
// hid the hidden product W_h·h (without its bias).
NB_MULTIVERSION void gruCell(int64_t H, float* __restrict g, const float* __restrict hid, const float* __restrict bhh, float* __restrict hn,
                             float* __restrict hState, float* __restrict hOut) {
  for (int64_t j = 0; j < H; j++) {
    const float r = sigmoidOf(g[j] + (hid[j] + bhh[j]));
    const float u = sigmoidOf(g[H + j] + (hid[H + j] + bhh[H + j]));
    const float n2 = hid[2 * H + j] + bhh[2 * H + j];
    const float n = tanhOf(g[2 * H + j] + r * n2);
    const float h = (1.0f - u) * n + u * hState[j];
    g[j] = r;
    g[H + j] = u;
    g[2 * H + j] = n;
    hn[j] = n2;
    hOut[j] = h;
    hState[j] = h;
  }
}

NB_MULTIVERSION void gruCellBackward(int64_t H, const float* __restrict g, const float* __restrict hn, const float* __restrict hPrev,
                                     const float* __restrict dY, float* __restrict dh, float* __restrict dGx, float* __restrict dGh) {
  for (int64_t j = 0; j < H; j++) {
    const float r = g[j], u = g[H + j], n = g[2 * H + j];
    const float dhj = dh[j] + dY[j];
    const float dan = dhj * (1.0f - u) * (1.0f - n * n);
    const float dar = dan * hn[j] * r * (1.0f - r);
    const float dau = dhj * (hPrev[j] - n) * u * (1.0f - u);
    dGx[j] = dar;
    dGx[H + j] = dau;
    dGx[2 * H + j] = dan;
    dGh[j] = dar;
    dGh[H + j] = dau;
    dGh[2 * H + j] = dan * r;
    dh[j] = dhj * u;
  }
}

void zero(float* p, int64_t n) { std::fill(p, p + n, 0.0f); }

// The sizes every recurrent kernel starts with, checked as memory depends on them: G = gates·H, lengths in [0, T].
struct Dims {
  int64_t B, T, I, H, G, BT, BTI, BTH, BTG, BH;
  bool reverse;
};

Dims readDims(const Args& a, const char* fn, int64_t gates) {
  Dims d{};
  d.B = a.size(0, "B");
  d.T = a.size(1, "T");
  d.I = a.size(2, "I");
  d.H = a.size(3, "H");
  d.G = a.size(4, "G");
  d.reverse = a.boolean(5, "reverse");
  if (d.G != gates * d.H)
    fail("ERR_INVALID_ARG", std::string(fn) + ": G must be " + std::to_string(gates) + "·H = " + std::to_string(gates * d.H));
  d.BT = product(fn, "B·T", d.B, d.T);
  if (d.BT > kMaxDim || product(fn, "T·G", d.T, d.G) > kMaxDim) fail("ERR_OVERFLOW", std::string(fn) + ": B·T or T·G is beyond 2^31 - 1");
  d.BTI = product(fn, "B·T·I", d.B, d.T, d.I);
  d.BTH = product(fn, "B·T·H", d.B, d.T, d.H);
  d.BTG = product(fn, "B·T·G", d.B, d.T, d.G);
  d.BH = product(fn, "B·H", d.B, d.H);
  return d;
}

void checkLengths(const char* fn, const Dims& d, const int32_t* lengths) {
  if (lengths == nullptr) return;
  for (int64_t b = 0; b < d.B; b++) {
    if (lengths[b] < 0 || lengths[b] > d.T) {
      fail("ERR_INVALID_ARG", std::string(fn) + ": lengths[" + std::to_string(b) + "] = " + std::to_string(lengths[b]) +
                                  " is outside [0, T = " + std::to_string(d.T) + "]");
    }
  }
}

}  // namespace

Napi::Value lstmForwardBinding(const Napi::CallbackInfo& info) {
  const char* fn = "lstmForward";
  Args a(info, fn, 19);
  const Dims d = readDims(a, fn, 4);
  const int64_t B = d.B, T = d.T, H = d.H, G = d.G;
  const float* X = a.f32(6, "X", d.BTI);
  const float* Wih = a.f32(7, "Wih", product(fn, "G·I", G, d.I));
  const float* Whh = a.f32(8, "Whh", product(fn, "G·H", G, H));
  const float* bih = a.f32(9, "bih", G);
  const float* bhh = a.f32(10, "bhh", G);
  const float* h0 = a.f32OrNull(11, "h0", d.BH);
  const float* c0 = a.f32OrNull(12, "c0", d.BH);
  const int32_t* lengths = a.i32OrNull(13, "lengths", B);
  float* gates = a.f32(14, "gates", d.BTG);
  float* C = a.f32(15, "C", d.BTH);
  float* Y = a.f32(16, "Y", d.BTH);
  float* hT = a.f32(17, "hT", d.BH);
  float* cT = a.f32(18, "cT", d.BH);
  checkLengths(fn, d, lengths);
  project(d.BT, G, d.I, X, Wih, bih, bhh, gates);
  start(d.BH, h0, hT);
  start(d.BH, c0, cT);
  for (int64_t s = 0; s < T; s++) {
    const int64_t t = d.reverse ? T - 1 - s : s;
    stepGemm(true, B, G, H, hT, H, Whh, 1.0f, gates + t * G, T * G);
    for (int64_t b = 0; b < B; b++) {
      float* g = gates + (b * T + t) * G;
      const int64_t o = (b * T + t) * H;
      if (t >= lengthOf(lengths, b, T)) {
        zero(g, G);
        zero(C + o, H);
        zero(Y + o, H);
        continue;
      }
      lstmCell(H, g, cT + b * H, C + o, hT + b * H, Y + o);
    }
  }
  return info.Env().Undefined();
}
NB_EXPORT(lstmForward, lstmForwardBinding);

Napi::Value lstmBackwardBinding(const Napi::CallbackInfo& info) {
  const char* fn = "lstmBackward";
  Args a(info, fn, 29);
  const Dims d = readDims(a, fn, 4);
  const int64_t B = d.B, T = d.T, H = d.H, G = d.G;
  const float* X = a.f32(6, "X", d.BTI);
  const float* Wih = a.f32(7, "Wih", product(fn, "G·I", G, d.I));
  const float* Whh = a.f32(8, "Whh", product(fn, "G·H", G, H));
  const float* h0 = a.f32OrNull(9, "h0", d.BH);
  const float* c0 = a.f32OrNull(10, "c0", d.BH);
  const int32_t* lengths = a.i32OrNull(11, "lengths", B);
  const float* gates = a.f32(12, "gates", d.BTG);
  const float* C = a.f32(13, "C", d.BTH);
  const float* Y = a.f32(14, "Y", d.BTH);
  const float* dY = a.f32(15, "dY", d.BTH);
  const float* dhT = a.f32OrNull(16, "dhT", d.BH);
  const float* dcT = a.f32OrNull(17, "dcT", d.BH);
  float* dG = a.f32(18, "dG", d.BTG);
  float* Hprev = a.f32(19, "Hprev", d.BTH);
  float* dhStep = a.f32(20, "dhStep", d.BH);
  const float beta = static_cast<float>(a.number(21, "beta"));
  float* dWih = a.f32(22, "dWih", product(fn, "G·I", G, d.I));
  float* dWhh = a.f32(23, "dWhh", product(fn, "G·H", G, H));
  float* dbih = a.f32(24, "dbih", G);
  float* dbhh = a.f32(25, "dbhh", G);
  float* dX = a.f32OrNull(26, "dX", d.BTI);
  float* dh = a.f32(27, "dh0", d.BH);
  float* dc = a.f32(28, "dc0", d.BH);
  checkLengths(fn, d, lengths);
  start(d.BH, dhT, dh);
  start(d.BH, dcT, dc);
  for (int64_t s = T - 1; s >= 0; s--) {
    const int64_t t = d.reverse ? T - 1 - s : s;
    for (int64_t b = 0; b < B; b++) {
      const int64_t g = (b * T + t) * G, o = (b * T + t) * H, len = lengthOf(lengths, b, T);
      if (t >= len) {
        zero(dG + g, G);
        continue;
      }
      const int64_t p = previousStep(t, d.reverse, len);
      const float* cPrev = p >= 0 ? C + (b * T + p) * H : c0 != nullptr ? c0 + b * H : nullptr;
      if (cPrev == nullptr) {
        zero(dhStep + b * H, H);  // free until this step's product below overwrites it
        cPrev = dhStep + b * H;
      }
      lstmCellBackward(H, gates + g, C + o, cPrev, dY + o, dh + b * H, dc + b * H, dG + g);
    }
    stepGemm(false, B, H, G, dG + t * G, T * G, Whh, 0.0f, dhStep, H);
    for (int64_t b = 0; b < B; b++) {
      if (t < lengthOf(lengths, b, T)) std::memcpy(dh + b * H, dhStep + b * H, static_cast<size_t>(H) * sizeof(float));
    }
  }
  previousStates(B, T, H, d.reverse, lengths, h0, Y, Hprev);
  weightGradients(d.BT, d.I, H, G, X, Wih, Hprev, dG, dG, beta, dWih, dWhh, dbih, dbhh, dX);
  return info.Env().Undefined();
}
NB_EXPORT(lstmBackward, lstmBackwardBinding);

Napi::Value gruForwardBinding(const Napi::CallbackInfo& info) {
  const char* fn = "gruForward";
  Args a(info, fn, 18);
  const Dims d = readDims(a, fn, 3);
  const int64_t B = d.B, T = d.T, H = d.H, G = d.G;
  const float* X = a.f32(6, "X", d.BTI);
  const float* Wih = a.f32(7, "Wih", product(fn, "G·I", G, d.I));
  const float* Whh = a.f32(8, "Whh", product(fn, "G·H", G, H));
  const float* bih = a.f32(9, "bih", G);
  const float* bhh = a.f32(10, "bhh", G);
  const float* h0 = a.f32OrNull(11, "h0", d.BH);
  const int32_t* lengths = a.i32OrNull(12, "lengths", B);
  float* gates = a.f32(13, "gates", d.BTG);
  float* HN = a.f32(14, "HN", d.BTH);
  float* hidden = a.f32(15, "hidden", product(fn, "B·G", B, G));
  float* Y = a.f32(16, "Y", d.BTH);
  float* hT = a.f32(17, "hT", d.BH);
  checkLengths(fn, d, lengths);
  project(d.BT, G, d.I, X, Wih, bih, nullptr, gates);
  start(d.BH, h0, hT);
  for (int64_t s = 0; s < T; s++) {
    const int64_t t = d.reverse ? T - 1 - s : s;
    stepGemm(true, B, G, H, hT, H, Whh, 0.0f, hidden, G);
    for (int64_t b = 0; b < B; b++) {
      float* g = gates + (b * T + t) * G;
      const int64_t o = (b * T + t) * H;
      if (t >= lengthOf(lengths, b, T)) {
        zero(g, G);
        zero(HN + o, H);
        zero(Y + o, H);
        continue;
      }
      gruCell(H, g, hidden + b * G, bhh, HN + o, hT + b * H, Y + o);
    }
  }
  return info.Env().Undefined();
}
NB_EXPORT(gruForward, gruForwardBinding);

Napi::Value gruBackwardBinding(const Napi::CallbackInfo& info) {
  const char* fn = "gruBackward";
  Args a(info, fn, 27);
  const Dims d = readDims(a, fn, 3);
  const int64_t B = d.B, T = d.T, H = d.H, G = d.G;
  const float* X = a.f32(6, "X", d.BTI);
  const float* Wih = a.f32(7, "Wih", product(fn, "G·I", G, d.I));
  const float* Whh = a.f32(8, "Whh", product(fn, "G·H", G, H));
  const float* h0 = a.f32OrNull(9, "h0", d.BH);
  const int32_t* lengths = a.i32OrNull(10, "lengths", B);
  const float* gates = a.f32(11, "gates", d.BTG);
  const float* HN = a.f32(12, "HN", d.BTH);
  const float* Y = a.f32(13, "Y", d.BTH);
  const float* dY = a.f32(14, "dY", d.BTH);
  const float* dhT = a.f32OrNull(15, "dhT", d.BH);
  float* dGx = a.f32(16, "dGx", d.BTG);
  float* dGh = a.f32(17, "dGh", d.BTG);
  float* Hprev = a.f32(18, "Hprev", d.BTH);
  float* dhStep = a.f32(19, "dhStep", d.BH);
  const float beta = static_cast<float>(a.number(20, "beta"));
  float* dWih = a.f32(21, "dWih", product(fn, "G·I", G, d.I));
  float* dWhh = a.f32(22, "dWhh", product(fn, "G·H", G, H));
  float* dbih = a.f32(23, "dbih", G);
  float* dbhh = a.f32(24, "dbhh", G);
  float* dX = a.f32OrNull(25, "dX", d.BTI);
  float* dh = a.f32(26, "dh0", d.BH);
  checkLengths(fn, d, lengths);
  start(d.BH, dhT, dh);
  previousStates(B, T, H, d.reverse, lengths, h0, Y, Hprev);
  for (int64_t s = T - 1; s >= 0; s--) {
    const int64_t t = d.reverse ? T - 1 - s : s;
    for (int64_t b = 0; b < B; b++) {
      const int64_t g = (b * T + t) * G, o = (b * T + t) * H;
      if (t >= lengthOf(lengths, b, T)) {
        zero(dGx + g, G);
        zero(dGh + g, G);
        continue;
      }
      gruCellBackward(H, gates + g, HN + o, Hprev + o, dY + o, dh + b * H, dGx + g, dGh + g);
    }
    stepGemm(false, B, H, G, dGh + t * G, T * G, Whh, 0.0f, dhStep, H);
    for (int64_t b = 0; b < B; b++) {
      if (t >= lengthOf(lengths, b, T)) continue;
      float* row = dh + b * H;
      const float* add = dhStep + b * H;
      for (int64_t j = 0; j < H; j++) row[j] += add[j];
    }
  }
  weightGradients(d.BT, d.I, H, G, X, Wih, Hprev, dGx, dGh, beta, dWih, dWhh, dbih, dbhh, dX);
  return info.Env().Undefined();
}
NB_EXPORT(gruBackward, gruBackwardBinding);

}  // namespace nb
