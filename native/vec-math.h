// exp, expm1 and log1p in double precision, written so that GCC vectorizes loops that call them (no libm call,
// no branch, no table): the transcendental activations compute in double and round once to float, as the js
// backend (the specification) does with Math.exp, but 2 (SSE2) or 4 (AVX2) elements at a time instead of one
// libm call each.
//
// Method (Cody–Waite reduction, as in fdlibm): x = k·ln2 + r with k = round(x/ln2), |r| ≤ ln2/2; then
// expm1(r) by its Taylor series to degree 13 (the remainder is below 2e-16·|r| there), and
// exp(x) = 2^k·(1 + expm1(r)), expm1(x) = 2^k·expm1(r) + (2^k − 1). Error: a few double ulps, so the float
// result is the correctly rounded one except when the true value lies within ~1e-15 of a float rounding
// boundary (about one input in 10^7), where it may be the neighbouring float.
//
// Callers clamp x to [kExpMin, kExpMax] (2^k stays a normal double); NaN passes through as NaN.
#pragma once

#include <cstdint>
#include <cstring>

// A loop function compiled for any x86-64 and again for x86-64-v3 (AVX2+FMA) and x86-64-v4 (AVX-512), the
// copy chosen by CPU features when the addon loads (an ifunc, glibc's). The prebuild stays runnable on any
// x86-64 (no -march) yet uses the vector width the CPU has: sigmoid 0.18 G/s (SSE2), 0.6 (v3), 1.2 (v4).
// ("arch=haswell" would be chosen by CPU model, not features: never on an AMD CPU.) GCC only: clang's
// target_clones does not take these names, and its builds (none ship) get the portable loop.
// The helpers below are forced inline: GCC will not otherwise inline a function compiled for the default target
// into a clone compiled for another one, and the call would keep the loop from vectorizing.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define NB_MULTIVERSION __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define NB_MULTIVERSION
#endif
#if defined(__GNUC__) || defined(__clang__)
#define NB_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define NB_ALWAYS_INLINE inline
#endif

namespace nb {

constexpr double kExpMin = -708.0;  // exp(-708) ≈ 3e-308: any smaller result is 0 in float anyway
constexpr double kExpMax = 709.0;

// NaN-preserving clamp (a comparison with NaN is false, so NaN is returned unchanged).
NB_ALWAYS_INLINE double clampExpArg(double x) {
  x = x < kExpMin ? kExpMin : x;
  return x > kExpMax ? kExpMax : x;
}

// x = k·ln2 + r: returns r and sets scale = 2^k.
NB_ALWAYS_INLINE double reduceExp(double x, double& scale) {
  constexpr double kInvLn2 = 1.44269504088896338700;
  constexpr double kLn2Hi = 6.93147180369123816490e-01;  // ln2's top 32 bits: k·kLn2Hi is exact
  constexpr double kLn2Lo = 1.90821492927058770002e-10;
  constexpr double kRound = 6755399441055744.0;  // 1.5·2^52: adding it rounds to an integer in the low bits
  const double t = x * kInvLn2 + kRound;
  const double k = t - kRound;
  uint64_t bits;
  std::memcpy(&bits, &t, sizeof bits);  // the low bits of t hold k in two's complement
  bits = (bits + 1023) << 52;           // the exponent field of 2^k
  std::memcpy(&scale, &bits, sizeof scale);
  return (x - k * kLn2Hi) - k * kLn2Lo;
}

// expm1(r) for |r| ≤ ln2/2 (Horner on the Taylor series, 1/n! coefficients).
NB_ALWAYS_INLINE double expm1Reduced(double r) {
  double p = 1.0 / 6227020800.0;  // 1/13!
  p = p * r + 1.0 / 479001600.0;  // 1/12!
  p = p * r + 1.0 / 39916800.0;   // 1/11!
  p = p * r + 1.0 / 3628800.0;    // 1/10!
  p = p * r + 1.0 / 362880.0;     // 1/9!
  p = p * r + 1.0 / 40320.0;      // 1/8!
  p = p * r + 1.0 / 5040.0;       // 1/7!
  p = p * r + 1.0 / 720.0;        // 1/6!
  p = p * r + 1.0 / 120.0;        // 1/5!
  p = p * r + 1.0 / 24.0;         // 1/4!
  p = p * r + 1.0 / 6.0;          // 1/3!
  p = p * r + 0.5;                // 1/2!
  return r + r * r * p;           // r + r²/2! + r³/3! + …
}

// exp(x) for x already clamped.
NB_ALWAYS_INLINE double vexp(double x) {
  double scale;
  const double r = reduceExp(x, scale);
  return scale + scale * expm1Reduced(r);
}

// expm1(x) for x already clamped: accurate near 0, where exp(x) − 1 would cancel.
NB_ALWAYS_INLINE double vexpm1(double x) {
  double scale;
  const double r = reduceExp(x, scale);
  return scale * expm1Reduced(r) + (scale - 1.0);
}

// log1p(v) for v in [0, 1] (softplus's log1p(exp(−|x|))). With w = 1 + v and, when w > √2, w/2 in its place
// (adding ln2), log(w) = 2·atanh(s), s = (w − 1)/(w + 1), |s| ≤ 0.172, summed to s^21 (remainder < 3e-17).
// Below √2 s = v/(2 + v) comes from v itself, so tiny v keep their precision (1 + v would round them away).
NB_ALWAYS_INLINE double vlog1pUnit(double v) {
  constexpr double kLn2 = 0.693147180559945309417;
  constexpr double kSqrt2m1 = 0.414213562373095048802;
  const bool halve = v > kSqrt2m1;
  const double wHalf = (1.0 + v) * 0.5;
  const double s = halve ? (wHalf - 1.0) / (wHalf + 1.0) : v / (2.0 + v);
  const double s2 = s * s;
  double p = 1.0 / 21.0;
  p = p * s2 + 1.0 / 19.0;
  p = p * s2 + 1.0 / 17.0;
  p = p * s2 + 1.0 / 15.0;
  p = p * s2 + 1.0 / 13.0;
  p = p * s2 + 1.0 / 11.0;
  p = p * s2 + 1.0 / 9.0;
  p = p * s2 + 1.0 / 7.0;
  p = p * s2 + 1.0 / 5.0;
  p = p * s2 + 1.0 / 3.0;
  return (halve ? kLn2 : 0.0) + 2.0 * (s + s * s2 * p);  // 2·(s + s³/3 + s⁵/5 + …)
}

}  // namespace nb
