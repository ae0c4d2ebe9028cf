// Gradient clipping's two passes, matching lib/backend/js/clip.ts: the norm's part of one tensor, and clamping by
// value. NaN is never hidden: it makes the sum (and the max) NaN, and clamp keeps it.
#include <cmath>
#include <string>

#include "check.h"
#include "export.h"

namespace nb {

// Arguments: n, p, X. Σ|X|^p in double (finite p > 0), max |X| for p = ∞.
Napi::Value powerSumBinding(const Napi::CallbackInfo& info) {
  const char* fn = "powerSum";
  Args a(info, fn, 3);
  const int64_t n = a.size(0, "n");
  const double p = a.anyNumber(1, "p");
  if (!(p > 0)) fail("ERR_INVALID_ARG", std::string(fn) + ": p must be > 0");
  const float* X = a.f32(2, "X", n);
  double s = 0.0;
  if (std::isinf(p)) {
    for (int64_t i = 0; i < n; i++) {
      const double v = std::fabs(static_cast<double>(X[i]));
      if (std::isnan(v)) return Napi::Number::New(info.Env(), NAN);
      if (v > s) s = v;
    }
  } else if (p == 2.0) {
    for (int64_t i = 0; i < n; i++) s += static_cast<double>(X[i]) * X[i];
  } else if (p == 1.0) {
    for (int64_t i = 0; i < n; i++) s += std::fabs(static_cast<double>(X[i]));
  } else {
    for (int64_t i = 0; i < n; i++) s += std::pow(std::fabs(static_cast<double>(X[i])), p);
  }
  return Napi::Number::New(info.Env(), s);
}
NB_EXPORT(powerSum, powerSumBinding);

// Arguments: n, lo, hi, X. X = min(max(X, lo), hi); NaN stays.
Napi::Value clampBinding(const Napi::CallbackInfo& info) {
  const char* fn = "clamp";
  Args a(info, fn, 4);
  const int64_t n = a.size(0, "n");
  const double lo = a.number(1, "lo"), hi = a.number(2, "hi");
  float* X = a.f32(3, "X", n);
  const float lo32 = static_cast<float>(lo), hi32 = static_cast<float>(hi);
  for (int64_t i = 0; i < n; i++) {
    const float v = X[i];
    X[i] = v < lo32 ? lo32 : (v > hi32 ? hi32 : v);  // a NaN fails both comparisons and stays
  }
  return info.Env().Undefined();
}
NB_EXPORT(clamp, clampBinding);

}  // namespace nb
