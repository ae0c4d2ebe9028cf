// Optimizer steps with PyTorch 1.13's update rules (torch.optim's single-tensor code paths), in place.
// Scalars that depend on the step (bias corrections, the decayed learning rate) are computed in double;
// the elementwise math is float, in PyTorch's order of operations. The gradient is never written: g is a
// local copy.
#include <atomic>
#include <cmath>
#include <cstring>
#include <string>

#include "check.h"
#include "export.h"
#include "parallel.h"
#include "vec-math.h"

namespace nb {

namespace {

// 1 when x is NaN or ±Infinity (exponent bits all ones): an integer test the compiler vectorizes. Every step counts
// the parameter values it leaves non-finite as it writes them and returns the count, so that fit catches diverging
// weights at the step that made them, with no second pass over the weights.
inline uint32_t notFinite(float x) {
  uint32_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  return (bits & 0x7f800000u) == 0x7f800000u;
}

// The loop for one combination of the step's switches, so that each loop the compiler vectorizes is branch-free.
template <bool kMomentum, bool kFirst, bool kNesterov>
NB_ALWAYS_INLINE uint32_t sgdLoop(int64_t n, float* param, const float* grad, float* buf, float lr, float momentum, float dampening,
                                  float wd) {
  uint32_t bad = 0;  // at most n < 2^31
  for (int64_t i = 0; i < n; i++) {
    float g = grad[i] + wd * param[i];
    if (kMomentum) {
      // The buffer starts as the first gradient itself (torch.clone(d_p)), not from zero.
      const float b = kFirst ? g : momentum * buf[i] + (1.0f - dampening) * g;
      buf[i] = b;
      g = kNesterov ? g + momentum * b : b;
    }
    param[i] -= lr * g;
    bad += notFinite(param[i]);
  }
  return bad;
}

NB_MULTIVERSION int64_t sgdStep(int64_t n, float* param, const float* grad, float* buf, int64_t step, float lr, float momentum,
                                float dampening, bool nesterov, float wd) {
  if (momentum == 0.0f) return sgdLoop<false, false, false>(n, param, grad, buf, lr, momentum, dampening, wd);
  if (step == 1) {
    return nesterov ? sgdLoop<true, true, true>(n, param, grad, buf, lr, momentum, dampening, wd)
                    : sgdLoop<true, true, false>(n, param, grad, buf, lr, momentum, dampening, wd);
  }
  return nesterov ? sgdLoop<true, false, true>(n, param, grad, buf, lr, momentum, dampening, wd)
                  : sgdLoop<true, false, false>(n, param, grad, buf, lr, momentum, dampening, wd);
}

NB_MULTIVERSION int64_t adamStep(int64_t n, float* param, const float* grad, float* m, float* v, float* vMax, int64_t step, double lr,
                                 double beta1, double beta2, float eps, double wd, bool decoupled) {
  uint32_t bad = 0;  // at most n < 2^31
  const double bc1 = 1.0 - std::pow(beta1, static_cast<double>(step));
  const double bc2 = 1.0 - std::pow(beta2, static_cast<double>(step));
  const float stepSize = static_cast<float>(lr / bc1);
  const float bc2Sqrt = static_cast<float>(std::sqrt(bc2));
  const float b1 = static_cast<float>(beta1), b2 = static_cast<float>(beta2);
  const float oneMinusB1 = static_cast<float>(1.0 - beta1), oneMinusB2 = static_cast<float>(1.0 - beta2);
  const float decay = static_cast<float>(1.0 - lr * wd);  // AdamW's decoupled shrink
  const float l2 = decoupled ? 0.0f : static_cast<float>(wd);
  for (int64_t i = 0; i < n; i++) {
    float p = param[i];
    if (decoupled) p *= decay;
    const float g = grad[i] + l2 * p;
    const float mi = b1 * m[i] + oneMinusB1 * g;
    float vi = b2 * v[i] + oneMinusB2 * g * g;
    m[i] = mi;
    v[i] = vi;
    if (vMax != nullptr) {
      vi = vMax[i] > vi ? vMax[i] : vi;
      vMax[i] = vi;
    }
    const float denom = std::sqrt(vi) / bc2Sqrt + eps;
    param[i] = p - stepSize * (mi / denom);
    bad += notFinite(param[i]);
  }
  return bad;
}

NB_MULTIVERSION int64_t rmspropStep(int64_t n, float* param, const float* grad, float* squareAvg, float* gradAvg, float* buf, float lr,
                                    float alpha, float eps, float wd, float momentum) {
  uint32_t bad = 0;  // at most n < 2^31
  const float oneMinusAlpha = 1.0f - alpha;
  for (int64_t i = 0; i < n; i++) {
    const float g = grad[i] + wd * param[i];
    const float sq = alpha * squareAvg[i] + oneMinusAlpha * g * g;
    squareAvg[i] = sq;
    float avg;
    if (gradAvg != nullptr) {
      const float ga = alpha * gradAvg[i] + oneMinusAlpha * g;
      gradAvg[i] = ga;
      avg = std::sqrt(sq - ga * ga) + eps;
    } else {
      avg = std::sqrt(sq) + eps;
    }
    if (buf != nullptr) {
      const float b = momentum * buf[i] + g / avg;
      buf[i] = b;
      param[i] -= lr * b;
      bad += notFinite(param[i]);
    } else {
      param[i] -= lr * (g / avg);
      bad += notFinite(param[i]);
    }
  }
  return bad;
}

NB_MULTIVERSION int64_t adagradStep(int64_t n, float* param, const float* grad, float* sum, int64_t step, double lr, double lrDecay,
                                    float wd, float eps) {
  uint32_t bad = 0;  // at most n < 2^31
  const float clr = static_cast<float>(lr / (1.0 + static_cast<double>(step - 1) * lrDecay));
  for (int64_t i = 0; i < n; i++) {
    const float g = grad[i] + wd * param[i];
    const float s = sum[i] + g * g;
    sum[i] = s;
    param[i] -= clr * (g / (std::sqrt(s) + eps));
    bad += notFinite(param[i]);
  }
  return bad;
}

NB_MULTIVERSION int64_t adadeltaStep(int64_t n, float* param, const float* grad, float* squareAvg, float* accDelta, float lr, float rho,
                                     float eps, float wd) {
  uint32_t bad = 0;  // at most n < 2^31
  const float oneMinusRho = 1.0f - rho;
  for (int64_t i = 0; i < n; i++) {
    const float g = grad[i] + wd * param[i];
    const float sq = rho * squareAvg[i] + oneMinusRho * g * g;
    squareAvg[i] = sq;
    const float delta = std::sqrt(accDelta[i] + eps) / std::sqrt(sq + eps) * g;
    accDelta[i] = rho * accDelta[i] + oneMinusRho * delta * delta;
    param[i] -= lr * delta;
    bad += notFinite(param[i]);
  }
  return bad;
}

NB_MULTIVERSION int64_t adamaxStep(int64_t n, float* param, const float* grad, float* expAvg, float* expInf, int64_t step, double lr,
                                   double beta1, double beta2, float eps, float wd) {
  uint32_t bad = 0;  // at most n < 2^31
  const float clr = static_cast<float>(lr / (1.0 - std::pow(beta1, static_cast<double>(step))));
  const float b1 = static_cast<float>(beta1), b2 = static_cast<float>(beta2), oneMinusB1 = static_cast<float>(1.0 - beta1);
  for (int64_t i = 0; i < n; i++) {
    const float g = grad[i] + wd * param[i];
    const float m = b1 * expAvg[i] + oneMinusB1 * g;
    expAvg[i] = m;
    const float a = b2 * expInf[i], b = std::fabs(g) + eps;
    const float u = (a > b || std::isnan(a)) ? a : b;  // torch.amax: NaN wins
    expInf[i] = u;
    param[i] -= clr * (m / u);
    bad += notFinite(param[i]);
  }
  return bad;
}

// mu_t = beta1 (1 - 0.5 * 0.96^(t * momentumDecay)) and the running product of mu_1..mu_t, recomputed from the step
// (stopping once 1 - product no longer changes), as js/optim.ts's nadamCoefficients.
NB_MULTIVERSION int64_t nadamStep(int64_t n, float* param, const float* grad, float* m, float* v, int64_t step, double lr, double beta1,
                                  double beta2, float eps, float wd, double momentumDecay) {
  uint32_t bad = 0;  // at most n < 2^31
  auto muAt = [&](double t) { return beta1 * (1.0 - 0.5 * std::pow(0.96, t * momentumDecay)); };
  double product = 1.0;
  for (int64_t t = 1; t <= step; t++) {
    product *= muAt(static_cast<double>(t));
    if (product < 1e-20) break;
  }
  const double mu = muAt(static_cast<double>(step)), muNext = muAt(static_cast<double>(step + 1));
  const double productNext = product * mu * muNext;  // PyTorch 1.13 multiplies mu in twice
  const float bc2 = static_cast<float>(1.0 - std::pow(beta2, static_cast<double>(step)));
  const float gradScale = static_cast<float>(lr * (1.0 - mu) / (1.0 - product));
  const float avgScale = static_cast<float>(lr * muNext / (1.0 - productNext));
  const float b1 = static_cast<float>(beta1), b2 = static_cast<float>(beta2);
  const float oneMinusB1 = static_cast<float>(1.0 - beta1), oneMinusB2 = static_cast<float>(1.0 - beta2);
  for (int64_t i = 0; i < n; i++) {
    const float g = grad[i] + wd * param[i];
    const float mi = b1 * m[i] + oneMinusB1 * g;
    const float vi = b2 * v[i] + oneMinusB2 * g * g;
    m[i] = mi;
    v[i] = vi;
    const float denom = std::sqrt(vi / bc2) + eps;
    float p = param[i] - gradScale * (g / denom);
    p -= avgScale * (mi / denom);
    param[i] = p;
    bad += notFinite(param[i]);
  }
  return bad;
}

}  // namespace

// Each element's update reads and writes only that element, so a step splits into steps over slices, one per thread
// (parallel.h). Slices of at least kStepGrain elements: waking a helper costs about what a slice of that size takes.
constexpr int64_t kStepGrain = 1 << 16;

// p + offset, or null when p is null (an optional state buffer).
inline float* at(float* p, int64_t offset) { return p == nullptr ? nullptr : p + offset; }

template <typename Step>
int64_t splitStep(int64_t n, Step step) {
  std::atomic<int64_t> bad{0};
  parallelFor(n, kStepGrain, [&](int64_t begin, int64_t end) { bad += step(begin, end - begin); });
  return bad.load();
}

// sgdStep(n, param, grad, momentumBuf | null, step, lr, momentum, dampening, nesterov, weightDecay)
Napi::Value sgdStepBinding(const Napi::CallbackInfo& info) {
  const char* fn = "sgdStep";
  Args a(info, fn, 10);
  const int64_t n = a.size(0, "n");
  float* param = a.f32(1, "param", n);
  const float* grad = a.f32(2, "grad", n);
  float* buf = a.f32OrNull(3, "momentumBuf", n);
  const int64_t step = a.step(4, "step");
  const double lr = a.number(5, "lr"), momentum = a.number(6, "momentum"), dampening = a.number(7, "dampening");
  const bool nesterov = a.boolean(8, "nesterov");
  const double wd = a.number(9, "weightDecay");
  if (momentum != 0 && buf == nullptr) fail("ERR_INVALID_ARG", std::string(fn) + ": momentumBuf is required when momentum is not 0");
  const int64_t bad = splitStep(n, [&](int64_t o, int64_t k) {
    return sgdStep(k, param + o, grad + o, at(buf, o), step, static_cast<float>(lr), static_cast<float>(momentum),
                   static_cast<float>(dampening), nesterov, static_cast<float>(wd));
  });
  return Napi::Number::New(info.Env(), static_cast<double>(bad));
}
NB_EXPORT(sgdStep, sgdStepBinding);

// adamStep(n, param, grad, m, v, vMax | null, step, lr, beta1, beta2, eps, weightDecay, decoupled, amsgrad)
Napi::Value adamStepBinding(const Napi::CallbackInfo& info) {
  const char* fn = "adamStep";
  Args a(info, fn, 14);
  const int64_t n = a.size(0, "n");
  float* param = a.f32(1, "param", n);
  const float* grad = a.f32(2, "grad", n);
  float* m = a.f32(3, "m", n);
  float* v = a.f32(4, "v", n);
  float* vMax = a.f32OrNull(5, "vMax", n);
  const int64_t step = a.step(6, "step");
  const double lr = a.number(7, "lr"), beta1 = a.number(8, "beta1"), beta2 = a.number(9, "beta2"), eps = a.number(10, "eps");
  const double wd = a.number(11, "weightDecay");
  const bool decoupled = a.boolean(12, "decoupled"), amsgrad = a.boolean(13, "amsgrad");
  if (amsgrad && vMax == nullptr) fail("ERR_INVALID_ARG", std::string(fn) + ": vMax is required when amsgrad is true");
  const int64_t bad = splitStep(n, [&](int64_t o, int64_t k) {
    return adamStep(k, param + o, grad + o, m + o, v + o, amsgrad ? vMax + o : nullptr, step, lr, beta1, beta2, static_cast<float>(eps), wd,
                    decoupled);
  });
  return Napi::Number::New(info.Env(), static_cast<double>(bad));
}
NB_EXPORT(adamStep, adamStepBinding);

// rmspropStep(n, param, grad, squareAvg, gradAvg | null, momentumBuf | null, lr, alpha, eps, weightDecay, momentum, centered)
Napi::Value rmspropStepBinding(const Napi::CallbackInfo& info) {
  const char* fn = "rmspropStep";
  Args a(info, fn, 12);
  const int64_t n = a.size(0, "n");
  float* param = a.f32(1, "param", n);
  const float* grad = a.f32(2, "grad", n);
  float* squareAvg = a.f32(3, "squareAvg", n);
  float* gradAvg = a.f32OrNull(4, "gradAvg", n);
  float* buf = a.f32OrNull(5, "momentumBuf", n);
  const double lr = a.number(6, "lr"), alpha = a.number(7, "alpha"), eps = a.number(8, "eps"), wd = a.number(9, "weightDecay");
  const double momentum = a.number(10, "momentum");
  const bool centered = a.boolean(11, "centered");
  if (centered && gradAvg == nullptr) fail("ERR_INVALID_ARG", std::string(fn) + ": gradAvg is required when centered is true");
  if (momentum > 0 && buf == nullptr) fail("ERR_INVALID_ARG", std::string(fn) + ": momentumBuf is required when momentum is not 0");
  const int64_t bad = splitStep(n, [&](int64_t o, int64_t k) {
    return rmspropStep(k, param + o, grad + o, squareAvg + o, centered ? gradAvg + o : nullptr, momentum > 0 ? buf + o : nullptr,
                       static_cast<float>(lr), static_cast<float>(alpha), static_cast<float>(eps), static_cast<float>(wd),
                       static_cast<float>(momentum));
  });
  return Napi::Number::New(info.Env(), static_cast<double>(bad));
}
NB_EXPORT(rmspropStep, rmspropStepBinding);

// adagradStep(n, param, grad, sum, step, lr, lrDecay, weightDecay, eps)
Napi::Value adagradStepBinding(const Napi::CallbackInfo& info) {
  const char* fn = "adagradStep";
  Args a(info, fn, 9);
  const int64_t n = a.size(0, "n");
  float* param = a.f32(1, "param", n);
  const float* grad = a.f32(2, "grad", n);
  float* sum = a.f32(3, "sum", n);
  const int64_t step = a.step(4, "step");
  const double lr = a.number(5, "lr"), lrDecay = a.number(6, "lrDecay"), wd = a.number(7, "weightDecay"), eps = a.number(8, "eps");
  const int64_t bad = splitStep(n, [&](int64_t o, int64_t k) {
    return adagradStep(k, param + o, grad + o, sum + o, step, lr, lrDecay, static_cast<float>(wd), static_cast<float>(eps));
  });
  return Napi::Number::New(info.Env(), static_cast<double>(bad));
}
NB_EXPORT(adagradStep, adagradStepBinding);

// adadeltaStep(n, param, grad, squareAvg, accDelta, lr, rho, eps, weightDecay)
Napi::Value adadeltaStepBinding(const Napi::CallbackInfo& info) {
  const char* fn = "adadeltaStep";
  Args a(info, fn, 9);
  const int64_t n = a.size(0, "n");
  float* param = a.f32(1, "param", n);
  const float* grad = a.f32(2, "grad", n);
  float* squareAvg = a.f32(3, "squareAvg", n);
  float* accDelta = a.f32(4, "accDelta", n);
  const double lr = a.number(5, "lr"), rho = a.number(6, "rho"), eps = a.number(7, "eps"), wd = a.number(8, "weightDecay");
  const int64_t bad = splitStep(n, [&](int64_t o, int64_t k) {
    return adadeltaStep(k, param + o, grad + o, squareAvg + o, accDelta + o, static_cast<float>(lr), static_cast<float>(rho),
                        static_cast<float>(eps), static_cast<float>(wd));
  });
  return Napi::Number::New(info.Env(), static_cast<double>(bad));
}
NB_EXPORT(adadeltaStep, adadeltaStepBinding);

// adamaxStep(n, param, grad, expAvg, expInf, step, lr, beta1, beta2, eps, weightDecay)
Napi::Value adamaxStepBinding(const Napi::CallbackInfo& info) {
  const char* fn = "adamaxStep";
  Args a(info, fn, 11);
  const int64_t n = a.size(0, "n");
  float* param = a.f32(1, "param", n);
  const float* grad = a.f32(2, "grad", n);
  float* expAvg = a.f32(3, "expAvg", n);
  float* expInf = a.f32(4, "expInf", n);
  const int64_t step = a.step(5, "step");
  const double lr = a.number(6, "lr"), beta1 = a.number(7, "beta1"), beta2 = a.number(8, "beta2"), eps = a.number(9, "eps");
  const double wd = a.number(10, "weightDecay");
  const int64_t bad = splitStep(n, [&](int64_t o, int64_t k) {
    return adamaxStep(k, param + o, grad + o, expAvg + o, expInf + o, step, lr, beta1, beta2, static_cast<float>(eps),
                      static_cast<float>(wd));
  });
  return Napi::Number::New(info.Env(), static_cast<double>(bad));
}
NB_EXPORT(adamaxStep, adamaxStepBinding);

// nadamStep(n, param, grad, m, v, step, lr, beta1, beta2, eps, weightDecay, momentumDecay)
Napi::Value nadamStepBinding(const Napi::CallbackInfo& info) {
  const char* fn = "nadamStep";
  Args a(info, fn, 12);
  const int64_t n = a.size(0, "n");
  float* param = a.f32(1, "param", n);
  const float* grad = a.f32(2, "grad", n);
  float* m = a.f32(3, "m", n);
  float* v = a.f32(4, "v", n);
  const int64_t step = a.step(5, "step");
  const double lr = a.number(6, "lr"), beta1 = a.number(7, "beta1"), beta2 = a.number(8, "beta2"), eps = a.number(9, "eps");
  const double wd = a.number(10, "weightDecay"), momentumDecay = a.number(11, "momentumDecay");
  const int64_t bad = splitStep(n, [&](int64_t o, int64_t k) {
    return nadamStep(k, param + o, grad + o, m + o, v + o, step, lr, beta1, beta2, static_cast<float>(eps), static_cast<float>(wd),
                     momentumDecay);
  });
  return Napi::Number::New(info.Env(), static_cast<double>(bad));
}
NB_EXPORT(nadamStep, nadamStepBinding);

}  // namespace nb
