// Layer normalization over the last dimension, matching lib/backend/js/layernorm.ts: per row, mean and biased variance
// in double (two passes), invStd = 1/sqrt(var + eps); the backward's per-column sums (dGamma, dBeta) run over the
// rows in order, in double, a block of columns at a time so each row's values are read contiguously.
#include <algorithm>
#include <cmath>

#include "check.h"
#include "export.h"

namespace nb {

namespace {

constexpr int64_t kColumnBlock = 16;

}  // namespace

// Arguments: M, N, X, gamma|null, beta|null, eps, mean, invStd, Y.
Napi::Value layerNormForwardBinding(const Napi::CallbackInfo& info) {
  const char* fn = "layerNormForward";
  Args a(info, fn, 9);
  const int64_t M = a.size(0, "M");
  const int64_t N = a.size(1, "N");
  const int64_t mn = product(fn, "M·N", M, N);
  const float* X = a.f32(2, "X", mn);
  const float* gamma = a.f32OrNull(3, "gamma", N);
  const float* beta = a.f32OrNull(4, "beta", N);
  const double eps = a.number(5, "eps");
  float* mean = a.f32(6, "mean", M);
  float* invStd = a.f32(7, "invStd", M);
  float* Y = a.f32(8, "Y", mn);
  for (int64_t r = 0; r < M; r++) {
    const float* x = X + r * N;
    float* y = Y + r * N;
    double sum = 0.0;
    for (int64_t j = 0; j < N; j++) sum += x[j];
    const double mu = sum / static_cast<double>(N);
    double squares = 0.0;
    for (int64_t j = 0; j < N; j++) {
      const double d = x[j] - mu;
      squares += d * d;
    }
    mean[r] = static_cast<float>(mu);
    invStd[r] = static_cast<float>(1.0 / std::sqrt(squares / static_cast<double>(N) + eps));
    // Normalized with the stored (float) statistics, which the backward pass sees too; in double, rounded once.
    const double m = mean[r], s = invStd[r];
    for (int64_t j = 0; j < N; j++) {
      const double xhat = (x[j] - m) * s;
      y[j] = static_cast<float>(xhat * (gamma != nullptr ? gamma[j] : 1.0f) + (beta != nullptr ? beta[j] : 0.0f));
    }
  }
  return info.Env().Undefined();
}
NB_EXPORT(layerNormForward, layerNormForwardBinding);

// Arguments: M, N, X, mean, invStd, gamma|null, dY, dX|null, dGamma|null, dBeta|null.
Napi::Value layerNormBackwardBinding(const Napi::CallbackInfo& info) {
  const char* fn = "layerNormBackward";
  Args a(info, fn, 10);
  const int64_t M = a.size(0, "M");
  const int64_t N = a.size(1, "N");
  const int64_t mn = product(fn, "M·N", M, N);
  const float* X = a.f32(2, "X", mn);
  const float* mean = a.f32(3, "mean", M);
  const float* invStd = a.f32(4, "invStd", M);
  const float* gamma = a.f32OrNull(5, "gamma", N);
  const float* dY = a.f32(6, "dY", mn);
  float* dX = a.f32OrNull(7, "dX", mn);
  float* dGamma = a.f32OrNull(8, "dGamma", N);
  float* dBeta = a.f32OrNull(9, "dBeta", N);

  // Column sums first: dX may be dY itself.
  if (dGamma != nullptr || dBeta != nullptr) {
    for (int64_t j0 = 0; j0 < N; j0 += kColumnBlock) {
      const int64_t width = std::min(kColumnBlock, N - j0);
      double sg[kColumnBlock] = {}, sb[kColumnBlock] = {};
      for (int64_t r = 0; r < M; r++) {
        const float* x = X + r * N + j0;
        const float* dy = dY + r * N + j0;
        const double m = mean[r], s = invStd[r];
        for (int64_t j = 0; j < width; j++) {
          sg[j] += static_cast<double>(dy[j]) * ((x[j] - m) * s);
          sb[j] += dy[j];
        }
      }
      for (int64_t j = 0; j < width; j++) {
        if (dGamma != nullptr) dGamma[j0 + j] = static_cast<float>(sg[j]);
        if (dBeta != nullptr) dBeta[j0 + j] = static_cast<float>(sb[j]);
      }
    }
  }
  if (dX == nullptr || N == 0) return info.Env().Undefined();
  for (int64_t r = 0; r < M; r++) {
    const float* x = X + r * N;
    const float* dy = dY + r * N;
    float* dx = dX + r * N;
    const double m = mean[r], s = invStd[r];
    double ga = 0.0, gb = 0.0;
    for (int64_t j = 0; j < N; j++) {
      const double g = static_cast<double>(dy[j]) * (gamma != nullptr ? gamma[j] : 1.0f);
      ga += g;
      gb += g * ((x[j] - m) * s);
    }
    ga /= static_cast<double>(N);
    gb /= static_cast<double>(N);
    for (int64_t j = 0; j < N; j++) {
      const double g = static_cast<double>(dy[j]) * (gamma != nullptr ? gamma[j] : 1.0f);
      dx[j] = static_cast<float>(s * (g - ga - (x[j] - m) * s * gb));
    }
  }
  return info.Env().Undefined();
}
NB_EXPORT(layerNormBackward, layerNormBackwardBinding);

}  // namespace nb
