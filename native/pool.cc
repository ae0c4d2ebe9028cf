// 2-D max and average pooling over N·C independent H×W planes, matching lib/backend/js/pool.ts: k×k windows,
// padding at most k/2 (every window holds a real pixel), max ties to the first maximum, NaN wins, and the
// average divided by k² (PyTorch's count_include_pad = true).
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "check.h"
#include "export.h"
#include "kernels.h"
#include "max-pool-2x2.h"
#include "parallel.h"
#include "vec-math.h"

namespace nb {

namespace {

struct Pool {
  int64_t N, C, H, W, k, stride, pad, OH, OW;
  int64_t planes() const { return N * C; }
  int64_t in() const { return N * C * H * W; }
  int64_t out() const { return N * C * OH * OW; }
  // The rows (or columns) [lo, hi) of window o along an axis of `size` pixels.
  void span(int64_t o, int64_t size, int64_t& lo, int64_t& hi) const {
    const int64_t start = o * stride - pad;
    lo = std::max<int64_t>(start, 0);
    hi = std::min(start + k, size);
  }
};

// Reads N, C, H, W, k, stride, pad (positions 0…6) and checks that the windows fit, with the sizes' products.
Pool readPool(const Args& a, const char* fn) {
  Pool p{};
  p.N = a.size(0, "N");
  p.C = a.size(1, "C");
  p.H = a.size(2, "H");
  p.W = a.size(3, "W");
  p.k = a.size(4, "k");
  p.stride = a.size(5, "stride");
  p.pad = a.size(6, "pad");
  if (p.H < 1 || p.W < 1 || p.k < 1 || p.stride < 1) fail("ERR_INVALID_ARG", std::string(fn) + ": H, W, k and stride must be >= 1");
  if (2 * p.pad > p.k) fail("ERR_INVALID_ARG", std::string(fn) + ": pad must be at most half the window k");
  p.OH = windowOutput(fn, "H", p.H, p.k, p.stride, p.pad, 1);
  p.OW = windowOutput(fn, "W", p.W, p.k, p.stride, p.pad, 1);
  // argmax holds a pixel's index in its plane as an int32.
  if (product(fn, "H·W", p.H, p.W) > kMaxDim) fail("ERR_OVERFLOW", std::string(fn) + ": H·W is beyond 2^31 − 1");
  // The products the loops and lengths use, checked once here.
  product(fn, "N·C·H·W", product(fn, "N·C", p.N, p.C), p.H, p.W);
  product(fn, "N·C·OH·OW", product(fn, "N·C", p.N, p.C), p.OH, p.OW);
  return p;
}

// Planes per thread below which the max pools stay on one thread (parallel.h): a 28×28 plane takes ~0.2 µs.
constexpr int64_t kPlaneGrain = 64;

}  // namespace

Napi::Value maxPool2dForwardBinding(const Napi::CallbackInfo& info) {
  const char* fn = "maxPool2dForward";
  Args a(info, fn, 10);
  const Pool p = readPool(a, fn);
  const float* X = a.f32(7, "X", p.in());
  float* Y = a.f32(8, "Y", p.out());
  int32_t* argmax = a.i32(9, "argmax", p.out());
  parallelFor(p.planes(), kPlaneGrain, [&](int64_t first, int64_t last) {
    if (p.k == 2 && p.stride == 2 && p.pad == 0) {
      maxPool2x2Forward(Planes{p.planes(), p.H, p.W, p.OH, p.OW}, first, last, X, Y, argmax);
      return;
    }
    for (int64_t plane = first, o = first * p.OH * p.OW; plane < last; plane++) {
      const float* x = X + plane * p.H * p.W;
      for (int64_t oh = 0; oh < p.OH; oh++) {
        int64_t h0, h1;
        p.span(oh, p.H, h0, h1);
        for (int64_t ow = 0; ow < p.OW; ow++, o++) {
          int64_t w0, w1;
          p.span(ow, p.W, w0, w1);
          float best = -std::numeric_limits<float>::infinity();
          int64_t at = h0 * p.W + w0;
          for (int64_t h = h0; h < h1; h++) {
            for (int64_t w = w0; w < w1; w++) {
              const float v = x[h * p.W + w];
              if (v > best || std::isnan(v)) {
                best = v;
                at = h * p.W + w;
              }
            }
          }
          Y[o] = best;
          argmax[o] = static_cast<int32_t>(at);
        }
      }
    }
  });
  return info.Env().Undefined();
}
NB_EXPORT(maxPool2dForward, maxPool2dForwardBinding);

Napi::Value maxPool2dBackwardBinding(const Napi::CallbackInfo& info) {
  const char* fn = "maxPool2dBackward";
  Args a(info, fn, 10);
  const Pool p = readPool(a, fn);
  const float* dY = a.f32(7, "dY", p.out());
  const int32_t* argmax = a.i32(8, "argmax", p.out());
  float* dX = a.f32(9, "dX", p.in());
  const int64_t plane = p.H * p.W, per = p.OH * p.OW;
  // The indices address dX: all are checked before anything is written.
  for (int64_t i = 0; i < p.out(); i++) {
    if (argmax[i] < 0 || argmax[i] >= plane) {
      fail("ERR_INVALID_ARG", std::string(fn) + ": argmax[" + std::to_string(i) + "] = " + std::to_string(argmax[i]) +
                                  " is outside its H·W = " + std::to_string(plane) + " plane");
    }
  }
  parallelFor(p.planes(), kPlaneGrain, [&](int64_t first, int64_t last) {
    std::fill(dX + first * plane, dX + last * plane, 0.0f);
    for (int64_t pl = first, o = first * per; pl < last; pl++) {
      float* dx = dX + pl * plane;
      for (int64_t i = 0; i < per; i++, o++) dx[argmax[o]] += dY[o];
    }
  });
  return info.Env().Undefined();
}
NB_EXPORT(maxPool2dBackward, maxPool2dBackwardBinding);

Napi::Value avgPool2dForwardBinding(const Napi::CallbackInfo& info) {
  const char* fn = "avgPool2dForward";
  Args a(info, fn, 9);
  const Pool p = readPool(a, fn);
  const float* X = a.f32(7, "X", p.in());
  float* Y = a.f32(8, "Y", p.out());
  const double divisor = static_cast<double>(p.k * p.k);
  for (int64_t plane = 0, o = 0; plane < p.planes(); plane++) {
    const float* x = X + plane * p.H * p.W;
    for (int64_t oh = 0; oh < p.OH; oh++) {
      int64_t h0, h1;
      p.span(oh, p.H, h0, h1);
      for (int64_t ow = 0; ow < p.OW; ow++, o++) {
        int64_t w0, w1;
        p.span(ow, p.W, w0, w1);
        double s = 0.0;
        for (int64_t h = h0; h < h1; h++) {
          for (int64_t w = w0; w < w1; w++) s += x[h * p.W + w];
        }
        Y[o] = static_cast<float>(s / divisor);
      }
    }
  }
  return info.Env().Undefined();
}
NB_EXPORT(avgPool2dForward, avgPool2dForwardBinding);

Napi::Value avgPool2dBackwardBinding(const Napi::CallbackInfo& info) {
  const char* fn = "avgPool2dBackward";
  Args a(info, fn, 9);
  const Pool p = readPool(a, fn);
  const float* dY = a.f32(7, "dY", p.out());
  float* dX = a.f32(8, "dX", p.in());
  const double divisor = static_cast<double>(p.k * p.k);
  std::fill(dX, dX + p.in(), 0.0f);
  for (int64_t plane = 0, o = 0; plane < p.planes(); plane++) {
    float* dx = dX + plane * p.H * p.W;
    for (int64_t oh = 0; oh < p.OH; oh++) {
      int64_t h0, h1;
      p.span(oh, p.H, h0, h1);
      for (int64_t ow = 0; ow < p.OW; ow++, o++) {
        int64_t w0, w1;
        p.span(ow, p.W, w0, w1);
        // In double then rounded once per add, as the js specification's Float32Array += does.
        const double g = dY[o] / divisor;
        for (int64_t h = h0; h < h1; h++) {
          for (int64_t w = w0; w < w1; w++) dx[h * p.W + w] = static_cast<float>(dx[h * p.W + w] + g);
        }
      }
    }
  }
  return info.Env().Undefined();
}
NB_EXPORT(avgPool2dBackward, avgPool2dBackwardBinding);

}  // namespace nb
