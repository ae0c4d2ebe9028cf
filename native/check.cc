#include "check.h"

#include <cmath>

#include "kernels.h"

namespace nb {

void fail(const char* code, std::string message) { throw Failure{code, std::move(message)}; }

int64_t product(const char* fn, const char* what, int64_t a, int64_t b) {
  int64_t p;
  if (__builtin_mul_overflow(a, b, &p)) fail("ERR_OVERFLOW", std::string(fn) + ": " + what + " overflows");
  return p;
}

int64_t product(const char* fn, const char* what, int64_t a, int64_t b, int64_t c) {
  int64_t p;
  if (__builtin_mul_overflow(a, b, &p) || __builtin_mul_overflow(p, c, &p)) {
    fail("ERR_OVERFLOW", std::string(fn) + ": " + what + " overflows");
  }
  return p;
}

namespace {

alignas(64) unsigned char emptyArraySentinel[64];

const char* typedArrayName(napi_typedarray_type t) {
  switch (t) {
    case napi_int8_array:
      return "Int8Array";
    case napi_uint8_array:
      return "Uint8Array";
    case napi_uint8_clamped_array:
      return "Uint8ClampedArray";
    case napi_int16_array:
      return "Int16Array";
    case napi_uint16_array:
      return "Uint16Array";
    case napi_int32_array:
      return "Int32Array";
    case napi_uint32_array:
      return "Uint32Array";
    case napi_float32_array:
      return "Float32Array";
    case napi_float64_array:
      return "Float64Array";
    case napi_bigint64_array:
      return "BigInt64Array";
    case napi_biguint64_array:
      return "BigUint64Array";
  }
  return "typed array";
}

// A short description of a value for error messages, in the style of validate.ts's describe().
std::string describe(napi_env env, napi_value v) {
  napi_typedarray_type t;
  size_t length;
  if (napi_get_typedarray_info(env, v, &t, &length, nullptr, nullptr, nullptr) == napi_ok) {
    return std::string(typedArrayName(t)) + "(" + std::to_string(length) + ")";
  }
  napi_valuetype type;
  if (napi_typeof(env, v, &type) != napi_ok) return "unknown";
  switch (type) {
    case napi_undefined:
      return "undefined";
    case napi_null:
      return "null";
    case napi_boolean: {
      bool b = false;
      napi_get_value_bool(env, v, &b);
      return b ? "true" : "false";
    }
    case napi_number: {
      double d = 0;
      napi_get_value_double(env, v, &d);
      char buf[32];
      snprintf(buf, sizeof buf, "%.17g", d);
      return buf;
    }
    case napi_string:
      return "string";
    case napi_symbol:
      return "symbol";
    case napi_object:
      return "object";
    case napi_function:
      return "function";
    case napi_external:
      return "external";
    case napi_bigint:
      return "bigint";
  }
  return "unknown";
}

}  // namespace

Args::Args(const Napi::CallbackInfo& info, const char* fn, size_t count) : env_(info.Env()), info_(info), fn_(fn) {
  if (info.Length() != count) {
    fail("ERR_INVALID_ARG", std::string(fn) + ": expected " + std::to_string(count) + " arguments, got " + std::to_string(info.Length()));
  }
}

double Args::rawNumber(size_t i, const char* name) const {
  double d;
  if (napi_get_value_double(env_, info_[i], &d) != napi_ok) {
    fail("ERR_INVALID_ARG", std::string(fn_) + ": " + name + " must be a number, got " + describe(env_, info_[i]));
  }
  return d;
}

double Args::anyNumber(size_t i, const char* name) const { return rawNumber(i, name); }

double Args::number(size_t i, const char* name) const {
  double d = rawNumber(i, name);
  if (!std::isfinite(d))
    fail("ERR_INVALID_ARG", std::string(fn_) + ": " + name + " must be a finite number, got " + describe(env_, info_[i]));
  return d;
}

int64_t Args::size(size_t i, const char* name) const {
  double d = rawNumber(i, name);
  // NaN fails every comparison, so it lands here too.
  if (!(d >= 0) || d != std::floor(d) || std::isinf(d)) {
    fail("ERR_INVALID_ARG", std::string(fn_) + ": " + name + " must be a non-negative integer, got " + describe(env_, info_[i]));
  }
  if (d > static_cast<double>(kMaxDim)) {
    fail("ERR_OVERFLOW",
         std::string(fn_) + ": " + name + " must be at most " + std::to_string(kMaxDim) + ", got " + describe(env_, info_[i]));
  }
  return static_cast<int64_t>(d);
}

int64_t Args::step(size_t i, const char* name) const {
  double d = rawNumber(i, name);
  if (!(d >= 1) || d != std::floor(d) || d > 9007199254740991.0) {
    fail("ERR_INVALID_ARG", std::string(fn_) + ": " + name + " must be an integer >= 1, got " + describe(env_, info_[i]));
  }
  return static_cast<int64_t>(d);
}

bool Args::boolean(size_t i, const char* name) const {
  bool b;
  if (napi_get_value_bool(env_, info_[i], &b) != napi_ok) {
    fail("ERR_INVALID_ARG", std::string(fn_) + ": " + name + " must be a boolean, got " + describe(env_, info_[i]));
  }
  return b;
}

int Args::activation(size_t i, const char* name) const {
  double d = rawNumber(i, name);
  if (!(d >= 0 && d < kActivationCount) || d != std::floor(d)) {
    fail("ERR_INVALID_ARG", std::string(fn_) + ": " + name + " must be an activation code in [0, " + std::to_string(int(kActivationCount)) +
                                "), got " + describe(env_, info_[i]));
  }
  return static_cast<int>(d);
}

void* Args::array(size_t i, const char* name, napi_typedarray_type type, const char* typeName, int64_t need, bool nullable) const {
  napi_value v = info_[i];
  napi_typedarray_type actual;
  size_t length;
  void* data;
  napi_value buffer;
  if (napi_get_typedarray_info(env_, v, &actual, &length, &data, &buffer, nullptr) != napi_ok) {
    if (nullable) {
      napi_valuetype t;
      if (napi_typeof(env_, v, &t) == napi_ok && t == napi_null) return nullptr;
    }
    fail("ERR_INVALID_ARG",
         std::string(fn_) + ": " + name + " must be a " + typeName + (nullable ? " or null" : "") + ", got " + describe(env_, v));
  }
  if (actual != type) {
    fail("ERR_INVALID_ARG",
         std::string(fn_) + ": " + name + " must be a " + typeName + (nullable ? " or null" : "") + ", got " + describe(env_, v));
  }
  // A detached buffer reports length 0, so asking only when the length is short keeps the common path to one
  // N-API call per array while still naming the real cause when it is one.
  if (length == 0 || static_cast<uint64_t>(length) < static_cast<uint64_t>(need)) {
    bool detached = false;
    if (napi_is_detached_arraybuffer(env_, buffer, &detached) != napi_ok || detached) {
      fail("ERR_DETACHED", std::string(fn_) + ": " + name + " is backed by a detached ArrayBuffer");
    }
  }
  if (static_cast<uint64_t>(length) < static_cast<uint64_t>(need)) {
    fail("ERR_SHAPE", std::string(fn_) + ": " + name + " must hold at least " + std::to_string(need) +
                          " elements for these dimensions, got " + std::to_string(length));
  }
  // An empty array may have a null data pointer, which would read as "argument was null" to the nullable
  // accessors; hand out a non-null address instead. Nothing reads or writes through it: need is then 0.
  if (data == nullptr) return emptyArraySentinel;
  return data;
}

float* Args::f32(size_t i, const char* name, int64_t need) const {
  return static_cast<float*>(array(i, name, napi_float32_array, "Float32Array", need, false));
}

float* Args::f32OrNull(size_t i, const char* name, int64_t need) const {
  return static_cast<float*>(array(i, name, napi_float32_array, "Float32Array", need, true));
}

int32_t* Args::i32(size_t i, const char* name, int64_t need) const {
  return static_cast<int32_t*>(array(i, name, napi_int32_array, "Int32Array", need, false));
}

int32_t* Args::i32OrNull(size_t i, const char* name, int64_t need) const {
  return static_cast<int32_t*>(array(i, name, napi_int32_array, "Int32Array", need, true));
}

uint8_t* Args::u8(size_t i, const char* name, int64_t need) const {
  return static_cast<uint8_t*>(array(i, name, napi_uint8_array, "Uint8Array", need, false));
}

}  // namespace nb
