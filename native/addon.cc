// The addon's entry: it exports every binding registered with NB_EXPORT (export.h) in the native/*.cc files,
// keeps the per-environment state (the error class), and turns a failed check into the library's error.
// Context-aware (Napi::Addon): every environment that loads the addon (main thread, each worker, a worker
// re-created after termination) gets its own instance; the only process-wide state is OpenBLAS's, set up once
// (openblas.cc).
#include <napi.h>

#include "check.h"
#include "export.h"
#include "openblas.h"

namespace {

using nb::Export;
using nb::fail;
using nb::Failure;

class NeuroblasAddon : public Napi::Addon<NeuroblasAddon> {
 public:
  NeuroblasAddon(Napi::Env env, Napi::Object exports);

  // NeuroblasError(code, message) when setErrorClass has been called in this environment, otherwise a plain
  // Error with a `code` property (the same shape, minus the class).
  void throwFailure(Napi::Env env, const Failure& failure);

  Napi::FunctionReference errorClass;
};

NeuroblasAddon* instanceOf(Napi::Env env) { return env.GetInstanceData<NeuroblasAddon>(); }

void NeuroblasAddon::throwFailure(Napi::Env env, const Failure& failure) {
  if (!errorClass.IsEmpty()) {
    try {
      Napi::Object error = errorClass.New({Napi::String::New(env, failure.code), Napi::String::New(env, failure.message)});
      napi_throw(env, error);
      return;
    } catch (const Napi::Error&) {
      // The class threw while constructing (not ours, or broken): report the original failure instead.
    }
  }
  nb::throwPlainError(env, failure.code, failure.message);
}

// setErrorClass(NeuroblasError): called once by lib/backend/load.ts right after loading.
Napi::Value setErrorClassBinding(const Napi::CallbackInfo& info) {
  if (info.Length() != 1 || !info[0].IsFunction()) fail("ERR_INVALID_ARG", "setErrorClass: expected one argument, a class");
  NeuroblasAddon* addon = instanceOf(info.Env());
  if (addon == nullptr) fail("ERR_BACKEND", "setErrorClass: the addon is not initialized in this environment");
  addon->errorClass = Napi::Persistent(info[0].As<Napi::Function>());
  return info.Env().Undefined();
}
NB_EXPORT(setErrorClass, setErrorClassBinding);

NeuroblasAddon::NeuroblasAddon(Napi::Env env, Napi::Object exports) {
  // Before any export can run, so before the first BLAS call in the process.
  nb::initOpenblasOnce();
  // Plain functions rather than InstanceMethods: they find this instance through the environment's instance
  // data (set by Napi::Addon), so they work whatever `this` they are called with, and the hot path never
  // unwraps an object.
  for (const Export& e : nb::registeredExports()) exports.Set(e.name, Napi::Function::New(env, e.callback, e.name));
}

}  // namespace

namespace nb {

std::vector<Export>& registeredExports() {
  static std::vector<Export> exports;
  return exports;
}

void throwPlainError(Napi::Env env, const char* code, const std::string& message) {
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("code", Napi::String::New(env, code));
  napi_throw(env, error.Value());
}

void throwFailure(Napi::Env env, const Failure& failure) {
  NeuroblasAddon* addon = instanceOf(env);
  if (addon != nullptr)
    addon->throwFailure(env, failure);
  else
    throwPlainError(env, failure.code, failure.message);
}

}  // namespace nb

NODE_API_ADDON(NeuroblasAddon)
