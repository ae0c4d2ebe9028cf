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

// The smooth-L1 family: mean of scale·h(d), h(d) = ½d²/beta when |d| < beta, else |d| − ½beta (beta 0: L1; scale =
// beta = delta: Huber). A NaN difference gives NaN. dPred may be pred itself.
double smoothL1(int64_t n, double beta, double scale, const float* pred, const float* target, float* dPred) {
  if (n == 0) return 0.0;
  const double invN = 1.0 / static_cast<double>(n);
  double total = 0.0;
  for (int64_t i = 0; i < n; i++) {
    const double d = static_cast<double>(pred[i]) - static_cast<double>(target[i]);
    const double a = std::fabs(d);
    if (a < beta) {
      total += 0.5 * d * d / beta;
      dPred[i] = static_cast<float>(scale * d / beta * invN);
    } else {
      total += a - 0.5 * beta;
      const double sign = d > 0.0 ? 1.0 : d < 0.0 ? -1.0 : d;  // sign(0) = 0, sign(NaN) = NaN
      dPred[i] = static_cast<float>(scale * sign * invN);
    }
  }
  return scale * total * invN;
}

// Integer labels with label smoothing eps and class weights w; divided by W = sum of the labels' weights.
double softmaxCrossEntropyWeighted(int64_t M, int64_t N, double smoothing, const float* logits, const int32_t* labels, const float* w,
                                   float* probs, float* dLogits) {
  if (M == 0) return 0.0;
  const double keep = 1.0 - smoothing, spread = smoothing / static_cast<double>(N);
  double weightSum = 0.0, W = 0.0;
  for (int64_t j = 0; j < N; j++) weightSum += w[j];
  for (int64_t i = 0; i < M; i++) W += w[labels[i]];
  const double invW = 1.0 / W;
  double total = 0.0;
  for (int64_t i = 0; i < M; i++) {
    const float* z = logits + i * N;
    float* p = probs + i * N;
    float* d = dLogits + i * N;
    double s;
    const double lse = rowExpAndLse(N, z, p, s);
    const double invS = 1.0 / s;
    const int32_t label = labels[i];
    const double wy = w[label];
    double smooth = 0.0;
    if (spread != 0.0)
      for (int64_t j = 0; j < N; j++) smooth += static_cast<double>(w[j]) * (lse - z[j]);
    total += keep * wy * (lse - z[label]) + spread * smooth;
    const double pScale = keep * wy + spread * weightSum;
    for (int64_t j = 0; j < N; j++) {
      const double pj = p[j] * invS;
      p[j] = static_cast<float>(pj);
      double g = pj * pScale - spread * w[j];
      if (j == label) g -= keep * wy;
      d[j] = static_cast<float>(g * invW);
    }
  }
  return total * invW;
}

// KL divergence, log-probability input, batchmean: sum of xlogy(t, t) − t·x over M·N, divided by M.
double klDivBatchmean(int64_t M, int64_t N, const float* input, const float* target, float* dInput) {
  if (M == 0) return 0.0;
  const double invM = 1.0 / static_cast<double>(M);
  double total = 0.0;
  for (int64_t i = 0; i < M * N; i++) {
    const double t = target[i];
    total += (t == 0.0 ? 0.0 : t * std::log(t)) - t * input[i];
    dInput[i] = static_cast<float>(-t * invM);
  }
  return total * invM;
}

// BCE on logits with a positive-class weight per column: (1 − t)·x + (1 + (w − 1)·t)·softplus(−x).
double sigmoidBceWeighted(int64_t M, int64_t N, const float* logits, const float* targets, const float* posWeight, float* dLogits) {
  const int64_t n = M * N;
  if (n == 0) return 0.0;
  const double invN = 1.0 / static_cast<double>(n);
  double total = 0.0;
  for (int64_t i = 0, j = 0; i < n; i++, j = j + 1 == N ? 0 : j + 1) {
    const double x = logits[i], t = targets[i];
    const double lw = 1.0 + (static_cast<double>(posWeight[j]) - 1.0) * t;
    const double e = std::exp(-std::fabs(x));  // <= 1: never overflows
    total += (1.0 - t) * x + lw * ((x < 0.0 ? -x : 0.0) + std::log1p(e));
    const double sigNeg = x >= 0.0 ? e / (1.0 + e) : 1.0 / (1.0 + e);  // sigmoid(−x)
    dLogits[i] = static_cast<float>((1.0 - t - lw * sigNeg) * invN);
  }
  return total * invN;
}

// Every label indexes its row of N logits: refused (ERR_LABEL) before any work when one is outside [0, N).
void checkLabels(const char* fn, int64_t M, int64_t N, const int32_t* labels) {
  for (int64_t i = 0; i < M; i++) {
    if (labels[i] < 0 || labels[i] >= N) {
      fail("ERR_LABEL", std::string(fn) + ": labels[" + std::to_string(i) + "] = " + std::to_string(labels[i]) + " is outside [0, " +
                            std::to_string(N) + ")");
    }
  }
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
  checkLabels(fn, M, N, labels);
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

Napi::Value smoothL1Binding(const Napi::CallbackInfo& info) {
  const char* fn = "smoothL1";
  Args a(info, fn, 6);
  const int64_t n = a.size(0, "n");
  const double beta = a.number(1, "beta"), scale = a.number(2, "scale");
  if (!(beta >= 0.0)) fail("ERR_INVALID_ARG", std::string(fn) + ": beta must be in [0, Infinity], got " + std::to_string(beta));
  if (!(scale > 0.0)) fail("ERR_INVALID_ARG", std::string(fn) + ": scale must be in (0, Infinity], got " + std::to_string(scale));
  const float* pred = a.f32(3, "pred", n);
  const float* target = a.f32(4, "target", n);
  float* dPred = a.f32(5, "dPred", n);
  return Napi::Number::New(info.Env(), smoothL1(n, beta, scale, pred, target, dPred));
}
NB_EXPORT(smoothL1, smoothL1Binding);

Napi::Value softmaxCrossEntropyWeightedBinding(const Napi::CallbackInfo& info) {
  const char* fn = "softmaxCrossEntropyWeighted";
  Args a(info, fn, 8);
  const int64_t M = a.size(0, "M"), N = a.size(1, "N");
  if (M > 0 && N == 0) fail("ERR_SHAPE", std::string(fn) + ": N (classes) must be at least 1, got 0");
  const double smoothing = a.number(2, "smoothing");
  if (!(smoothing >= 0.0 && smoothing <= 1.0))
    fail("ERR_INVALID_ARG", std::string(fn) + ": smoothing must be in [0, 1], got " + std::to_string(smoothing));
  const int64_t mn = product(fn, "M·N", M, N);
  const float* logits = a.f32(3, "logits", mn);
  const int32_t* labels = a.i32(4, "labels", M);
  const float* weights = a.f32(5, "weights", N);
  float* probs = a.f32(6, "probs", mn);
  float* dLogits = a.f32(7, "dLogits", mn);
  // All labels first: a label out of range would index outside its row and the weights.
  checkLabels(fn, M, N, labels);
  return Napi::Number::New(info.Env(), softmaxCrossEntropyWeighted(M, N, smoothing, logits, labels, weights, probs, dLogits));
}
NB_EXPORT(softmaxCrossEntropyWeighted, softmaxCrossEntropyWeightedBinding);

Napi::Value klDivBatchmeanBinding(const Napi::CallbackInfo& info) {
  const char* fn = "klDivBatchmean";
  Args a(info, fn, 5);
  const int64_t M = a.size(0, "M"), N = a.size(1, "N");
  const int64_t mn = product(fn, "M·N", M, N);
  const float* input = a.f32(2, "input", mn);
  const float* target = a.f32(3, "target", mn);
  float* dInput = a.f32(4, "dInput", mn);
  return Napi::Number::New(info.Env(), klDivBatchmean(M, N, input, target, dInput));
}
NB_EXPORT(klDivBatchmean, klDivBatchmeanBinding);

Napi::Value sigmoidBceWeightedBinding(const Napi::CallbackInfo& info) {
  const char* fn = "sigmoidBceWeighted";
  Args a(info, fn, 6);
  const int64_t M = a.size(0, "M"), N = a.size(1, "N");
  const int64_t mn = product(fn, "M·N", M, N);
  const float* logits = a.f32(2, "logits", mn);
  const float* targets = a.f32(3, "targets", mn);
  const float* posWeight = a.f32(4, "posWeight", N);
  float* dLogits = a.f32(5, "dLogits", mn);
  return Napi::Number::New(info.Env(), sigmoidBceWeighted(M, N, logits, targets, posWeight, dLogits));
}
NB_EXPORT(sigmoidBceWeighted, sigmoidBceWeightedBinding);

}  // namespace nb
