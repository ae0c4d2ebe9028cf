// Argument checks for every addon export. The TypeScript layer (lib/backend/checked.ts) already validates
// each call, but the addon can be reached directly (require('build/Release/neuroblas.node')), so everything
// that memory safety depends on is checked again here: argument count and types, sizes, 64-bit products,
// buffer lengths, detached buffers, label ranges. Semantic checks that cannot cause an out-of-bounds access
// (aliasing, hyper-parameter ranges) stay in TypeScript only.
#pragma once

#include <napi.h>

#include <cstdint>
#include <string>

namespace nb {

// What a failed check throws; the export's guard (addon.cc) turns it into a NeuroblasError(code, message).
// A C++ exception rather than an error return so the kernels' binding code stays a straight line of checks.
struct Failure {
  const char* code;
  std::string message;
};

[[noreturn]] void fail(const char* code, std::string message);

// The largest size the 32-bit BLAS interface accepts; the same limit as MAX_DIM in lib/backend/validate.ts.
constexpr int64_t kMaxDim = INT32_MAX;

// a·b (·c) in 64 bits; ERR_OVERFLOW when it does not fit. Sizes are <= kMaxDim, so two never overflow,
// but three (batch norm's M·C·S) can.
int64_t product(const char* fn, const char* what, int64_t a, int64_t b);
int64_t product(const char* fn, const char* what, int64_t a, int64_t b, int64_t c);

// Reads the positional arguments of one export. Construction checks the argument count; each accessor checks
// one argument's type (and, for arrays, that it is live and long enough) and returns it as a C++ value.
class Args {
 public:
  Args(const Napi::CallbackInfo& info, const char* fn, size_t count);

  napi_env env() const { return env_; }

  // A non-negative integer <= kMaxDim.
  int64_t size(size_t i, const char* name) const;
  // A finite number.
  double number(size_t i, const char* name) const;
  // Any number, NaN and ±Infinity included (fill's value).
  double anyNumber(size_t i, const char* name) const;
  // An integer >= 1 (optimizer step counts).
  int64_t step(size_t i, const char* name) const;
  bool boolean(size_t i, const char* name) const;
  // An activation code: an integer index into ACTIVATION_KINDS (kernels.h's Activation).
  int activation(size_t i, const char* name) const;

  // A typed array of the right kind holding at least `need` elements; returns its first element.
  float* f32(size_t i, const char* name, int64_t need) const;
  int32_t* i32(size_t i, const char* name, int64_t need) const;
  uint8_t* u8(size_t i, const char* name, int64_t need) const;
  // The same, or nullptr when the argument is null.
  float* f32OrNull(size_t i, const char* name, int64_t need) const;
  int32_t* i32OrNull(size_t i, const char* name, int64_t need) const;

 private:
  void* array(size_t i, const char* name, napi_typedarray_type type, const char* typeName, int64_t need, bool nullable) const;
  double rawNumber(size_t i, const char* name) const;

  napi_env env_;
  const Napi::CallbackInfo& info_;
  const char* fn_;
};

}  // namespace nb
