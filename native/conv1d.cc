// 1-D convolution over [N, C, L] lowered to sgemm, matching lib/backend/js/conv1d.ts: im2col copies each window of a
// row into one column of `cols` (rows ordered c, j like the O×C×k weight), so row n is one product
// Y_n (O×OW) = weight (O×K) · cols (K×OW), K = C·k. The batch loop runs here, in one crossing.
#include <algorithm>
#include <string>

#include "check.h"
#include "export.h"
#include "kernels.h"

namespace nb {

namespace {

struct Window1d {
  int64_t C, L, k, stride, pad, dilation, OW;
  int64_t K() const { return C * k; }
};

// cols[(c·k + j)·OW + o] = X[c, o·stride − pad + j·dilation], 0 in the padding.
void im2col1d(const Window1d& g, const float* X, float* cols) {
  float* dst = cols;
  for (int64_t c = 0; c < g.C; c++) {
    const float* row = X + c * g.L;
    for (int64_t j = 0; j < g.k; j++, dst += g.OW) {
      const int64_t offset = j * g.dilation - g.pad;  // row[offset + o·stride] is the value of column o
      for (int64_t o = 0; o < g.OW; o++) {
        const int64_t i = offset + o * g.stride;
        dst[o] = i >= 0 && i < g.L ? row[i] : 0.0f;
      }
    }
  }
}

// X = 0, then every entry of cols added back to the value it was copied from.
void col2im1d(const Window1d& g, const float* cols, float* X) {
  std::fill(X, X + g.C * g.L, 0.0f);
  const float* src = cols;
  for (int64_t c = 0; c < g.C; c++) {
    float* row = X + c * g.L;
    for (int64_t j = 0; j < g.k; j++, src += g.OW) {
      const int64_t offset = j * g.dilation - g.pad;
      for (int64_t o = 0; o < g.OW; o++) {
        const int64_t i = offset + o * g.stride;
        if (i >= 0 && i < g.L) row[i] += src[o];
      }
    }
  }
}

// Reads and checks C, L (at 1, 2) and k, stride, pad, dilation (at 4…7).
Window1d readWindow1d(const Args& a, const char* fn) {
  Window1d g{};
  g.C = a.size(1, "C");
  g.L = a.size(2, "L");
  g.k = a.size(4, "k");
  g.stride = a.size(5, "stride");
  g.pad = a.size(6, "pad");
  g.dilation = a.size(7, "dilation");
  if (g.k < 1 || g.stride < 1 || g.dilation < 1) fail("ERR_INVALID_ARG", std::string(fn) + ": k, stride and dilation must be >= 1");
  g.OW = windowOutput(fn, "L", g.L, g.k, g.stride, g.pad, g.dilation);
  if (product(fn, "C·k", g.C, g.k) > kMaxDim) fail("ERR_OVERFLOW", std::string(fn) + ": C·k is beyond 2^31 − 1");
  return g;
}

}  // namespace

// Arguments: N, C, L, O, k, stride, pad, dilation, X, weight, bias|null, cols, Y.
Napi::Value conv1dForwardBinding(const Napi::CallbackInfo& info) {
  const char* fn = "conv1dForward";
  Args a(info, fn, 13);
  const int64_t N = a.size(0, "N");
  const int64_t O = a.size(3, "O");
  const Window1d g = readWindow1d(a, fn);
  const int64_t K = g.K(), OW = g.OW;
  const int64_t cl = product(fn, "C·L", g.C, g.L), ow = product(fn, "O·OW", O, OW);
  const float* X = a.f32(8, "X", product(fn, "N·C·L", N, cl));
  const float* weight = a.f32(9, "weight", product(fn, "O·C·k", O, K));
  const float* bias = a.f32OrNull(10, "bias", O);
  float* cols = a.f32(11, "cols", product(fn, "C·k·OW", K, OW));
  float* Y = a.f32(12, "Y", product(fn, "N·O·OW", N, ow));
  for (int64_t n = 0; n < N; n++) {
    im2col1d(g, X + n * cl, cols);
    float* y = Y + n * ow;
    // Seeded with the bias, then the product accumulated: the bias is added to the rounded product (conv.cc's rule).
    if (bias != nullptr) {
      for (int64_t o = 0; o < O; o++) std::fill(y + o * OW, y + (o + 1) * OW, bias[o]);
    }
    sgemm(false, false, O, OW, K, 1.0f, weight, cols, bias != nullptr ? 1.0f : 0.0f, y);
  }
  return info.Env().Undefined();
}
NB_EXPORT(conv1dForward, conv1dForwardBinding);

// Arguments: N, C, L, O, k, stride, pad, dilation, X, weight, dY, cols, beta, dWeight, dBias|null, dX|null.
Napi::Value conv1dBackwardBinding(const Napi::CallbackInfo& info) {
  const char* fn = "conv1dBackward";
  Args a(info, fn, 16);
  const int64_t N = a.size(0, "N");
  const int64_t O = a.size(3, "O");
  const Window1d g = readWindow1d(a, fn);
  const int64_t K = g.K(), OW = g.OW;
  const int64_t cl = product(fn, "C·L", g.C, g.L), ow = product(fn, "O·OW", O, OW);
  const int64_t ncl = product(fn, "N·C·L", N, cl);
  const float* X = a.f32(8, "X", ncl);
  const float* weight = a.f32(9, "weight", product(fn, "O·C·k", O, K));
  const float* dY = a.f32(10, "dY", product(fn, "N·O·OW", N, ow));
  float* cols = a.f32(11, "cols", product(fn, "C·k·OW", K, OW));
  const double beta = a.number(12, "beta");
  float* dWeight = a.f32(13, "dWeight", product(fn, "O·C·k", O, K));
  float* dBias = a.f32OrNull(14, "dBias", O);
  float* dX = a.f32OrNull(15, "dX", ncl);

  if (dBias != nullptr) {
    for (int64_t o = 0; o < O; o++) {
      double s = 0.0;
      for (int64_t n = 0; n < N; n++) {
        const float* d = dY + n * ow + o * OW;
        for (int64_t p = 0; p < OW; p++) s += d[p];
      }
      dBias[o] = static_cast<float>(beta == 0.0 ? s : beta * dBias[o] + s);
    }
  }
  if (N == 0) {
    // No rows: dWeight = beta·dWeight, what the loop would have left.
    for (int64_t i = 0; i < O * K; i++) dWeight[i] = beta == 0.0 ? 0.0f : static_cast<float>(beta * dWeight[i]);
  }
  for (int64_t n = 0; n < N; n++) {
    const float* dy = dY + n * ow;
    im2col1d(g, X + n * cl, cols);
    // dWeight (O×K) += dY_n (O×OW) · colsᵀ (OW×K); the first row applies beta.
    sgemm(false, true, O, K, OW, 1.0f, dy, cols, n == 0 ? static_cast<float>(beta) : 1.0f, dWeight);
    if (dX != nullptr) {
      // cols (K×OW) = weightᵀ (K×O) · dY_n (O×OW), then summed back into row n.
      sgemm(true, false, K, OW, O, 1.0f, weight, dy, 0.0f, cols);
      col2im1d(g, cols, dX + n * cl);
    }
  }
  return info.Env().Undefined();
}
NB_EXPORT(conv1dBackward, conv1dBackwardBinding);

}  // namespace nb
