// Inverted dropout with a counter-based hash: element i's keep decision depends only on (seed, i), so the
// mask is the same bits on every backend and needs no random state.
#include <cmath>
#include <string>

#include "check.h"
#include "export.h"

namespace nb {

namespace {

// The contract's hash (lib/backend/contract.ts / the JS backend use Math.imul and >>> 0): uint32 arithmetic
// wraps mod 2^32 exactly as they do. i is taken mod 2^32 first, as Math.imul does with its argument.
inline uint32_t dropoutHash(uint32_t seed, int64_t i) {
  uint32_t x = (static_cast<uint32_t>(i) * 0x9E3779B9u) ^ seed;
  x ^= x >> 16;
  x *= 0x21F0AAADu;
  x ^= x >> 15;
  x *= 0x735A2D97u;
  x ^= x >> 15;
  return x;
}

void dropoutForward(int64_t n, double keep, uint32_t seed, const float* X, uint8_t* mask, float* Y) {
  // Threshold and scale in double, as the contract says, so float rounding cannot move either.
  const uint32_t threshold = static_cast<uint32_t>(std::floor(keep * 16777216.0));
  const float scale = static_cast<float>(1.0 / keep);
  for (int64_t i = 0; i < n; i++) {
    const bool kept = (dropoutHash(seed, i) >> 8) < threshold;
    mask[i] = kept ? 1 : 0;
    Y[i] = kept ? X[i] * scale : 0.0f;
  }
}

void dropoutBackward(int64_t n, double keep, const uint8_t* mask, const float* dY, float* dX) {
  const float scale = static_cast<float>(1.0 / keep);
  for (int64_t i = 0; i < n; i++) dX[i] = mask[i] ? dY[i] * scale : 0.0f;
}

double readKeep(const Args& a, const char* fn, size_t i) {
  const double keep = a.number(i, "keep");
  if (!(keep > 0.0 && keep <= 1.0)) fail("ERR_INVALID_ARG", std::string(fn) + ": keep must be in (0, 1], got " + std::to_string(keep));
  return keep;
}

}  // namespace

Napi::Value dropoutForwardBinding(const Napi::CallbackInfo& info) {
  const char* fn = "dropoutForward";
  Args a(info, fn, 6);
  const int64_t n = a.size(0, "n");
  const double keep = readKeep(a, fn, 1);
  const double seed = a.number(2, "seed");
  if (!(seed >= 0 && seed <= 4294967295.0) || seed != std::floor(seed)) {
    fail("ERR_INVALID_ARG", std::string(fn) + ": seed must be an integer in [0, 2^32)");
  }
  const float* X = a.f32(3, "X", n);
  uint8_t* mask = a.u8(4, "mask", n);
  float* Y = a.f32(5, "Y", n);
  dropoutForward(n, keep, static_cast<uint32_t>(seed), X, mask, Y);
  return info.Env().Undefined();
}
NB_EXPORT(dropoutForward, dropoutForwardBinding);

Napi::Value dropoutBackwardBinding(const Napi::CallbackInfo& info) {
  const char* fn = "dropoutBackward";
  Args a(info, fn, 5);
  const int64_t n = a.size(0, "n");
  const double keep = readKeep(a, fn, 1);
  const uint8_t* mask = a.u8(2, "mask", n);
  const float* dY = a.f32(3, "dY", n);
  float* dX = a.f32(4, "dX", n);
  dropoutBackward(n, keep, mask, dY, dX);
  return info.Env().Undefined();
}
NB_EXPORT(dropoutBackward, dropoutBackwardBinding);

}  // namespace nb
