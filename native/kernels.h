// The kernels other kernel families reuse (dense layers are sgemm + bias + activation). Plain C++ over raw
// pointers; arguments are already checked. Sizes are int64_t: every one is <= INT32_MAX (check.h) and their
// products fit.
#pragma once

#include <cstdint>

namespace nb {

// Activation codes: the index in ACTIVATION_KINDS (lib/backend/contract.ts). Keep the two in the same order.
enum Activation : int {
  kLinear = 0,
  kSigmoid,
  kTanh,
  kRelu,
  kLeakyRelu,
  kElu,
  kSoftplus,
  kGelu,
  kGeluTanh,
  kSilu,
  kSelu,
  kMish,
  kSoftsign,
  kHardsigmoid,
  kRelu6,
  kActivationCount
};

// Row-major C = alpha·op(A)·op(B) + beta·C with the zero-size cases handled here (OpenBLAS's xerbla prints
// and returns on a leading dimension of 0, so it never sees one); beta == 0 never reads C. Safe to call from several
// threads at once for M > 1 and M·N·K < kSerialGemm (OpenBLAS runs those on the calling thread, and sgemm then
// never touches its process-wide thread count).
constexpr int64_t kSerialGemm = 64 * 64 * 64;
void sgemm(bool transA, bool transB, int64_t M, int64_t N, int64_t K, float alpha, const float* A, const float* B, float beta, float* C);

// out[j] = beta·out[j] + Σ_i X[i·N + j], summed in double; beta == 0 never reads out.
void colSum(int64_t M, int64_t N, const float* X, double beta, float* out);

// Y = f(X) and dX = dY·f'(X) over n elements; Y may be X, and dX may be dY, X or Y (same elements only).
void activationForward(int kind, float param, int64_t n, const float* X, float* Y);
void activationBackward(int kind, float param, int64_t n, const float* X, const float* Y, const float* dY, float* dX);

// Output size along one axis of a convolution or pooling window: ⌊(size + 2·pad − dilation·(k − 1) − 1)/stride⌋ + 1
// (sizes <= kMaxDim, k, stride, dilation >= 1). Throws ERR_SHAPE when the window does not fit the padded input and
// ERR_OVERFLOW when the result is beyond kMaxDim (conv.cc; pool.cc uses it too).
int64_t windowOutput(const char* fn, const char* axis, int64_t size, int64_t k, int64_t stride, int64_t pad, int64_t dilation);

// E[j] = exp(X[j] − m), rounded once to float (softmax's row exponentials; the difference is taken in double, as
// the js backend does). E may be X. Shared by softmax.cc and losses.cc.
void expShifted(int64_t n, const float* X, float m, float* E);

}  // namespace nb
