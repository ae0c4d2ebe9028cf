// Row-wise softmax and its backward. Stable: each row's max is subtracted before exp, so no row overflows
// whatever its magnitude; sums are accumulated in double.
#include <cmath>

#include "check.h"
#include "export.h"
#include "kernels.h"
#include "vec-math.h"

namespace nb {

NB_MULTIVERSION void expShifted(int64_t n, const float* X, float m, float* E) {
  const double md = m;
  for (int64_t j = 0; j < n; j++) E[j] = static_cast<float>(vexp(clampExpArg(static_cast<double>(X[j]) - md)));
}

namespace {

// Y may be X: the max is read before any element is overwritten, and each element is read before written.
void softmaxForward(int64_t M, int64_t N, const float* X, float* Y) {
  for (int64_t i = 0; i < M; i++) {
    const float* x = X + i * N;
    float* y = Y + i * N;
    float m = x[0];
    for (int64_t j = 1; j < N; j++) m = x[j] > m ? x[j] : m;
    expShifted(N, x, m, y);
    double s = 0.0;
    for (int64_t j = 0; j < N; j++) s += y[j];
    const float inv = static_cast<float>(1.0 / s);
    for (int64_t j = 0; j < N; j++) y[j] *= inv;
  }
}

// dX may be dY: the row's dot product is complete before dX is written.
void softmaxBackward(int64_t M, int64_t N, const float* Y, const float* dY, float* dX) {
  for (int64_t i = 0; i < M; i++) {
    const float* y = Y + i * N;
    const float* g = dY + i * N;
    float* d = dX + i * N;
    double dot = 0.0;
    for (int64_t j = 0; j < N; j++) dot += static_cast<double>(g[j]) * y[j];
    // In double: g − dot cancels when the row's gradient is nearly uniform.
    for (int64_t j = 0; j < N; j++) d[j] = static_cast<float>(y[j] * (g[j] - dot));
  }
}

// y = (x − m) − log Σ exp(x − m) in double, m the row's maximum; a row with a NaN is NaN throughout (as in PyTorch,
// and the js backend). Y may be X: the row's shift is complete before any element is written.
void logSoftmaxForward(int64_t M, int64_t N, const float* X, float* Y) {
  for (int64_t i = 0; i < M; i++) {
    const float* x = X + i * N;
    float* y = Y + i * N;
    double m = -INFINITY;
    bool nan = false;
    for (int64_t j = 0; j < N; j++) {
      if (x[j] > m)
        m = x[j];
      else if (std::isnan(x[j]))
        nan = true;
    }
    if (nan) m = NAN;
    double s = 0.0;
    for (int64_t j = 0; j < N; j++) s += std::exp(static_cast<double>(x[j]) - m);
    const double logS = std::log(s);  // (x − m) − log s: m + log s would lose log s beside a huge m
    for (int64_t j = 0; j < N; j++) y[j] = static_cast<float>((static_cast<double>(x[j]) - m) - logS);
  }
}

// dX = dY − exp(Y)·Σ dY per row; dX may be dY: the row's sum is complete before dX is written.
void logSoftmaxBackward(int64_t M, int64_t N, const float* Y, const float* dY, float* dX) {
  for (int64_t i = 0; i < M; i++) {
    const float* y = Y + i * N;
    const float* g = dY + i * N;
    float* d = dX + i * N;
    double sum = 0.0;
    for (int64_t j = 0; j < N; j++) sum += g[j];
    for (int64_t j = 0; j < N; j++) d[j] = static_cast<float>(g[j] - std::exp(static_cast<double>(y[j])) * sum);
  }
}

}  // namespace

Napi::Value softmaxForwardBinding(const Napi::CallbackInfo& info) {
  const char* fn = "softmaxForward";
  Args a(info, fn, 4);
  const int64_t M = a.size(0, "M"), N = a.size(1, "N");
  const int64_t mn = product(fn, "M·N", M, N);
  const float* X = a.f32(2, "X", mn);
  float* Y = a.f32(3, "Y", mn);
  if (N > 0) softmaxForward(M, N, X, Y);
  return info.Env().Undefined();
}
NB_EXPORT(softmaxForward, softmaxForwardBinding);

Napi::Value softmaxBackwardBinding(const Napi::CallbackInfo& info) {
  const char* fn = "softmaxBackward";
  Args a(info, fn, 5);
  const int64_t M = a.size(0, "M"), N = a.size(1, "N");
  const int64_t mn = product(fn, "M·N", M, N);
  const float* Y = a.f32(2, "Y", mn);
  const float* dY = a.f32(3, "dY", mn);
  float* dX = a.f32(4, "dX", mn);
  softmaxBackward(M, N, Y, dY, dX);
  return info.Env().Undefined();
}
NB_EXPORT(softmaxBackward, softmaxBackwardBinding);

Napi::Value logSoftmaxForwardBinding(const Napi::CallbackInfo& info) {
  const char* fn = "logSoftmaxForward";
  Args a(info, fn, 4);
  const int64_t M = a.size(0, "M"), N = a.size(1, "N");
  const int64_t mn = product(fn, "M·N", M, N);
  const float* X = a.f32(2, "X", mn);
  float* Y = a.f32(3, "Y", mn);
  if (N > 0) logSoftmaxForward(M, N, X, Y);
  return info.Env().Undefined();
}
NB_EXPORT(logSoftmaxForward, logSoftmaxForwardBinding);

Napi::Value logSoftmaxBackwardBinding(const Napi::CallbackInfo& info) {
  const char* fn = "logSoftmaxBackward";
  Args a(info, fn, 5);
  const int64_t M = a.size(0, "M"), N = a.size(1, "N");
  const int64_t mn = product(fn, "M·N", M, N);
  const float* Y = a.f32(2, "Y", mn);
  const float* dY = a.f32(3, "dY", mn);
  float* dX = a.f32(4, "dX", mn);
  logSoftmaxBackward(M, N, Y, dY, dX);
  return info.Env().Undefined();
}
NB_EXPORT(logSoftmaxBackward, logSoftmaxBackwardBinding);

}  // namespace nb
