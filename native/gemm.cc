// Matrix kernels: sgemm over OpenBLAS, bias add, column sums, and the dense layer's forward and backward,
// each done in one crossing from JavaScript.
#include <cblas.h>

#include <algorithm>
#include <cstring>

#include "check.h"
#include "export.h"
#include "kernels.h"
#include "openblas.h"
#include "parallel.h"

namespace nb {

namespace {

// C = beta·C for an M×N block, the whole of sgemm when K == 0 or alpha == 0. beta == 0 writes exact zeros
// (NaN already in C is dropped, as BLAS does).
void scaleMatrix(int64_t count, float beta, float* C) {
  if (beta == 0.0f) {
    std::fill(C, C + count, 0.0f);
  } else if (beta != 1.0f) {
    for (int64_t i = 0; i < count; i++) C[i] *= beta;
  }
}

void biasAdd(int64_t M, int64_t N, const float* bias, float* Y) {
  for (int64_t i = 0; i < M; i++) {
    float* row = Y + i * N;
    for (int64_t j = 0; j < N; j++) row[j] += bias[j];
  }
}

// Multiply-adds below which a product runs on one thread whatever the configured count. OpenBLAS splits every
// product above 64³ (262,144) over all its threads, but waking and joining a second thread costs about as much as
// a product of a few million multiply-adds (~10–20 µs): MLP-A's 128×10×256 layers were slower on 2 threads than
// on 1, its 128×512×784 and 128×256×512 ones gain. Measured with bench/threads.ts.
constexpr double kParallelGemm = 4.0 * 1024 * 1024;
// OpenBLAS runs a product of fewer multiply-adds than this (M > 1) on the calling thread whatever its count, so
// sgemm leaves the process-wide count alone for those: that makes them safe to call from several threads at once
// (parallel.h; the convolutions split their batch so). sgemv (M = 1) has a lower threshold of its own.
constexpr double kOpenblasSerialGemm = static_cast<double>(kSerialGemm);

// A big product on `threads` threads: C's columns (or rows, when C is taller than wide) in as many bands, multiples of
// 16 wide, each an OpenBLAS call on one thread of ours (parallel.h) with OpenBLAS itself on one thread. OpenBLAS's own
// split of MLP-A's products scaled 1.1–1.9× on 2 threads, shape by shape and run by run; these bands scale 1.5–1.7×
// on every shape (bench/threads.ts), and MLP-A's training steps gained 3–8 %. Every entry of C is the same dot
// product in the same order as on one thread, so the bits do not depend on the thread count.
void splitGemm(int threads, bool transA, bool transB, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int lda, const float* B,
               int ldb, float beta, float* C) {
  const bool byColumns = N >= M;
  const int64_t size = byColumns ? N : M;
  const CBLAS_TRANSPOSE ta = transA ? CblasTrans : CblasNoTrans, tb = transB ? CblasTrans : CblasNoTrans;
  openblas_set_num_threads(1);
  parallelFor(threads, 1, [&](int64_t first, int64_t last) {
    for (int64_t t = first; t < last; t++) {
      const int64_t lo = size * t / threads / 16 * 16, hi = t + 1 == threads ? size : size * (t + 1) / threads / 16 * 16;
      if (hi <= lo) continue;
      const int width = static_cast<int>(hi - lo);
      if (byColumns) {  // C[:, lo:hi] = op(A) · op(B)[:, lo:hi]
        cblas_sgemm(CblasRowMajor, ta, tb, static_cast<int>(M), width, static_cast<int>(K), alpha, A, lda, transB ? B + lo * K : B + lo,
                    ldb, beta, C + lo, static_cast<int>(N));
      } else {  // C[lo:hi, :] = op(A)[lo:hi, :] · op(B)
        cblas_sgemm(CblasRowMajor, ta, tb, width, static_cast<int>(N), static_cast<int>(K), alpha, transA ? A + lo : A + lo * K, lda, B,
                    ldb, beta, C + lo * N, static_cast<int>(N));
      }
    }
  });
  openblas_set_num_threads(threads);
}

}  // namespace

void sgemm(bool transA, bool transB, int64_t M, int64_t N, int64_t K, float alpha, const float* A, const float* B, float beta, float* C) {
  if (M == 0 || N == 0) return;
  if (K == 0 || alpha == 0.0f) {
    scaleMatrix(M * N, beta, C);
    return;
  }
  const int lda = static_cast<int>(transA ? M : K);
  const int ldb = static_cast<int>(transB ? K : N);
  const int threads = configuredThreads();
  const double macs = static_cast<double>(M) * static_cast<double>(N) * static_cast<double>(K);
  if (threads > 1 && M > 1 && macs >= kParallelGemm) {
    splitGemm(threads, transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C);
    return;
  }
  const bool serial = threads > 1 && macs < kParallelGemm && (M == 1 || macs >= kOpenblasSerialGemm);
  if (serial) openblas_set_num_threads(1);
  if (M == 1) {
    // One row (batch-1 inference): a matrix-vector product reads B once, where sgemm would first copy all of B into
    // its packed layout (OpenBLAS 0.3.21 does not send M = 1 to gemv). The row is contiguous whether or not A is
    // transposed. beta = 0 is a zero fill and then beta = 1, so C's old values (a NaN) are never read, as in sgemm.
    if (beta == 0.0f) std::fill(C, C + N, 0.0f);
    const float b = beta == 0.0f ? 1.0f : beta;
    if (transB) {  // op(B) = Bᵀ with B stored N×K: C = B·a
      cblas_sgemv(CblasRowMajor, CblasNoTrans, static_cast<int>(N), static_cast<int>(K), alpha, B, static_cast<int>(K), A, 1, b, C, 1);
    } else {  // B stored K×N: C = Bᵀ·a
      cblas_sgemv(CblasRowMajor, CblasTrans, static_cast<int>(K), static_cast<int>(N), alpha, B, static_cast<int>(N), A, 1, b, C, 1);
    }
  } else {
    cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans, static_cast<int>(M),
                static_cast<int>(N), static_cast<int>(K), alpha, A, lda, B, ldb, beta, C, static_cast<int>(N));
  }
  if (serial) openblas_set_num_threads(threads);
}

void colSum(int64_t M, int64_t N, const float* X, double beta, float* out) {
  // Columns in blocks so the double accumulators live on the stack (no allocation) and each row segment is
  // read contiguously.
  constexpr int64_t kBlock = 256;
  double acc[kBlock];
  for (int64_t j0 = 0; j0 < N; j0 += kBlock) {
    const int64_t width = std::min(kBlock, N - j0);
    for (int64_t j = 0; j < width; j++) acc[j] = 0.0;
    for (int64_t i = 0; i < M; i++) {
      const float* row = X + i * N + j0;
      for (int64_t j = 0; j < width; j++) acc[j] += row[j];
    }
    for (int64_t j = 0; j < width; j++) {
      float* o = out + j0 + j;
      *o = static_cast<float>(beta == 0.0 ? acc[j] : beta * *o + acc[j]);
    }
  }
}

Napi::Value sgemmBinding(const Napi::CallbackInfo& info) {
  const char* fn = "sgemm";
  Args a(info, fn, 10);
  const bool transA = a.boolean(0, "transA"), transB = a.boolean(1, "transB");
  const int64_t M = a.size(2, "M"), N = a.size(3, "N"), K = a.size(4, "K");
  const double alpha = a.number(5, "alpha");
  const float* A = a.f32(6, "A", product(fn, "M·K", M, K));
  const float* B = a.f32(7, "B", product(fn, "K·N", K, N));
  const double beta = a.number(8, "beta");
  float* C = a.f32(9, "C", product(fn, "M·N", M, N));
  sgemm(transA, transB, M, N, K, static_cast<float>(alpha), A, B, static_cast<float>(beta), C);
  return info.Env().Undefined();
}
NB_EXPORT(sgemm, sgemmBinding);

Napi::Value biasAddBinding(const Napi::CallbackInfo& info) {
  const char* fn = "biasAdd";
  Args a(info, fn, 4);
  const int64_t M = a.size(0, "M"), N = a.size(1, "N");
  const float* bias = a.f32(2, "bias", N);
  float* Y = a.f32(3, "Y", product(fn, "M·N", M, N));
  biasAdd(M, N, bias, Y);
  return info.Env().Undefined();
}
NB_EXPORT(biasAdd, biasAddBinding);

Napi::Value colSumBinding(const Napi::CallbackInfo& info) {
  const char* fn = "colSum";
  Args a(info, fn, 5);
  const int64_t M = a.size(0, "M"), N = a.size(1, "N");
  const float* X = a.f32(2, "X", product(fn, "M·N", M, N));
  const double beta = a.number(3, "beta");
  float* out = a.f32(4, "out", N);
  colSum(M, N, X, beta, out);
  return info.Env().Undefined();
}
NB_EXPORT(colSum, colSumBinding);

Napi::Value denseForwardBinding(const Napi::CallbackInfo& info) {
  const char* fn = "denseForward";
  Args a(info, fn, 10);
  const int64_t M = a.size(0, "M"), N = a.size(1, "N"), K = a.size(2, "K");
  const int64_t mn = product(fn, "M·N", M, N);
  const float* X = a.f32(3, "X", product(fn, "M·K", M, K));
  const float* W = a.f32(4, "W", product(fn, "K·N", K, N));
  const float* bias = a.f32OrNull(5, "bias", N);
  const int kind = a.activation(6, "kind");
  const float param = static_cast<float>(a.number(7, "param"));
  float* Z = a.f32OrNull(8, "Z", mn);
  float* Y = a.f32(9, "Y", mn);
  // Without Z (inference, or linear) the product goes straight into Y and f is applied there in place; otherwise
  // into Z. Either way one pass per row then adds the bias and applies f while the row is still in L1.
  float* out = Z != nullptr ? Z : Y;
  sgemm(false, false, M, N, K, 1.0f, X, W, 0.0f, out);
  if (M == 0 || N == 0) return info.Env().Undefined();
  for (int64_t i = 0; i < M; i++) {
    float* zRow = out + i * N;
    if (bias != nullptr) {
      for (int64_t j = 0; j < N; j++) zRow[j] += bias[j];
    }
    if (Z != nullptr) {
      activationForward(kind, param, N, zRow, Y + i * N);
    } else if (kind != kLinear) {
      activationForward(kind, param, N, zRow, zRow);
    }
  }
  return info.Env().Undefined();
}
NB_EXPORT(denseForward, denseForwardBinding);

Napi::Value denseBackwardBinding(const Napi::CallbackInfo& info) {
  const char* fn = "denseBackward";
  Args a(info, fn, 15);
  const int64_t M = a.size(0, "M"), N = a.size(1, "N"), K = a.size(2, "K");
  const int64_t mk = product(fn, "M·K", M, K), kn = product(fn, "K·N", K, N), mn = product(fn, "M·N", M, N);
  const float* X = a.f32(3, "X", mk);
  const float* W = a.f32(4, "W", kn);
  const int kind = a.activation(5, "kind");
  const float param = static_cast<float>(a.number(6, "param"));
  const float* Z = a.f32OrNull(7, "Z", mn);
  const float* Y = a.f32(8, "Y", mn);
  const float* dY = a.f32(9, "dY", mn);
  float* dZ = a.f32(10, "dZ", mn);
  const double beta = a.number(11, "beta");
  float* dW = a.f32(12, "dW", kn);
  float* dBias = a.f32OrNull(13, "dBias", N);
  float* dX = a.f32OrNull(14, "dX", mk);
  if (Z == nullptr && kind != kLinear)
    fail("ERR_INVALID_ARG", std::string(fn) + ": Z (the pre-activation output) is required for this activation");

  if (kind == kLinear) {
    if (dZ != dY && mn > 0) std::memmove(dZ, dY, static_cast<size_t>(mn) * sizeof(float));
  } else {
    activationBackward(kind, param, mn, Z, Y, dY, dZ);
  }
  // dW (K×N) = beta·dW + Xᵀ·dZ: X is M×K, i.e. op(A) = Xᵀ with A stored M×K.
  sgemm(true, false, K, N, M, 1.0f, X, dZ, static_cast<float>(beta), dW);
  if (dBias != nullptr) colSum(M, N, dZ, beta, dBias);
  // dX (M×K) = dZ·Wᵀ: W is K×N, i.e. op(B) = Wᵀ with B stored K×N.
  if (dX != nullptr) sgemm(false, true, M, K, N, 1.0f, dZ, W, 0.0f, dX);
  return info.Env().Undefined();
}
NB_EXPORT(denseBackward, denseBackwardBinding);

}  // namespace nb
