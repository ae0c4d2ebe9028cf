// Elementwise activations and their derivatives, PyTorch's definitions (see the contract). One loop per kind,
// the switch outside, so every loop vectorizes. Every formula stays finite at ±1000: the exponentials
// only ever see a non-positive argument or are guarded by a threshold.
// The transcendental kinds compute in double and round once on store, like the js backend (the
// specification): near saturation (|y| → 1) the backward g·(1 − y²) turns one float ulp of y into 5e-4
// relative, so PyTorch's values are matched only with correctly rounded y. A float polynomial would be 1–2
// ulp off; the double exp/expm1 of vec-math.h is not, and vectorizes where libm calls do not (0.1 → ~1 G/s).
// Those loops are compiled three times (NB_MULTIVERSION): for any x86-64, AVX2+FMA and AVX-512, picked at load.
#include <cmath>
#include <cstring>

#include "check.h"
#include "export.h"
#include "kernels.h"
#include "vec-math.h"

namespace nb {

namespace {

void copyIfDistinct(int64_t n, const float* from, float* to) {
  if (from != to && n > 0) std::memmove(to, from, static_cast<size_t>(n) * sizeof(float));
}

// Y may alias X (in place), so no __restrict here; GCC checks the overlap at run time and vectorizes.
NB_MULTIVERSION void sigmoidForward(int64_t n, const float* X, float* Y) {
  for (int64_t i = 0; i < n; i++) {
    // exp(-|x|) <= 1 never overflows; the two forms are the same function on either side of 0.
    const double x = X[i], e = vexp(clampExpArg(-std::fabs(x)));
    Y[i] = static_cast<float>(x >= 0.0 ? 1.0 / (1.0 + e) : e / (1.0 + e));
  }
}

NB_MULTIVERSION void tanhForward(int64_t n, const float* X, float* Y) {
  for (int64_t i = 0; i < n; i++) {
    // tanh|x| = −m/(2 + m) with m = expm1(−2|x|): no cancellation near 0, and m → −1 (tanh → 1) for large |x|.
    const double x = X[i], m = vexpm1(clampExpArg(-2.0 * std::fabs(x)));
    Y[i] = static_cast<float>(std::copysign(-m / (2.0 + m), x));
  }
}

NB_MULTIVERSION void eluForward(float alpha, int64_t n, const float* X, float* Y) {
  for (int64_t i = 0; i < n; i++) {
    const float x = X[i];
    const double neg = static_cast<double>(alpha) * vexpm1(clampExpArg(x));
    Y[i] = x > 0.0f ? x : static_cast<float>(neg);
  }
}

// From X, not Y: alpha·exp(x) = y + alpha cancels badly when y is close to -alpha.
NB_MULTIVERSION void eluBackward(float alpha, int64_t n, const float* X, const float* dY, float* dX) {
  for (int64_t i = 0; i < n; i++) {
    const float x = X[i], g = dY[i];
    const double neg = static_cast<double>(g) * alpha * vexp(clampExpArg(x));
    dX[i] = x <= 0.0f ? static_cast<float>(neg) : g;  // at NaN: g, as in PyTorch
  }
}

// softplus(x) = max(x, 0) + log1p(exp(−|x|)): the same function as PyTorch's log1p(exp(x)), with log1p's
// argument in [0, 1] (vlog1pUnit's range) and no overflow.
NB_MULTIVERSION void softplusForward(int64_t n, const float* X, float* Y) {
  for (int64_t i = 0; i < n; i++) {
    const float x = X[i];
    const double xd = x;
    const double y = (xd > 0.0 ? xd : 0.0) + vlog1pUnit(vexp(clampExpArg(-std::fabs(xd))));
    Y[i] = x > 20.0f ? x : static_cast<float>(y);
  }
}

NB_MULTIVERSION void softplusBackward(int64_t n, const float* X, const float* dY, float* dX) {
  for (int64_t i = 0; i < n; i++) {
    const float x = X[i], g = dY[i];
    const double z = vexp(clampExpArg(x));  // x > 20 takes the other branch, so no overflow matters
    dX[i] = x > 20.0f ? g : static_cast<float>(g * z / (z + 1.0));
  }
}

// The kinds added in 0.x (GELU, SiLU, SELU, Mish, softsign, hardsigmoid, relu6) compute in double with libm, as the
// js backend does, and round once. They are not vectorized (libm calls); the comparisons are written so that NaN
// takes the branch PyTorch's takes (NaN in, NaN out; each gradient at NaN is PyTorch's).
constexpr double kSqrt1_2 = 0.70710678118654752440;
constexpr double kInvSqrt2Pi = 0.39894228040143267794;
constexpr double kGeluK = 0.79788456080286535588;  // √(2/π)
constexpr double kGeluC = 0.044715;
constexpr double kSeluAlpha = 1.6732632423543772848170429916717;
constexpr double kSeluScale = 1.0507009873554804934193349852946;

double sigmoid64(double x) {
  const double e = std::exp(-std::fabs(x));
  return x >= 0.0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
}
// Φ(x) = erfc(−x/√2)/2: relative accuracy in the far negative tail too.
double normalCdf(double x) { return 0.5 * std::erfc(-x * kSqrt1_2); }
double softplusExact(double x) { return (x > 0.0 ? x : 0.0) + std::log1p(std::exp(-std::fabs(x))); }

void moreForward(int kind, int64_t n, const float* X, float* Y) {
  for (int64_t i = 0; i < n; i++) {
    const double x = X[i];
    double y = 0.0;
    switch (kind) {
      case kGelu:
        y = x * normalCdf(x);
        break;
      case kGeluTanh:
        y = x * sigmoid64(2.0 * kGeluK * (x + kGeluC * x * x * x));
        break;
      case kSilu:
        y = x * sigmoid64(x);
        break;
      case kSelu:
        y = kSeluScale * (x > 0.0 ? x : kSeluAlpha * std::expm1(x));
        break;
      case kMish:
        y = x * std::tanh(softplusExact(x));
        break;
      case kSoftsign:
        y = x / (1.0 + std::fabs(x));
        break;
      case kHardsigmoid:
        y = x <= -3.0 ? 0.0 : x >= 3.0 ? 1.0 : (x + 3.0) / 6.0;
        break;
      case kRelu6:
        y = x <= 0.0 ? 0.0 : x >= 6.0 ? 6.0 : x;
        break;
    }
    Y[i] = static_cast<float>(y);
  }
}

void moreBackward(int kind, int64_t n, const float* X, const float* dY, float* dX) {
  for (int64_t i = 0; i < n; i++) {
    const double x = X[i], g = dY[i];
    double d = 0.0;
    switch (kind) {
      case kGelu:
        d = g * (normalCdf(x) + x * kInvSqrt2Pi * std::exp(-0.5 * x * x));
        break;
      case kGeluTanh: {
        // d/dx x·σ(2u) = σ(2u) + 2x·σ(2u)·σ(−2u)·u', u' = √(2/π)·(1 + 3·0.044715x²).
        const double u2 = 2.0 * kGeluK * (x + kGeluC * x * x * x), s = sigmoid64(u2);
        d = g * (s + 2.0 * x * s * sigmoid64(-u2) * kGeluK * (1.0 + 3.0 * kGeluC * x * x));
        break;
      }
      case kSilu: {
        const double s = sigmoid64(x);
        d = g * s * (1.0 + x * sigmoid64(-x));
        break;
      }
      case kSelu:
        d = x <= 0.0 ? g * kSeluScale * kSeluAlpha * std::exp(x) : g * kSeluScale;
        break;
      case kMish: {
        const double t = std::tanh(softplusExact(x));
        d = g * (t + x * sigmoid64(x) * (1.0 - t * t));
        break;
      }
      case kSoftsign: {
        const double q = 1.0 + std::fabs(x);
        d = g / (q * q);
        break;
      }
      case kHardsigmoid:
        d = x > -3.0 && x < 3.0 ? g / 6.0 : 0.0;
        break;
      case kRelu6:
        d = x <= 0.0 || x >= 6.0 ? 0.0 : g;
        break;
    }
    dX[i] = static_cast<float>(d);
  }
}

}  // namespace

void activationForward(int kind, float param, int64_t n, const float* X, float* Y) {
  switch (kind) {
    case kLinear:
      copyIfDistinct(n, X, Y);
      break;
    case kSigmoid:
      sigmoidForward(n, X, Y);
      break;
    case kTanh:
      tanhForward(n, X, Y);
      break;
    case kRelu:
      // x <= 0 ? 0 : x: NaN stays NaN and −0 becomes 0, as in PyTorch.
      for (int64_t i = 0; i < n; i++) Y[i] = X[i] <= 0.0f ? 0.0f : X[i];
      break;
    case kLeakyRelu:
      for (int64_t i = 0; i < n; i++) Y[i] = X[i] > 0.0f ? X[i] : param * X[i];
      break;
    case kElu:
      eluForward(param, n, X, Y);
      break;
    case kSoftplus:
      // PyTorch's threshold 20: above it log1p(exp(x)) == x in float.
      softplusForward(n, X, Y);
      break;
    default:
      moreForward(kind, n, X, Y);
      break;
  }
}

void activationBackward(int kind, float param, int64_t n, const float* X, const float* Y, const float* dY, float* dX) {
  switch (kind) {
    case kLinear:
      copyIfDistinct(n, dY, dX);
      break;
    case kSigmoid:
      for (int64_t i = 0; i < n; i++) {
        const double y = Y[i];
        dX[i] = static_cast<float>(dY[i] * y * (1.0 - y));
      }
      break;
    case kTanh:
      for (int64_t i = 0; i < n; i++) {
        const double y = Y[i];
        dX[i] = static_cast<float>(dY[i] * (1.0 - y * y));
      }
      break;
    // dY[i] is loaded unconditionally: a load under a condition cannot be speculated, and would keep
    // these loops from vectorizing (4 → 0.2 G elements/s with random signs).
    case kRelu:
      for (int64_t i = 0; i < n; i++) {
        const float g = dY[i];
        dX[i] = X[i] <= 0.0f ? 0.0f : g;  // at NaN the gradient passes, as in PyTorch
      }
      break;
    case kLeakyRelu:
      for (int64_t i = 0; i < n; i++) {
        const float g = dY[i];
        dX[i] = X[i] > 0.0f ? g : g * param;
      }
      break;
    case kElu:
      eluBackward(param, n, X, dY, dX);
      break;
    case kSoftplus:
      softplusBackward(n, X, dY, dX);
      break;
    default:
      moreBackward(kind, n, X, dY, dX);
      break;
  }
}

Napi::Value activationForwardBinding(const Napi::CallbackInfo& info) {
  const char* fn = "activationForward";
  Args a(info, fn, 5);
  const int kind = a.activation(0, "kind");
  const float param = static_cast<float>(a.number(1, "param"));
  const int64_t n = a.size(2, "n");
  const float* X = a.f32(3, "X", n);
  float* Y = a.f32(4, "Y", n);
  activationForward(kind, param, n, X, Y);
  return info.Env().Undefined();
}
NB_EXPORT(activationForward, activationForwardBinding);

Napi::Value activationBackwardBinding(const Napi::CallbackInfo& info) {
  const char* fn = "activationBackward";
  Args a(info, fn, 7);
  const int kind = a.activation(0, "kind");
  const float param = static_cast<float>(a.number(1, "param"));
  const int64_t n = a.size(2, "n");
  const float* X = a.f32(3, "X", n);
  const float* Y = a.f32(4, "Y", n);
  const float* dY = a.f32(5, "dY", n);
  float* dX = a.f32(6, "dX", n);
  activationBackward(kind, param, n, X, Y, dY, dX);
  return info.Env().Undefined();
}
NB_EXPORT(activationBackward, activationBackwardBinding);

}  // namespace nb
