// 1-D max and average pooling over N·C independent rows of L values, matching lib/backend/js/pool1d.ts: windows of k,
// padding at most k/2 (every window holds a real value), max ties to the first maximum, NaN wins, and the average
// divided by k (PyTorch's count_include_pad = true). A global pool is the window k = stride = L.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "check.h"
#include "export.h"
#include "kernels.h"

namespace nb {

namespace {

struct Pool1d {
  int64_t N, C, L, k, stride, pad, OW;
  int64_t rows() const { return N * C; }
  int64_t in() const { return N * C * L; }
  int64_t out() const { return N * C * OW; }
  // The values [lo, hi) of window o.
  void span(int64_t o, int64_t& lo, int64_t& hi) const {
    const int64_t start = o * stride - pad;
    lo = std::max<int64_t>(start, 0);
    hi = std::min(start + k, L);
  }
};

// Reads N, C, L, k, stride, pad (positions 0…5) and checks that the windows fit, with the sizes' products.
Pool1d readPool1d(const Args& a, const char* fn) {
  Pool1d p{};
  p.N = a.size(0, "N");
  p.C = a.size(1, "C");
  p.L = a.size(2, "L");
  p.k = a.size(3, "k");
  p.stride = a.size(4, "stride");
  p.pad = a.size(5, "pad");
  if (p.L < 1 || p.k < 1 || p.stride < 1) fail("ERR_INVALID_ARG", std::string(fn) + ": L, k and stride must be >= 1");
  if (2 * p.pad > p.k) fail("ERR_INVALID_ARG", std::string(fn) + ": pad must be at most half the window k");
  p.OW = windowOutput(fn, "L", p.L, p.k, p.stride, p.pad, 1);
  product(fn, "N·C·L", p.N, p.C, p.L);
  product(fn, "N·C·OW", p.N, p.C, p.OW);
  return p;
}

}  // namespace

Napi::Value maxPool1dForwardBinding(const Napi::CallbackInfo& info) {
  const char* fn = "maxPool1dForward";
  Args a(info, fn, 9);
  const Pool1d p = readPool1d(a, fn);
  const float* X = a.f32(6, "X", p.in());
  float* Y = a.f32(7, "Y", p.out());
  int32_t* argmax = a.i32(8, "argmax", p.out());
  for (int64_t r = 0, o = 0; r < p.rows(); r++) {
    const float* x = X + r * p.L;
    for (int64_t w = 0; w < p.OW; w++, o++) {
      int64_t lo, hi;
      p.span(w, lo, hi);
      float best = -std::numeric_limits<float>::infinity();
      int64_t at = lo;
      for (int64_t i = lo; i < hi; i++) {
        const float v = x[i];
        if (v > best || std::isnan(v)) {
          best = v;
          at = i;
        }
      }
      Y[o] = best;
      argmax[o] = static_cast<int32_t>(at);  // < L <= 2^31 − 1
    }
  }
  return info.Env().Undefined();
}
NB_EXPORT(maxPool1dForward, maxPool1dForwardBinding);

Napi::Value maxPool1dBackwardBinding(const Napi::CallbackInfo& info) {
  const char* fn = "maxPool1dBackward";
  Args a(info, fn, 9);
  const Pool1d p = readPool1d(a, fn);
  const float* dY = a.f32(6, "dY", p.out());
  const int32_t* argmax = a.i32(7, "argmax", p.out());
  float* dX = a.f32(8, "dX", p.in());
  // The indices address dX: all are checked before anything is written.
  for (int64_t i = 0; i < p.out(); i++) {
    if (argmax[i] < 0 || argmax[i] >= p.L) {
      fail("ERR_INVALID_ARG", std::string(fn) + ": argmax[" + std::to_string(i) + "] = " + std::to_string(argmax[i]) +
                                  " is outside its row of L = " + std::to_string(p.L));
    }
  }
  std::fill(dX, dX + p.in(), 0.0f);
  for (int64_t r = 0, o = 0; r < p.rows(); r++) {
    float* dx = dX + r * p.L;
    for (int64_t w = 0; w < p.OW; w++, o++) dx[argmax[o]] += dY[o];
  }
  return info.Env().Undefined();
}
NB_EXPORT(maxPool1dBackward, maxPool1dBackwardBinding);

Napi::Value avgPool1dForwardBinding(const Napi::CallbackInfo& info) {
  const char* fn = "avgPool1dForward";
  Args a(info, fn, 8);
  const Pool1d p = readPool1d(a, fn);
  const float* X = a.f32(6, "X", p.in());
  float* Y = a.f32(7, "Y", p.out());
  const double divisor = static_cast<double>(p.k);
  for (int64_t r = 0, o = 0; r < p.rows(); r++) {
    const float* x = X + r * p.L;
    for (int64_t w = 0; w < p.OW; w++, o++) {
      int64_t lo, hi;
      p.span(w, lo, hi);
      double s = 0.0;
      for (int64_t i = lo; i < hi; i++) s += x[i];
      Y[o] = static_cast<float>(s / divisor);
    }
  }
  return info.Env().Undefined();
}
NB_EXPORT(avgPool1dForward, avgPool1dForwardBinding);

Napi::Value avgPool1dBackwardBinding(const Napi::CallbackInfo& info) {
  const char* fn = "avgPool1dBackward";
  Args a(info, fn, 8);
  const Pool1d p = readPool1d(a, fn);
  const float* dY = a.f32(6, "dY", p.out());
  float* dX = a.f32(7, "dX", p.in());
  const double divisor = static_cast<double>(p.k);
  std::fill(dX, dX + p.in(), 0.0f);
  for (int64_t r = 0, o = 0; r < p.rows(); r++) {
    float* dx = dX + r * p.L;
    for (int64_t w = 0; w < p.OW; w++, o++) {
      int64_t lo, hi;
      p.span(w, lo, hi);
      // In double then rounded once per add, as the js specification's Float32Array += does.
      const double g = dY[o] / divisor;
      for (int64_t i = lo; i < hi; i++) dx[i] = static_cast<float>(dx[i] + g);
    }
  }
  return info.Env().Undefined();
}
NB_EXPORT(avgPool1dBackward, avgPool1dBackwardBinding);

}  // namespace nb
