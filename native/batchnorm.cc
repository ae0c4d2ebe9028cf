// Batch normalization over X laid out [M][C][S]: statistics per channel c over its M·S values. Two-pass mean
// and biased variance in double (one-pass E[x²] − E[x]² cancels badly when |mean| >> std).
#include <cmath>
#include <string>

#include "check.h"
#include "export.h"

namespace nb {

namespace {

void batchNormForward(int64_t M, int64_t C, int64_t S, const float* X, const float* gamma, const float* beta, double eps, bool training,
                      float* mean, float* invStd, float* Y) {
  const int64_t rowStride = C * S;
  for (int64_t c = 0; c < C; c++) {
    if (training) {
      const double count = static_cast<double>(M * S);
      double sum = 0.0;
      for (int64_t m = 0; m < M; m++) {
        const float* x = X + m * rowStride + c * S;
        for (int64_t s = 0; s < S; s++) sum += x[s];
      }
      const double mu = sum / count;
      double sq = 0.0;
      for (int64_t m = 0; m < M; m++) {
        const float* x = X + m * rowStride + c * S;
        for (int64_t s = 0; s < S; s++) {
          const double d = x[s] - mu;
          sq += d * d;
        }
      }
      mean[c] = static_cast<float>(mu);
      invStd[c] = static_cast<float>(1.0 / std::sqrt(sq / count + eps));
    }
    const float mu = mean[c], is = invStd[c], g = gamma[c], b = beta[c];
    for (int64_t m = 0; m < M; m++) {
      const float* x = X + m * rowStride + c * S;
      float* y = Y + m * rowStride + c * S;
      for (int64_t s = 0; s < S; s++) y[s] = (x[s] - mu) * is * g + b;
    }
  }
}

void batchNormBackward(int64_t M, int64_t C, int64_t S, const float* X, const float* mean, const float* invStd, const float* gamma,
                       const float* dY, float* dX, float* dGamma, float* dBeta) {
  const int64_t rowStride = C * S;
  const int64_t nc = M * S;
  for (int64_t c = 0; c < C; c++) {
    const float mu = mean[c], is = invStd[c];
    double sumDy = 0.0, sumDyXhat = 0.0;
    for (int64_t m = 0; m < M; m++) {
      const float* x = X + m * rowStride + c * S;
      const float* dy = dY + m * rowStride + c * S;
      for (int64_t s = 0; s < S; s++) {
        const float xhat = (x[s] - mu) * is;
        sumDy += dy[s];
        sumDyXhat += static_cast<double>(dy[s]) * xhat;
      }
    }
    dBeta[c] = static_cast<float>(sumDy);
    dGamma[c] = static_cast<float>(sumDyXhat);
    if (nc == 0) continue;  // no values: nothing in dX to write, and no 1/Nc
    const double k = static_cast<double>(gamma[c]) * is / static_cast<double>(nc);
    const double ncD = static_cast<double>(nc);
    for (int64_t m = 0; m < M; m++) {
      const float* x = X + m * rowStride + c * S;
      const float* dy = dY + m * rowStride + c * S;
      float* dx = dX + m * rowStride + c * S;
      for (int64_t s = 0; s < S; s++) {
        const double xhat = (x[s] - mu) * is;
        dx[s] = static_cast<float>(k * (ncD * dy[s] - sumDy - xhat * sumDyXhat));
      }
    }
  }
}

}  // namespace

Napi::Value batchNormForwardBinding(const Napi::CallbackInfo& info) {
  const char* fn = "batchNormForward";
  Args a(info, fn, 11);
  const int64_t M = a.size(0, "M"), C = a.size(1, "C"), S = a.size(2, "S");
  const int64_t total = product(fn, "M·C·S", M, C, S);
  const float* X = a.f32(3, "X", total);
  const float* gamma = a.f32(4, "gamma", C);
  const float* beta = a.f32(5, "beta", C);
  const double eps = a.number(6, "eps");
  const bool training = a.boolean(7, "training");
  float* mean = a.f32(8, "mean", C);
  float* invStd = a.f32(9, "invStd", C);
  float* Y = a.f32(10, "Y", total);
  if (eps < 0) fail("ERR_INVALID_ARG", std::string(fn) + ": eps must be >= 0");
  const int64_t perChannel = product(fn, "M·S", M, S);
  if (training && perChannel < 2 && C > 0) {
    fail("ERR_SHAPE",
         std::string(fn) + ": training statistics need more than one value per channel, got M·S = " + std::to_string(perChannel));
  }
  batchNormForward(M, C, S, X, gamma, beta, eps, training, mean, invStd, Y);
  return info.Env().Undefined();
}
NB_EXPORT(batchNormForward, batchNormForwardBinding);

Napi::Value batchNormBackwardBinding(const Napi::CallbackInfo& info) {
  const char* fn = "batchNormBackward";
  Args a(info, fn, 11);
  const int64_t M = a.size(0, "M"), C = a.size(1, "C"), S = a.size(2, "S");
  const int64_t total = product(fn, "M·C·S", M, C, S);
  const float* X = a.f32(3, "X", total);
  const float* mean = a.f32(4, "mean", C);
  const float* invStd = a.f32(5, "invStd", C);
  const float* gamma = a.f32(6, "gamma", C);
  const float* dY = a.f32(7, "dY", total);
  float* dX = a.f32(8, "dX", total);
  float* dGamma = a.f32(9, "dGamma", C);
  float* dBeta = a.f32(10, "dBeta", C);
  batchNormBackward(M, C, S, X, mean, invStd, gamma, dY, dX, dGamma, dBeta);
  return info.Env().Undefined();
}
NB_EXPORT(batchNormBackward, batchNormBackwardBinding);

}  // namespace nb
