// Registration only: the addon's exports, the guard that turns a failed check into the library's error, and
// the per-environment state (the error class). Context-aware (Napi::Addon): every environment that loads the
// addon (main thread, each worker, a worker re-created after termination) gets its own instance; the only
// process-wide state is OpenBLAS's, set up once (openblas.cc).
#include <napi.h>

#include <exception>

#include "bindings.h"
#include "check.h"

namespace {

class NeuroblasAddon : public Napi::Addon<NeuroblasAddon> {
 public:
  NeuroblasAddon(Napi::Env env, Napi::Object exports);

  // Throws NeuroblasError(code, message) when setErrorClass has been called in this environment, otherwise a
  // plain Error with a `code` property (the same shape, minus the class).
  void throwFailure(Napi::Env env, const nb::Failure& failure);

 private:
  Napi::FunctionReference errorClass_;

  friend Napi::Value setErrorClass(const Napi::CallbackInfo& info);
};

NeuroblasAddon* instanceOf(Napi::Env env) { return env.GetInstanceData<NeuroblasAddon>(); }

void throwPlainError(Napi::Env env, const char* code, const std::string& message) {
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("code", Napi::String::New(env, code));
  napi_throw(env, error.Value());
}

void NeuroblasAddon::throwFailure(Napi::Env env, const nb::Failure& failure) {
  if (!errorClass_.IsEmpty()) {
    try {
      Napi::Object error = errorClass_.New({Napi::String::New(env, failure.code), Napi::String::New(env, failure.message)});
      napi_throw(env, error);
      return;
    } catch (const Napi::Error&) {
      // The class threw while constructing (not ours, or broken): report the original failure instead.
    }
  }
  throwPlainError(env, failure.code, failure.message);
}

// Every export runs behind this: the bindings report bad arguments by throwing nb::Failure, which must not
// escape into node-addon-api (it only converts Napi::Error; anything else would terminate the process).
template <nb::Binding Fn>
Napi::Value guarded(const Napi::CallbackInfo& info) {
  try {
    return Fn(info);
  } catch (const nb::Failure& failure) {
    NeuroblasAddon* addon = instanceOf(info.Env());
    if (addon != nullptr) addon->throwFailure(info.Env(), failure);
    else throwPlainError(info.Env(), failure.code, failure.message);
  } catch (const Napi::Error&) {
    throw;  // a JavaScript exception already; node-addon-api rethrows it into JavaScript
  } catch (const std::exception& e) {
    throwPlainError(info.Env(), "ERR_BACKEND", std::string("neuroblas native: ") + e.what());
  }
  return info.Env().Undefined();
}

// setErrorClass(NeuroblasError): called once by lib/backend/load.ts right after loading.
Napi::Value setErrorClass(const Napi::CallbackInfo& info) {
  if (info.Length() != 1 || !info[0].IsFunction()) nb::fail("ERR_INVALID_ARG", "setErrorClass: expected one argument, a class");
  NeuroblasAddon* addon = instanceOf(info.Env());
  if (addon == nullptr) nb::fail("ERR_BACKEND", "setErrorClass: the addon is not initialized in this environment");
  addon->errorClass_ = Napi::Persistent(info[0].As<Napi::Function>());
  return info.Env().Undefined();
}

struct Export {
  const char* name;
  Napi::Function::Callback callback;
};

constexpr Export kExports[] = {
    {"setErrorClass", guarded<setErrorClass>},
    {"sgemm", guarded<nb::sgemmBinding>},
    {"biasAdd", guarded<nb::biasAddBinding>},
    {"colSum", guarded<nb::colSumBinding>},
    {"denseForward", guarded<nb::denseForwardBinding>},
    {"denseBackward", guarded<nb::denseBackwardBinding>},
    {"activationForward", guarded<nb::activationForwardBinding>},
    {"activationBackward", guarded<nb::activationBackwardBinding>},
    {"softmaxForward", guarded<nb::softmaxForwardBinding>},
    {"softmaxBackward", guarded<nb::softmaxBackwardBinding>},
    {"softmaxCrossEntropy", guarded<nb::softmaxCrossEntropyBinding>},
    {"softmaxCrossEntropySoft", guarded<nb::softmaxCrossEntropySoftBinding>},
    {"sigmoidBce", guarded<nb::sigmoidBceBinding>},
    {"mse", guarded<nb::mseBinding>},
    {"batchNormForward", guarded<nb::batchNormForwardBinding>},
    {"batchNormBackward", guarded<nb::batchNormBackwardBinding>},
    {"dropoutForward", guarded<nb::dropoutForwardBinding>},
    {"dropoutBackward", guarded<nb::dropoutBackwardBinding>},
    {"im2col", guarded<nb::im2colBinding>},
    {"col2im", guarded<nb::col2imBinding>},
    {"conv2dForward", guarded<nb::conv2dForwardBinding>},
    {"conv2dBackward", guarded<nb::conv2dBackwardBinding>},
    {"maxPool2dForward", guarded<nb::maxPool2dForwardBinding>},
    {"maxPool2dBackward", guarded<nb::maxPool2dBackwardBinding>},
    {"avgPool2dForward", guarded<nb::avgPool2dForwardBinding>},
    {"avgPool2dBackward", guarded<nb::avgPool2dBackwardBinding>},
    {"sgdStep", guarded<nb::sgdStepBinding>},
    {"adamStep", guarded<nb::adamStepBinding>},
    {"rmspropStep", guarded<nb::rmspropStepBinding>},
    {"adagradStep", guarded<nb::adagradStepBinding>},
    {"axpy", guarded<nb::axpyBinding>},
    {"scale", guarded<nb::scaleBinding>},
    {"fill", guarded<nb::fillBinding>},
    {"copy", guarded<nb::copyBinding>},
    {"mul", guarded<nb::mulBinding>},
    {"sum", guarded<nb::sumBinding>},
    {"setNumThreads", guarded<nb::setNumThreadsBinding>},
    {"getNumThreads", guarded<nb::getNumThreadsBinding>},
    {"openblasInfo", guarded<nb::openblasInfoBinding>},
};

NeuroblasAddon::NeuroblasAddon(Napi::Env env, Napi::Object exports) {
  // Before any export can run, so before the first BLAS call in the process.
  nb::initOpenblasOnce();
  // Plain functions rather than InstanceMethods: they find this instance through the environment's instance
  // data (set by Napi::Addon), so they work whatever `this` they are called with, and the hot path never
  // unwraps an object.
  for (const Export& e : kExports) exports.Set(e.name, Napi::Function::New(env, e.callback, e.name));
}

}  // namespace

NODE_API_ADDON(NeuroblasAddon)
