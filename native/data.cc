// Data kernels: a batch's rows gathered from a dataset in one crossing (a memcpy per row), instead of a typed-array
// view and a copy per row in JavaScript.
#include <cstring>
#include <string>

#include "check.h"
#include "export.h"

namespace nb {

Napi::Value gatherRowsBinding(const Napi::CallbackInfo& info) {
  const char* fn = "gatherRows";
  Args a(info, fn, 6);
  const int64_t n = a.size(0, "n"), width = a.size(1, "width"), rows = a.size(2, "rows");
  const float* src = a.f32(3, "src", product(fn, "rows·width", rows, width));
  const int32_t* index = a.i32(4, "index", n);
  float* dst = a.f32(5, "dst", product(fn, "n·width", n, width));
  // Checked here too (TypeScript checked them): an index outside src would read memory that is not the dataset's.
  for (int64_t i = 0; i < n; i++) {
    if (index[i] < 0 || index[i] >= rows)
      fail("ERR_INVALID_ARG", std::string(fn) + ": index[" + std::to_string(i) + "] = " + std::to_string(index[i]) + " is outside [0, " +
                                  std::to_string(rows) + ")");
  }
  const size_t bytes = static_cast<size_t>(width) * sizeof(float);
  for (int64_t i = 0; i < n; i++) std::memcpy(dst + i * width, src + static_cast<int64_t>(index[i]) * width, bytes);
  return info.Env().Undefined();
}
NB_EXPORT(gatherRows, gatherRowsBinding);

}  // namespace nb
