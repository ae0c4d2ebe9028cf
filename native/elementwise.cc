// Elementwise helpers for the graph: axpy, scale, addScalar, fill, copy, mul, sum. Plain loops that -O3 vectorizes;
// outputs may be the very same array as an input (never a partial overlap: TypeScript refuses those).
#include <algorithm>
#include <cstring>

#include "check.h"
#include "export.h"

namespace nb {

namespace {

// Σ X in double. Eight independent partial sums let the compiler vectorize the float→double adds (a single
// accumulator is a serial dependency chain it may not reorder); in double the different order changes
// nothing that a float result can show.
double sumDouble(int64_t n, const float* X) {
  double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    for (int k = 0; k < 8; k++) acc[k] += X[i + k];
  }
  double total = 0.0;
  for (; i < n; i++) total += X[i];
  for (int k = 0; k < 8; k++) total += acc[k];
  return total;
}

}  // namespace

Napi::Value axpyBinding(const Napi::CallbackInfo& info) {
  Args a(info, "axpy", 4);
  const int64_t n = a.size(0, "n");
  const float alpha = static_cast<float>(a.number(1, "alpha"));
  const float* X = a.f32(2, "X", n);
  float* Y = a.f32(3, "Y", n);
  for (int64_t i = 0; i < n; i++) Y[i] += alpha * X[i];
  return info.Env().Undefined();
}
NB_EXPORT(axpy, axpyBinding);

Napi::Value scaleBinding(const Napi::CallbackInfo& info) {
  Args a(info, "scale", 3);
  const int64_t n = a.size(0, "n");
  const float alpha = static_cast<float>(a.number(1, "alpha"));
  float* X = a.f32(2, "X", n);
  for (int64_t i = 0; i < n; i++) X[i] *= alpha;
  return info.Env().Undefined();
}
NB_EXPORT(scale, scaleBinding);

Napi::Value addScalarBinding(const Napi::CallbackInfo& info) {
  Args a(info, "addScalar", 3);
  const int64_t n = a.size(0, "n");
  const float value = static_cast<float>(a.anyNumber(1, "value"));  // NaN and ±Infinity propagate
  float* X = a.f32(2, "X", n);
  for (int64_t i = 0; i < n; i++) X[i] += value;
  return info.Env().Undefined();
}
NB_EXPORT(addScalar, addScalarBinding);

Napi::Value fillBinding(const Napi::CallbackInfo& info) {
  Args a(info, "fill", 3);
  const int64_t n = a.size(0, "n");
  const float value = static_cast<float>(a.anyNumber(1, "value"));  // NaN and ±Infinity are legitimate fills
  float* X = a.f32(2, "X", n);
  std::fill(X, X + n, value);
  return info.Env().Undefined();
}
NB_EXPORT(fill, fillBinding);

Napi::Value copyBinding(const Napi::CallbackInfo& info) {
  Args a(info, "copy", 3);
  const int64_t n = a.size(0, "n");
  const float* X = a.f32(1, "X", n);
  float* Y = a.f32(2, "Y", n);
  if (n > 0 && X != Y) std::memmove(Y, X, static_cast<size_t>(n) * sizeof(float));
  return info.Env().Undefined();
}
NB_EXPORT(copy, copyBinding);

Napi::Value mulBinding(const Napi::CallbackInfo& info) {
  Args a(info, "mul", 4);
  const int64_t n = a.size(0, "n");
  const float* X = a.f32(1, "X", n);
  const float* Y = a.f32(2, "Y", n);
  float* Z = a.f32(3, "Z", n);
  for (int64_t i = 0; i < n; i++) Z[i] = X[i] * Y[i];
  return info.Env().Undefined();
}
NB_EXPORT(mul, mulBinding);

Napi::Value sumBinding(const Napi::CallbackInfo& info) {
  Args a(info, "sum", 2);
  const int64_t n = a.size(0, "n");
  const float* X = a.f32(1, "X", n);
  return Napi::Number::New(info.Env(), sumDouble(n, X));
}
NB_EXPORT(sum, sumBinding);

}  // namespace nb
