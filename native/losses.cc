// Losses with their gradients, in one pass each: fused softmax + cross-entropy (integer labels or soft
// targets), binary cross-entropy on logits, mean squared error. Every loss is a mean accumulated in double.
#include <cmath>
#include <string>

#include "check.h"
#include "export.h"
#include "kernels.h"

namespace nb {

namespace {

// Writes exp(z − max) into p and returns the row's log-sum-exp (in double: lse − z is the loss, and at
// logits of magnitude 1000 a float lse would lose the digits that matter).
double rowExpAndLse(int64_t N, const float* z, float* p, double& sum) {
  float m = z[0];
  for (int64_t j = 1; j < N; j++) m = z[j] > m ? z[j] : m;
  expShifted(N, z, m, p);
  double s = 0.0;
  for (int64_t j = 0; j < N; j++) s += p[j];  // in order, apart from the vectorized exp (a sum would not vectorize)
  sum = s;
  return static_cast<double>(m) + std::log(s);
}

double softmaxCrossEntropy(int64_t M, int64_t N, const float* logits, const int32_t* labels, float* probs, float* dLogits) {
  if (M == 0) return 0.0;
  const double invM = 1.0 / static_cast<double>(M);
  double total = 0.0;
  for (int64_t i = 0; i < M; i++) {
    const float* z = logits + i * N;
    float* p = probs + i * N;
    float* d = dLogits + i * N;
    double s;
    const double lse = rowExpAndLse(N, z, p, s);
    const double invS = 1.0 / s;
    const int32_t label = labels[i];
    // p in double until stored: p − 1 for a confident row would otherwise keep only float p's last bits.
    for (int64_t j = 0; j < N; j++) {
      const double pj = p[j] * invS;
      p[j] = static_cast<float>(pj);
      d[j] = static_cast<float>((pj - (j == label ? 1.0 : 0.0)) * invM);
    }
    total += lse - z[label];
  }
  return total * invM;
}

double softmaxCrossEntropySoft(int64_t M, int64_t N, const float* logits, const float* targets, float* probs, float* dLogits) {
  if (M == 0) return 0.0;
  const double invM = 1.0 / static_cast<double>(M);
  double total = 0.0;
  for (int64_t i = 0; i < M; i++) {
    const float* z = logits + i * N;
    const float* t = targets + i * N;
    float* p = probs + i * N;
    float* d = dLogits + i * N;
    double s;
    const double lse = rowExpAndLse(N, z, p, s);
    const double invS = 1.0 / s;
    double tSum = 0.0, rowLoss = 0.0;
    for (int64_t j = 0; j < N; j++) {
      tSum += t[j];
      rowLoss += static_cast<double>(t[j]) * (lse - z[j]);
    }
    for (int64_t j = 0; j < N; j++) {
      const double pj = p[j] * invS;
      p[j] = static_cast<float>(pj);
      d[j] = static_cast<float>((pj * tSum - t[j]) * invM);
    }
    total += rowLoss;
  }
  return total * invM;
}

// dLogits may be logits itself: each element is read before it is written.
double sigmoidBce(int64_t n, const float* logits, const float* targets, float* dLogits) {
  if (n == 0) return 0.0;
  const double invN = 1.0 / static_cast<double>(n);
  double total = 0.0;
  for (int64_t i = 0; i < n; i++) {
    const float x = logits[i], t = targets[i];
    const float e = std::exp(-std::fabs(x));  // <= 1: never overflows
    total += static_cast<double>(x > 0.0f ? x : 0.0f) - static_cast<double>(x) * t + std::log1p(static_cast<double>(e));
    const double ed = e, sig = x >= 0.0f ? 1.0 / (1.0 + ed) : ed / (1.0 + ed);
    dLogits[i] = static_cast<float>((sig - t) * invN);
  }
  return total * invN;
}

// dPred may be pred itself.
double mse(int64_t n, const float* pred, const float* target, float* dPred) {
  if (n == 0) return 0.0;
  const double invN = 1.0 / static_cast<double>(n);
  double total = 0.0;
  for (int64_t i = 0; i < n; i++) {
    const float diff = pred[i] - target[i];
    total += static_cast<double>(diff) * diff;
    dPred[i] = static_cast<float>(2.0 * diff * invN);
  }
  return total * invN;
}

}  // namespace

Napi::Value softmaxCrossEntropyBinding(const Napi::CallbackInfo& info) {
  const char* fn = "softmaxCrossEntropy";
  Args a(info, fn, 6);
  const int64_t M = a.size(0, "M"), N = a.size(1, "N");
  if (M > 0 && N == 0) fail("ERR_SHAPE", std::string(fn) + ": N (classes) must be at least 1, got 0");
  const int64_t mn = product(fn, "M·N", M, N);
  const float* logits = a.f32(2, "logits", mn);
  const int32_t* labels = a.i32(3, "labels", M);
  float* probs = a.f32(4, "probs", mn);
  float* dLogits = a.f32(5, "dLogits", mn);
  // All labels first: a label out of range would index outside its row.
  for (int64_t i = 0; i < M; i++) {
    if (labels[i] < 0 || labels[i] >= N) {
      fail("ERR_LABEL", std::string(fn) + ": labels[" + std::to_string(i) + "] = " + std::to_string(labels[i]) + " is outside [0, " +
                            std::to_string(N) + ")");
    }
  }
  return Napi::Number::New(info.Env(), softmaxCrossEntropy(M, N, logits, labels, probs, dLogits));
}
NB_EXPORT(softmaxCrossEntropy, softmaxCrossEntropyBinding);

Napi::Value softmaxCrossEntropySoftBinding(const Napi::CallbackInfo& info) {
  const char* fn = "softmaxCrossEntropySoft";
  Args a(info, fn, 6);
  const int64_t M = a.size(0, "M"), N = a.size(1, "N");
  const int64_t mn = product(fn, "M·N", M, N);
  const float* logits = a.f32(2, "logits", mn);
  const float* targets = a.f32(3, "targets", mn);
  float* probs = a.f32(4, "probs", mn);
  float* dLogits = a.f32(5, "dLogits", mn);
  // With N == 0 every row is empty: the loss is 0 and nothing is written.
  if (N == 0) return Napi::Number::New(info.Env(), 0.0);
  return Napi::Number::New(info.Env(), softmaxCrossEntropySoft(M, N, logits, targets, probs, dLogits));
}
NB_EXPORT(softmaxCrossEntropySoft, softmaxCrossEntropySoftBinding);

Napi::Value sigmoidBceBinding(const Napi::CallbackInfo& info) {
  const char* fn = "sigmoidBce";
  Args a(info, fn, 4);
  const int64_t n = a.size(0, "n");
  const float* logits = a.f32(1, "logits", n);
  const float* targets = a.f32(2, "targets", n);
  float* dLogits = a.f32(3, "dLogits", n);
  return Napi::Number::New(info.Env(), sigmoidBce(n, logits, targets, dLogits));
}
NB_EXPORT(sigmoidBce, sigmoidBceBinding);

Napi::Value mseBinding(const Napi::CallbackInfo& info) {
  const char* fn = "mse";
  Args a(info, fn, 4);
  const int64_t n = a.size(0, "n");
  const float* pred = a.f32(1, "pred", n);
  const float* target = a.f32(2, "target", n);
  float* dPred = a.f32(3, "dPred", n);
  return Napi::Number::New(info.Env(), mse(n, pred, target, dPred));
}
NB_EXPORT(mse, mseBinding);

}  // namespace nb
