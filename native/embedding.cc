// Embedding lookup and its gradient, matching lib/backend/js/embedding.ts: rows of a [V, D] table gathered by index and
// scattered back (repeats add up; the padding row gets nothing).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#include "check.h"
#include "export.h"

namespace nb {

namespace {

// The indices address rows of the table: checked here too, since the addon can be called directly.
void checkIndices(const char* fn, int64_t n, int64_t V, const int32_t* indices) {
  for (int64_t i = 0; i < n; i++) {
    if (indices[i] < 0 || indices[i] >= V) {
      fail("ERR_INVALID_ARG", std::string(fn) + ": indices[" + std::to_string(i) + "] = " + std::to_string(indices[i]) +
                                  " is outside [0, " + std::to_string(V) + ")");
    }
  }
}

}  // namespace

Napi::Value embeddingForwardBinding(const Napi::CallbackInfo& info) {
  const char* fn = "embeddingForward";
  Args a(info, fn, 6);
  const int64_t n = a.size(0, "n"), V = a.size(1, "V"), D = a.size(2, "D");
  const int32_t* indices = a.i32(3, "indices", n);
  const float* weight = a.f32(4, "weight", product(fn, "V·D", V, D));
  float* Y = a.f32(5, "Y", product(fn, "n·D", n, D));
  checkIndices(fn, n, V, indices);
  for (int64_t i = 0; i < n; i++)
    std::memcpy(Y + i * D, weight + static_cast<int64_t>(indices[i]) * D, static_cast<size_t>(D) * sizeof(float));
  return info.Env().Undefined();
}
NB_EXPORT(embeddingForward, embeddingForwardBinding);

Napi::Value embeddingBackwardBinding(const Napi::CallbackInfo& info) {
  const char* fn = "embeddingBackward";
  Args a(info, fn, 8);
  const int64_t n = a.size(0, "n"), V = a.size(1, "V"), D = a.size(2, "D");
  const int32_t* indices = a.i32(3, "indices", n);
  const float* dY = a.f32(4, "dY", product(fn, "n·D", n, D));
  const double padding = a.number(5, "paddingIdx");
  if (padding != std::floor(padding) || padding < -1 || padding > 2147483647.0)
    fail("ERR_INVALID_ARG", std::string(fn) + ": paddingIdx must be an integer in [-1, 2^31)");
  const float beta = static_cast<float>(a.number(6, "beta"));
  const int64_t size = product(fn, "V·D", V, D);
  float* dWeight = a.f32(7, "dWeight", size);
  checkIndices(fn, n, V, indices);
  if (beta == 0.0f) {
    std::fill(dWeight, dWeight + size, 0.0f);
  } else if (beta != 1.0f) {
    for (int64_t i = 0; i < size; i++) dWeight[i] *= beta;
  }
  const int64_t pad = static_cast<int64_t>(padding);
  for (int64_t i = 0; i < n; i++) {
    if (indices[i] == pad) continue;
    float* to = dWeight + static_cast<int64_t>(indices[i]) * D;
    const float* from = dY + i * D;
    for (int64_t j = 0; j < D; j++) to[j] += from[j];
  }
  return info.Env().Undefined();
}
NB_EXPORT(embeddingBackward, embeddingBackwardBinding);

}  // namespace nb
