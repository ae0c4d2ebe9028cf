// Every addon export, one per kernel in the backend contract (lib/backend/contract.ts), grouped by the file
// that defines it. Each reads its positional arguments with nb::Args (check.h), then runs the kernel.
// addon.cc registers them behind a guard that turns nb::Failure into the library's NeuroblasError.
#pragma once

#include <napi.h>

namespace nb {

using Binding = Napi::Value (*)(const Napi::CallbackInfo&);

// gemm.cc
Napi::Value sgemmBinding(const Napi::CallbackInfo& info);
Napi::Value biasAddBinding(const Napi::CallbackInfo& info);
Napi::Value colSumBinding(const Napi::CallbackInfo& info);
Napi::Value denseForwardBinding(const Napi::CallbackInfo& info);
Napi::Value denseBackwardBinding(const Napi::CallbackInfo& info);
// activations.cc
Napi::Value activationForwardBinding(const Napi::CallbackInfo& info);
Napi::Value activationBackwardBinding(const Napi::CallbackInfo& info);
// softmax.cc
Napi::Value softmaxForwardBinding(const Napi::CallbackInfo& info);
Napi::Value softmaxBackwardBinding(const Napi::CallbackInfo& info);
// losses.cc
Napi::Value softmaxCrossEntropyBinding(const Napi::CallbackInfo& info);
Napi::Value softmaxCrossEntropySoftBinding(const Napi::CallbackInfo& info);
Napi::Value sigmoidBceBinding(const Napi::CallbackInfo& info);
Napi::Value mseBinding(const Napi::CallbackInfo& info);
// batchnorm.cc
Napi::Value batchNormForwardBinding(const Napi::CallbackInfo& info);
Napi::Value batchNormBackwardBinding(const Napi::CallbackInfo& info);
// dropout.cc
Napi::Value dropoutForwardBinding(const Napi::CallbackInfo& info);
Napi::Value dropoutBackwardBinding(const Napi::CallbackInfo& info);
// conv.cc
Napi::Value im2colBinding(const Napi::CallbackInfo& info);
Napi::Value col2imBinding(const Napi::CallbackInfo& info);
Napi::Value conv2dForwardBinding(const Napi::CallbackInfo& info);
Napi::Value conv2dBackwardBinding(const Napi::CallbackInfo& info);
// pool.cc
Napi::Value maxPool2dForwardBinding(const Napi::CallbackInfo& info);
Napi::Value maxPool2dBackwardBinding(const Napi::CallbackInfo& info);
Napi::Value avgPool2dForwardBinding(const Napi::CallbackInfo& info);
Napi::Value avgPool2dBackwardBinding(const Napi::CallbackInfo& info);
// optim.cc
Napi::Value sgdStepBinding(const Napi::CallbackInfo& info);
Napi::Value adamStepBinding(const Napi::CallbackInfo& info);
Napi::Value rmspropStepBinding(const Napi::CallbackInfo& info);
Napi::Value adagradStepBinding(const Napi::CallbackInfo& info);
// elementwise.cc
Napi::Value axpyBinding(const Napi::CallbackInfo& info);
Napi::Value scaleBinding(const Napi::CallbackInfo& info);
Napi::Value fillBinding(const Napi::CallbackInfo& info);
Napi::Value copyBinding(const Napi::CallbackInfo& info);
Napi::Value mulBinding(const Napi::CallbackInfo& info);
Napi::Value sumBinding(const Napi::CallbackInfo& info);
// openblas.cc
Napi::Value setNumThreadsBinding(const Napi::CallbackInfo& info);
Napi::Value getNumThreadsBinding(const Napi::CallbackInfo& info);
Napi::Value openblasInfoBinding(const Napi::CallbackInfo& info);

// openblas.cc: process-wide OpenBLAS setup (core type, default threads). Runs once however many
// environments (main thread, workers) load the addon; must run before the first BLAS call.
void initOpenblasOnce();

}  // namespace nb
