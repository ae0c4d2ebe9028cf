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
#include "parallel.h"
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

// The kinds of issue 13 compute in double, as the js backend does, and round once; the comparisons are written so
// that NaN takes the branch PyTorch's takes (NaN in, NaN out; each gradient at NaN is PyTorch's). Exact GELU calls
// libm's erfc, so its loop does not vectorize; the others use vec-math.h's exp/expm1 or plain arithmetic.
constexpr double kSqrt1_2 = 0.70710678118654752440;
constexpr double kInvSqrt2Pi = 0.39894228040143267794;
constexpr double kGeluK = 0.79788456080286535588;  // √(2/π)
constexpr double kGeluC = 0.044715;
constexpr double kSeluAlpha = 1.6732632423543772848170429916717;
constexpr double kSeluScale = 1.0507009873554804934193349852946;

// Φ(x) = erfc(−x/√2)/2: relative accuracy in the far negative tail too.
double normalCdf(double x) { return 0.5 * std::erfc(-x * kSqrt1_2); }

// The kinds without a libm call vectorize: SiLU and SELU with vec-math.h's exp/expm1, the rest plain arithmetic.
NB_MULTIVERSION void siluForward(int64_t n, const float* X, float* Y) {
  for (int64_t i = 0; i < n; i++) {
    const double x = X[i], e = vexp(clampExpArg(-std::fabs(x)));
    Y[i] = static_cast<float>(x * (x >= 0.0 ? 1.0 / (1.0 + e) : e / (1.0 + e)));
  }
}

// σ(x)·(1 + x·σ(−x)), σ(−x) from the same e (not 1 − σ(x), which cancels for large x).
NB_MULTIVERSION void siluBackward(int64_t n, const float* X, const float* dY, float* dX) {
  for (int64_t i = 0; i < n; i++) {
    const double x = X[i], e = vexp(clampExpArg(-std::fabs(x)));
    const double big = 1.0 / (1.0 + e), small = e / (1.0 + e);
    const double s = x >= 0.0 ? big : small, sNeg = x >= 0.0 ? small : big;
    dX[i] = static_cast<float>(dY[i] * s * (1.0 + x * sNeg));
  }
}

NB_MULTIVERSION void seluForward(int64_t n, const float* X, float* Y) {
  for (int64_t i = 0; i < n; i++) {
    const double x = X[i], neg = kSeluAlpha * vexpm1(clampExpArg(x));
    Y[i] = static_cast<float>(kSeluScale * (x > 0.0 ? x : neg));
  }
}

NB_MULTIVERSION void seluBackward(int64_t n, const float* X, const float* dY, float* dX) {
  for (int64_t i = 0; i < n; i++) {
    const double x = X[i], g = dY[i], neg = g * kSeluScale * kSeluAlpha * vexp(clampExpArg(x));
    dX[i] = static_cast<float>(x <= 0.0 ? neg : g * kSeluScale);  // at NaN: g·scale, as in PyTorch
  }
}

// σ(v) and σ(−v) from one exp(−|v|) <= 1.
NB_ALWAYS_INLINE void sigmoidPair(double v, double& s, double& sNeg) {
  const double e = vexp(clampExpArg(-std::fabs(v)));
  const double big = 1.0 / (1.0 + e), small = e / (1.0 + e);
  s = v >= 0.0 ? big : small;
  sNeg = v >= 0.0 ? small : big;
}

// GELU's tanh form, x·(1 + tanh u)/2 = x·σ(2u): no cancellation in the far negative tail.
NB_MULTIVERSION void geluTanhForward(int64_t n, const float* X, float* Y) {
  for (int64_t i = 0; i < n; i++) {
    const double x = X[i];
    double s, sNeg;
    sigmoidPair(2.0 * kGeluK * (x + kGeluC * x * x * x), s, sNeg);
    Y[i] = static_cast<float>(x * s);
  }
}

// d/dx x·σ(2u) = σ(2u) + 2x·σ(2u)·σ(−2u)·u', u' = √(2/π)·(1 + 3·0.044715x²).
NB_MULTIVERSION void geluTanhBackward(int64_t n, const float* X, const float* dY, float* dX) {
  for (int64_t i = 0; i < n; i++) {
    const double x = X[i];
    double s, sNeg;
    sigmoidPair(2.0 * kGeluK * (x + kGeluC * x * x * x), s, sNeg);
    dX[i] = static_cast<float>(dY[i] * (s + 2.0 * x * s * sNeg * kGeluK * (1.0 + 3.0 * kGeluC * x * x)));
  }
}

// Mish without tanh or log1p: with m = e^x, tanh(log(1 + m)) = (m² + 2m)/(m² + 2m + 2), relative-accurate for
// tiny m too; x is capped at 20 (NaN passes), beyond which the ratio is 1 in double anyway.
NB_ALWAYS_INLINE double mishRatio(double x, double& oneMinus) {
  const double m = vexp(x > 20.0 ? 20.0 : clampExpArg(x)), p = m * (m + 2.0), q = p + 2.0;
  oneMinus = 2.0 / q;
  return p / q;
}

NB_MULTIVERSION void mishForward(int64_t n, const float* X, float* Y) {
  for (int64_t i = 0; i < n; i++) {
    const double x = X[i];
    double oneMinus;
    Y[i] = static_cast<float>(x * mishRatio(x, oneMinus));
  }
}

// t + x·σ(x)·(1 − t²), 1 − t² = (1 − t)(1 + t) with 1 − t = 2/q exactly (no cancellation).
NB_MULTIVERSION void mishBackward(int64_t n, const float* X, const float* dY, float* dX) {
  for (int64_t i = 0; i < n; i++) {
    const double x = X[i];
    double oneMinus, s, sNeg;
    const double t = mishRatio(x, oneMinus);
    sigmoidPair(x, s, sNeg);
    dX[i] = static_cast<float>(dY[i] * (t + x * s * oneMinus * (1.0 + t)));
  }
}

NB_MULTIVERSION void softsignForward(int64_t n, const float* X, float* Y) {
  for (int64_t i = 0; i < n; i++) {
    const double x = X[i];
    Y[i] = static_cast<float>(x / (1.0 + std::fabs(x)));
  }
}

NB_MULTIVERSION void softsignBackward(int64_t n, const float* X, const float* dY, float* dX) {
  for (int64_t i = 0; i < n; i++) {
    const double q = 1.0 + std::fabs(static_cast<double>(X[i]));
    dX[i] = static_cast<float>(dY[i] / (q * q));
  }
}

void moreForward(int kind, int64_t n, const float* X, float* Y) {
  for (int64_t i = 0; i < n; i++) {
    const double x = X[i];
    double y = 0.0;
    switch (kind) {
      case kGelu:
        y = x * normalCdf(x);
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
    case kSilu:
      siluForward(n, X, Y);
      break;
    case kGeluTanh:
      geluTanhForward(n, X, Y);
      break;
    case kMish:
      mishForward(n, X, Y);
      break;
    case kSelu:
      seluForward(n, X, Y);
      break;
    case kSoftsign:
      softsignForward(n, X, Y);
      break;
    case kHardsigmoid:
      // relu6(x + 3)/6 in double; NaN takes the last branch and stays NaN.
      for (int64_t i = 0; i < n; i++) {
        const double x = X[i];
        Y[i] = static_cast<float>(x <= -3.0 ? 0.0 : x >= 3.0 ? 1.0 : (x + 3.0) / 6.0);
      }
      break;
    case kRelu6:
      for (int64_t i = 0; i < n; i++) {
        const float x = X[i];
        Y[i] = x <= 0.0f ? 0.0f : x >= 6.0f ? 6.0f : x;
      }
      break;
    default:  // gelu: libm's erfc
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
    case kSilu:
      siluBackward(n, X, dY, dX);
      break;
    case kGeluTanh:
      geluTanhBackward(n, X, dY, dX);
      break;
    case kMish:
      mishBackward(n, X, dY, dX);
      break;
    case kSelu:
      seluBackward(n, X, dY, dX);
      break;
    case kSoftsign:
      softsignBackward(n, X, dY, dX);
      break;
    case kHardsigmoid:
      // 1/6 strictly inside (−3, 3), 0 elsewhere and at NaN (PyTorch's).
      for (int64_t i = 0; i < n; i++) {
        const float x = X[i], g = dY[i];
        dX[i] = x > -3.0f && x < 3.0f ? static_cast<float>(g / 6.0) : 0.0f;
      }
      break;
    case kRelu6:
      // hardtanh's backward: 0 at and beyond 0 and 6, the gradient inside and at NaN (PyTorch's).
      for (int64_t i = 0; i < n; i++) {
        const float x = X[i], g = dY[i];
        dX[i] = x <= 0.0f || x >= 6.0f ? 0.0f : g;
      }
      break;
    default:  // gelu: libm's erfc
      moreBackward(kind, n, X, dY, dX);
      break;
  }
}

// Elements per thread below which an activation layer stays on one thread (parallel.h): ~10 µs of ReLU.
constexpr int64_t kElementGrain = 1 << 15;

Napi::Value activationForwardBinding(const Napi::CallbackInfo& info) {
  const char* fn = "activationForward";
  Args a(info, fn, 5);
  const int kind = a.activation(0, "kind");
  const float param = static_cast<float>(a.number(1, "param"));
  const int64_t n = a.size(2, "n");
  const float* X = a.f32(3, "X", n);
  float* Y = a.f32(4, "Y", n);
  parallelFor(n, kElementGrain, [&](int64_t begin, int64_t end) { activationForward(kind, param, end - begin, X + begin, Y + begin); });
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
  parallelFor(n, kElementGrain, [&](int64_t begin, int64_t end) {
    activationBackward(kind, param, end - begin, X + begin, Y + begin, dY + begin, dX + begin);
  });
  return info.Env().Undefined();
}
NB_EXPORT(activationBackward, activationBackwardBinding);

}  // namespace nb
