// How a .cc file adds an export to the addon: define the binding, then name it once with NB_EXPORT:
//
//   Napi::Value axpyBinding(const Napi::CallbackInfo& info) { ... }
//   NB_EXPORT(axpy, axpyBinding);
//
// The name is the kernel's name in the contract table (lib/backend/contract.ts); lib/backend/native.ts refuses
// an addon that lacks one, and a test refuses one that exports a name the table does not have. NB_EXPORT
// registers the binding while the library loads (static initialization, before the addon's init runs), behind
// the guard that turns a failed check (nb::Failure, check.h) into the library's NeuroblasError. So a new
// kernel touches no list: not addon.cc, not a header.
#pragma once

#include <napi.h>

#include <exception>
#include <string>
#include <vector>

#include "check.h"

namespace nb {

using Binding = Napi::Value (*)(const Napi::CallbackInfo&);

struct Export {
  const char* name;
  Napi::Function::Callback callback;
};

// Every registered export. A function-local static: it exists before the first NB_EXPORT runs, whatever the
// order in which the object files' initializers run.
std::vector<Export>& registeredExports();

struct Registrar {
  Registrar(const char* name, Napi::Function::Callback callback) { registeredExports().push_back({name, callback}); }
};

// Throws a failed check into JavaScript as the library's error (addon.cc: NeuroblasError once it was handed over).
void throwFailure(Napi::Env env, const Failure& failure);
void throwPlainError(Napi::Env env, const char* code, const std::string& message);

// Every export runs behind this: the bindings report bad arguments by throwing nb::Failure, which must not
// escape into node-addon-api (it only converts Napi::Error; anything else would terminate the process).
template <Binding Fn>
Napi::Value guarded(const Napi::CallbackInfo& info) {
  try {
    return Fn(info);
  } catch (const Failure& failure) {
    throwFailure(info.Env(), failure);
  } catch (const Napi::Error&) {
    throw;  // a JavaScript exception already; node-addon-api rethrows it into JavaScript
  } catch (const std::exception& e) {
    throwPlainError(info.Env(), "ERR_BACKEND", std::string("neuroblas native: ") + e.what());
  }
  return info.Env().Undefined();
}

}  // namespace nb

#define NB_EXPORT(name, binding) static const ::nb::Registrar nbExport_##name(#name, ::nb::guarded<binding>)
