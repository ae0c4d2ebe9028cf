// Data kernels: a batch's rows gathered from a dataset in one crossing (a memcpy per row), instead of a typed-array
// view and a copy per row in JavaScript; byte rows are converted to float on the way.
#include <cstring>
#include <string>

#include "check.h"
#include "export.h"
#include "vec-math.h"

namespace nb {

namespace {

// Throws unless every index is a row of src: an index outside it would read memory that is not the dataset's.
// (TypeScript checked them; the addon checks again, for a caller that reaches it directly.)
void checkRows(const char* fn, int64_t n, int64_t rows, const int32_t* index) {
  for (int64_t i = 0; i < n; i++) {
    if (index[i] < 0 || index[i] >= rows)
      fail("ERR_INVALID_ARG", std::string(fn) + ": index[" + std::to_string(i) + "] = " + std::to_string(index[i]) + " is outside [0, " +
                                  std::to_string(rows) + ")");
  }
}

// One row of bytes to floats: the product in double, rounded once to float, as the js spec's Float32Array store.
// Exact in double (8 bits times 53), so every vector width gives the same bits.
NB_MULTIVERSION void bytesToFloats(int64_t width, const uint8_t* __restrict src, double scale, float* __restrict dst) {
  for (int64_t j = 0; j < width; j++) dst[j] = static_cast<float>(static_cast<double>(src[j]) * scale);
}

// Asks for a row's cache lines ahead of its use.
void prefetchRow(const uint8_t* row, int64_t width) {
#if defined(__GNUC__) || defined(__clang__)
  for (int64_t j = 0; j < width; j += 64) __builtin_prefetch(row + j);
#endif
}

}  // namespace

Napi::Value gatherRowsBinding(const Napi::CallbackInfo& info) {
  const char* fn = "gatherRows";
  Args a(info, fn, 6);
  const int64_t n = a.size(0, "n"), width = a.size(1, "width"), rows = a.size(2, "rows");
  const float* src = a.f32(3, "src", product(fn, "rows·width", rows, width));
  const int32_t* index = a.i32(4, "index", n);
  float* dst = a.f32(5, "dst", product(fn, "n·width", n, width));
  checkRows(fn, n, rows, index);
  const size_t bytes = static_cast<size_t>(width) * sizeof(float);
  for (int64_t i = 0; i < n; i++) std::memcpy(dst + i * width, src + static_cast<int64_t>(index[i]) * width, bytes);
  return info.Env().Undefined();
}
NB_EXPORT(gatherRows, gatherRowsBinding);

Napi::Value gatherByteRowsBinding(const Napi::CallbackInfo& info) {
  const char* fn = "gatherByteRows";
  Args a(info, fn, 7);
  const int64_t n = a.size(0, "n"), width = a.size(1, "width"), rows = a.size(2, "rows");
  const uint8_t* src = a.u8(3, "src", product(fn, "rows·width", rows, width));
  const int32_t* index = a.i32(4, "index", n);
  const double scale = a.number(5, "scale");
  float* dst = a.f32(6, "dst", product(fn, "n·width", n, width));
  checkRows(fn, n, rows, index);
  for (int64_t i = 0; i < n; i++) {
    // The rows are scattered over the dataset: fetch the next one's cache lines while this one converts (without
    // it, the misses of a shuffled batch cost three times the conversion).
    if (i + 1 < n) prefetchRow(src + static_cast<int64_t>(index[i + 1]) * width, width);
    bytesToFloats(width, src + static_cast<int64_t>(index[i]) * width, scale, dst + i * width);
  }
  return info.Env().Undefined();
}
NB_EXPORT(gatherByteRows, gatherByteRowsBinding);

}  // namespace nb
