// Convolution lowered to sgemm, matching lib/backend/js/conv.ts: im2col copies each kh×kw window of an image into
// one column of `cols` (rows ordered c, i, j like the O×C×kh×kw weight), so image n is one product
// Y_n (O×P) = weight (O×K) · cols (K×P), K = C·kh·kw, P = OH·OW. The batch loop runs here, in one crossing.
//
// With more than one thread configured, the batch is split over them (parallel.h) when each image's products are
// small enough for OpenBLAS to run on the calling thread (O·K·P < kSerialGemm, LeNet's layers): those products are
// too small for OpenBLAS to split, so without this a second core would not help the convolutions at all.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "check.h"
#include "conv-channels.h"
#include "conv-direct.h"
#include "export.h"
#include "kernels.h"
#include "parallel.h"
#include "vec-math.h"

namespace nb {

namespace {

// ⌈a / b⌉ for b > 0 and any sign of a (C++ division truncates toward zero).
int64_t ceilDiv(int64_t a, int64_t b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }

struct Window {
  int64_t C, H, W, kh, kw, stride, pad, dilation, OH, OW;
  int64_t K() const { return C * kh * kw; }
  int64_t P() const { return OH * OW; }
  // The output columns [lo, hi) whose input column ow·stride − pad + offset lies inside [0, size).
  void validRange(int64_t offset, int64_t size, int64_t count, int64_t& lo, int64_t& hi) const {
    lo = std::min(count, std::max<int64_t>(0, ceilDiv(pad - offset, stride)));
    hi = std::max(lo, std::min(count, ceilDiv(size + pad - offset, stride)));
  }
};

void im2col(const Window& g, const float* X, float* cols) {
  const int64_t OW = g.OW, P = g.P();
  float* dst = cols;
  for (int64_t c = 0; c < g.C; c++) {
    const float* plane = X + c * g.H * g.W;
    for (int64_t i = 0; i < g.kh; i++) {
      for (int64_t j = 0; j < g.kw; j++, dst += P) {
        int64_t lo, hi;
        g.validRange(j * g.dilation, g.W, OW, lo, hi);
        for (int64_t oh = 0; oh < g.OH; oh++) {
          float* out = dst + oh * OW;
          const int64_t ih = oh * g.stride - g.pad + i * g.dilation;
          if (ih < 0 || ih >= g.H) {
            std::fill(out, out + OW, 0.0f);
            continue;
          }
          const int64_t base = ih * g.W - g.pad + j * g.dilation;  // plane[base + ow·stride] is the pixel of column ow
          for (int64_t ow = 0; ow < lo; ow++) out[ow] = 0.0f;
          // Rows are short (OW = 10…28 in LeNet): plain loops the compiler vectorizes beat memcpy/fill calls here.
          if (g.stride == 1) {
            const float* src = plane + base + lo;  // the first real pixel of the row (never before the plane)
            float* dst = out + lo;
            for (int64_t k = 0; k < hi - lo; k++) dst[k] = src[k];
          } else {
            for (int64_t ow = lo; ow < hi; ow++) out[ow] = plane[base + ow * g.stride];
          }
          for (int64_t ow = hi; ow < OW; ow++) out[ow] = 0.0f;
        }
      }
    }
  }
}

// X = 0, then every entry of cols added back to the pixel it was copied from.
void col2im(const Window& g, const float* cols, float* X) {
  const int64_t OW = g.OW, P = g.P();
  std::fill(X, X + g.C * g.H * g.W, 0.0f);
  const float* src = cols;
  for (int64_t c = 0; c < g.C; c++) {
    float* plane = X + c * g.H * g.W;
    for (int64_t i = 0; i < g.kh; i++) {
      for (int64_t j = 0; j < g.kw; j++, src += P) {
        int64_t lo, hi;
        g.validRange(j * g.dilation, g.W, OW, lo, hi);
        for (int64_t oh = 0; oh < g.OH; oh++) {
          const int64_t ih = oh * g.stride - g.pad + i * g.dilation;
          if (ih < 0 || ih >= g.H) continue;
          const float* in = src + oh * OW;
          const int64_t base = ih * g.W - g.pad + j * g.dilation;
          if (g.stride == 1) {
            float* dst = plane + base + lo;  // the first real pixel of the row (never before the plane)
            const float* src = in + lo;
            for (int64_t k = 0; k < hi - lo; k++) dst[k] += src[k];
          } else {
            for (int64_t ow = lo; ow < hi; ow++) plane[base + ow * g.stride] += in[ow];
          }
        }
      }
    }
  }
}

// Whether the batch loop may run on several threads: every per-image product is one OpenBLAS keeps on its caller
// (sgemm's contract, kernels.h), with M > 1 (forward and dWeight: M = O; dX: M = K).
bool splitsBatch(int64_t O, int64_t K, int64_t P) {
  return O > 1 && K > 1 && static_cast<double>(O) * static_cast<double>(K) * static_cast<double>(P) < static_cast<double>(kSerialGemm);
}

// The im2col buffer of the range [begin, …): the caller's (from JavaScript) on the calling thread, which always runs
// the range starting at 0 (parallel.h); a helper thread's own, kept between calls so that steady state allocates
// nothing.
float* colsFor(int64_t begin, float* callerCols, int64_t size) {
  if (begin == 0) return callerCols;
  thread_local std::vector<float> own;
  if (static_cast<int64_t>(own.size()) < size) own.resize(static_cast<size_t>(size));
  return own.data();
}

// Values per channel below which the bias gradient's sums stay on one thread.
constexpr int64_t kBiasGrain = 1 << 15;

// Images per dWeight partial sum in the backward pass. The partials are added in order at the end, so dWeight does
// not depend on how many threads ran them.
constexpr int64_t kImagesPerPartial = 8;

// dBias[o] = beta·dBias[o] + Σ over images and pixels of dY's channel o, in double, for o in [first, last). Each
// image's pixels are summed in 8 running sums (pixel p into sum p mod 8), so the loop vectorizes instead of waiting on
// one addition after another (1 ms for LeNet's first layer); the order is fixed, so the bits do not depend on threads.
NB_MULTIVERSION void biasGrad(int64_t first, int64_t last, int64_t N, int64_t P, int64_t op, const float* dY, double beta, float* dBias) {
  for (int64_t o = first; o < last; o++) {
    double lanes[8] = {};
    for (int64_t n = 0; n < N; n++) {
      const float* d = dY + n * op + o * P;
      int64_t p = 0;
      for (; p + 8 <= P; p += 8) {
        for (int l = 0; l < 8; l++) lanes[l] += d[p + l];
      }
      for (int l = 0; p < P; p++, l++) lanes[l] += d[p];
    }
    const double s = ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
    dBias[o] = static_cast<float>(beta == 0.0 ? s : beta * dBias[o] + s);
  }
}

// The weights in tap-major order for channelForward, in this thread's buffer (kept between calls).
const float* tapMajor(int64_t O, int64_t K, const float* weight) {
  thread_local std::vector<float> wt;
  wt.resize(static_cast<size_t>(K * channelStride(O)));
  tapMajorWeights(O, K, weight, wt.data());
  return wt.data();
}

// The weights with the input channel last for rowInputGrad, in this thread's buffer (kept between calls).
const float* inputMajor(const DirectShape& s, int64_t O, const float* weight) {
  thread_local std::vector<float> wr;
  const int64_t CB = inputBlock(s);
  wr.resize(static_cast<size_t>(O * s.kh * s.kw * ((s.C + CB - 1) / CB * CB)));
  inputGradWeights(s, O, weight, wr.data());
  return wr.data();
}

bool allFinite(const float* x, int64_t n) {
  for (int64_t i = 0; i < n; i++) {
    if (!std::isfinite(x[i])) return false;
  }
  return true;
}

// Reads and checks C, H, W (at cAt, cAt+1, cAt+2) and kh, kw, stride, pad, dilation (at kAt…kAt+4).
Window readWindow(const Args& a, const char* fn, size_t cAt, size_t kAt) {
  Window g{};
  g.C = a.size(cAt, "C");
  g.H = a.size(cAt + 1, "H");
  g.W = a.size(cAt + 2, "W");
  g.kh = a.size(kAt, "kh");
  g.kw = a.size(kAt + 1, "kw");
  g.stride = a.size(kAt + 2, "stride");
  g.pad = a.size(kAt + 3, "pad");
  g.dilation = a.size(kAt + 4, "dilation");
  if (g.kh < 1 || g.kw < 1 || g.stride < 1 || g.dilation < 1)
    fail("ERR_INVALID_ARG", std::string(fn) + ": kh, kw, stride and dilation must be >= 1");
  g.OH = windowOutput(fn, "H", g.H, g.kh, g.stride, g.pad, g.dilation);
  g.OW = windowOutput(fn, "W", g.W, g.kw, g.stride, g.pad, g.dilation);
  // K and P are sgemm dimensions.
  if (product(fn, "C·kh·kw", g.C, g.kh, g.kw) > kMaxDim) fail("ERR_OVERFLOW", std::string(fn) + ": C·kh·kw is beyond 2^31 − 1");
  if (product(fn, "OH·OW", g.OH, g.OW) > kMaxDim) fail("ERR_OVERFLOW", std::string(fn) + ": OH·OW is beyond 2^31 − 1");
  return g;
}

}  // namespace

int64_t windowOutput(const char* fn, const char* axis, int64_t size, int64_t k, int64_t stride, int64_t pad, int64_t dilation) {
  // Every term is <= 2^31 − 1, so span (< 2^62) and size + 2·pad (< 2^33) fit in 64 bits.
  const int64_t span = dilation * (k - 1) + 1;
  const int64_t padded = size + 2 * pad;
  if (span > padded)
    fail("ERR_SHAPE",
         std::string(fn) + ": the window does not fit " + axis + " = " + std::to_string(size) + " with padding " + std::to_string(pad));
  const int64_t out = (padded - span) / stride + 1;
  if (out > kMaxDim) fail("ERR_OVERFLOW", std::string(fn) + ": the output size along " + axis + " is beyond 2^31 − 1");
  return out;
}

// Arguments: N, C, H, W, O, kh, kw, stride, pad, dilation, X, weight, bias|null, cols, Y.
Napi::Value conv2dForwardBinding(const Napi::CallbackInfo& info) {
  const char* fn = "conv2dForward";
  Args a(info, fn, 15);
  const int64_t N = a.size(0, "N");
  const int64_t O = a.size(4, "O");
  const Window g = readWindow(a, fn, 1, 5);
  const int64_t K = g.K(), P = g.P();
  const int64_t chw = product(fn, "C·H·W", g.C, g.H, g.W), op = product(fn, "O·OH·OW", O, P);
  const float* X = a.f32(10, "X", product(fn, "N·C·H·W", N, chw));
  const float* weight = a.f32(11, "weight", product(fn, "O·C·kh·kw", O, K));
  const float* bias = a.f32OrNull(12, "bias", O);
  float* cols = a.f32(13, "cols", product(fn, "C·kh·kw·OH·OW", K, P));
  float* Y = a.f32(14, "Y", product(fn, "N·O·OH·OW", N, op));
  const bool direct = directConv(g.stride, g.dilation, g.C, g.kh, g.kw, g.OW);
  const DirectShape ds{g.C, g.H, g.W, g.kh, g.kw, g.pad, g.OH, g.OW};
  const bool channels = !direct && channelConvFits(g.stride, g.dilation, O, K) && splitsBatch(O, K, P);
  const float* wt = channels ? tapMajor(O, K, weight) : nullptr;
  auto images = [&](int64_t begin, int64_t end) {
    if (direct) {
      for (int64_t n = begin; n < end; n++) directForward(ds, O, X + n * chw, weight, bias, Y + n * op);
      return;
    }
    if (channels) {
      for (int64_t n = begin; n < end; n++) channelForward(ds, O, X + n * chw, wt, bias, Y + n * op);
      return;
    }
    float* c = colsFor(begin, cols, K * P);
    for (int64_t n = begin; n < end; n++) {
      im2col(g, X + n * chw, c);
      float* y = Y + n * op;
      // Seeded with the bias, then the product accumulated (beta = 1): OpenBLAS adds its float accumulator to C, so the
      // bias is added to the rounded product, as PyTorch's addmm and the js specification do.
      if (bias != nullptr) {
        for (int64_t o = 0; o < O; o++) std::fill(y + o * P, y + (o + 1) * P, bias[o]);
      }
      sgemm(false, false, O, P, K, 1.0f, weight, c, bias != nullptr ? 1.0f : 0.0f, y);
    }
  };
  if (direct || channels || splitsBatch(O, K, P)) {
    parallelFor(N, 1, images);
  } else {
    images(0, N);
  }
  return info.Env().Undefined();
}
NB_EXPORT(conv2dForward, conv2dForwardBinding);

// Arguments: N, C, H, W, O, kh, kw, stride, pad, dilation, X, weight, dY, cols, beta, dWeight, dBias|null, dX|null.
Napi::Value conv2dBackwardBinding(const Napi::CallbackInfo& info) {
  const char* fn = "conv2dBackward";
  Args a(info, fn, 18);
  const int64_t N = a.size(0, "N");
  const int64_t O = a.size(4, "O");
  const Window g = readWindow(a, fn, 1, 5);
  const int64_t K = g.K(), P = g.P();
  const int64_t chw = product(fn, "C·H·W", g.C, g.H, g.W), op = product(fn, "O·OH·OW", O, P);
  const int64_t nchw = product(fn, "N·C·H·W", N, chw);
  const float* X = a.f32(10, "X", nchw);
  const float* weight = a.f32(11, "weight", product(fn, "O·C·kh·kw", O, K));
  const float* dY = a.f32(12, "dY", product(fn, "N·O·OH·OW", N, op));
  float* cols = a.f32(13, "cols", product(fn, "C·kh·kw·OH·OW", K, P));
  const double beta = a.number(14, "beta");
  float* dWeight = a.f32(15, "dWeight", product(fn, "O·C·kh·kw", O, K));
  float* dBias = a.f32OrNull(16, "dBias", O);
  float* dX = a.f32OrNull(17, "dX", nchw);

  if (dBias != nullptr) {
    // Each channel's sum is its own (in double, over every image in order): split by channel, the same bits.
    parallelFor(O, N * P >= kBiasGrain ? 1 : O, [&](int64_t first, int64_t last) { biasGrad(first, last, N, P, op, dY, beta, dBias); });
  }
  // dWeight (O×K) = beta·dWeight + Σ_n dY_n (O×P) · cols_nᵀ (P×K), summed in partials of kImagesPerPartial images
  // (partial t over images [8t, 8t + 8)), each on one thread, then added in order here, in double.
  const int64_t ok = O * K;
  const int64_t partials = (N + kImagesPerPartial - 1) / kImagesPerPartial;
  thread_local std::vector<float> sums;
  if (static_cast<int64_t>(sums.size()) < partials * ok) sums.resize(static_cast<size_t>(partials * ok));
  float* partialSums = sums.data();
  // The direct kernels serve the weight gradient of a layer whose input needs none (a network's first layer).
  const bool direct = dX == nullptr && directConv(g.stride, g.dilation, g.C, g.kh, g.kw, g.OW);
  const DirectShape ds{g.C, g.H, g.W, g.kh, g.kw, g.pad, g.OH, g.OW};
  // The channel kernels serve the weight gradient of small layers with many output channels, and the input gradient of
  // small layers whose weights are all finite (with an infinite weight, PyTorch's col2im leaves out products that the
  // row kernel would add as ∞·0 = NaN).
  const bool small = splitsBatch(O, K, P);
  const bool channels = !direct && small && channelConvFits(g.stride, g.dilation, O, K);
  const bool rowDX = dX != nullptr && small && rowInputGradFits(g.stride, g.dilation, g.W) && allFinite(weight, O * K);
  const float* wr = rowDX ? inputMajor(ds, O, weight) : nullptr;
  const int64_t S = channelStride(O);
  auto run = [&](int64_t begin, int64_t end) {
    if (direct) {
      thread_local std::vector<float> lanes;
      lanes.resize(static_cast<size_t>(ok * 8));
      for (int64_t t = begin; t < end; t++) {
        std::fill(lanes.begin(), lanes.end(), 0.0f);
        for (int64_t n = t * kImagesPerPartial; n < std::min(N, (t + 1) * kImagesPerPartial); n++)
          directWeightGrad(ds, O, X + n * chw, dY + n * op, lanes.data());
        sumLanes(ok, lanes.data(), partialSums + t * ok);
      }
      return;
    }
    float* c = channels && (dX == nullptr || rowDX) ? nullptr : colsFor(begin, cols, K * P);
    thread_local std::vector<float> tapSums;  // one partial's channel-kernel sums, K × S (tap-major)
    if (channels) tapSums.resize(static_cast<size_t>(K * S));
    for (int64_t t = begin; t < end; t++) {
      const int64_t first = t * kImagesPerPartial, last = std::min(N, first + kImagesPerPartial);
      float* partial = partialSums + t * ok;
      if (channels) std::fill(tapSums.begin(), tapSums.end(), 0.0f);
      for (int64_t n = first; n < last; n++) {
        const float* dy = dY + n * op;
        if (channels) {
          channelWeightGrad(ds, O, X + n * chw, dy, tapSums.data());
        } else {
          im2col(g, X + n * chw, c);
          sgemm(false, true, O, K, P, 1.0f, dy, c, n == first ? 0.0f : 1.0f, partial);
        }
        if (dX == nullptr) continue;
        if (rowDX) {
          rowInputGrad(ds, O, dy, wr, dX + n * chw);
        } else {
          // cols (K×P) = weightᵀ (K×O) · dY_n (O×P), then summed back into image n.
          sgemm(true, false, K, P, O, 1.0f, weight, dy, 0.0f, c);
          col2im(g, c, dX + n * chw);
        }
      }
      if (channels) {
        for (int64_t o = 0; o < O; o++) {
          for (int64_t k = 0; k < K; k++) partial[o * K + k] = tapSums[static_cast<size_t>(k * S + o)];
        }
      }
    }
  };
  if (direct || channels || rowDX || small) {
    parallelFor(partials, 1, run);
  } else {
    run(0, partials);
  }
  for (int64_t i = 0; i < ok; i++) {
    double s = 0.0;
    for (int64_t t = 0; t < partials; t++) s += partialSums[t * ok + i];
    dWeight[i] = static_cast<float>(beta == 0.0 ? s : beta * dWeight[i] + s);
  }
  return info.Env().Undefined();
}
NB_EXPORT(conv2dBackward, conv2dBackwardBinding);

}  // namespace nb
