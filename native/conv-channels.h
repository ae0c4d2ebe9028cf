// Direct convolution for layers with many output channels and small images: stride 1, dilation 1, at least 8
// output channels, per-image products below kSerialGemm multiply-adds (LeNet's second layer: 6×5×5 taps, 16
// channels, 10×10 outputs). There the im2col path spends as long copying windows (rows of 10 pixels) as OpenBLAS
// spends on its small products (`npm run bench:conv-gemm`). These kernels read the image in place of im2col:
// - the forward pass and the weight gradient keep 16 output channels in one vector (the weights transposed to
//   tap-major order once per call) and add each tap's pixel, broadcast, to a block of output pixels;
// - the input gradient is the full correlation of dY with the flipped weights: an input row of up to 32 pixels in
//   vectors, a block of input channels at a time, each tap a row of dY (zero-padded) times one weight.
// One image per call; the batch loop, its threads and the choice of kernel are conv.cc's.
#pragma once

#include <cstdint>

#include "conv-direct.h"  // DirectShape: the same stride-1 geometry

namespace nb {

// Output channels padded to whole vectors: the row length of the tap-major weights and gradients below.
inline int64_t channelStride(int64_t O) { return (O + 15) / 16 * 16; }

// Whether the forward pass and weight gradient of this layer take the channel kernels (conv.cc also requires the
// per-image products to be small).
inline bool channelConvFits(int64_t stride, int64_t dilation, int64_t O, int64_t K) {
  return stride == 1 && dilation == 1 && O >= 8 && K <= 4096;
}

// Whether the input gradient takes the row kernel (with finite weights: conv.cc checks them).
inline bool rowInputGradFits(int64_t stride, int64_t dilation, int64_t W) { return stride == 1 && dilation == 1 && W <= 32; }

// wt (K × channelStride(O)) = weight (O × K) transposed, zero past O.
void tapMajorWeights(int64_t O, int64_t K, const float* weight, float* wt);

// y (O×OH×OW) = weight ⊛ x + bias, from tap-major weights: each output summed over the taps in (c, i, j) order,
// the bias added last (as the row kernels and PyTorch's addmm).
void channelForward(const DirectShape& s, int64_t O, const float* x, const float* wt, const float* bias, float* y);

// sums (K × channelStride(O), tap-major) += one image's weight gradient, each summed over the output pixels in order.
void channelWeightGrad(const DirectShape& s, int64_t O, const float* x, const float* dy, float* sums);

// dx (C×H×W) = the input gradient of one image, from weights in (o, i, j, c) order with C padded to inputBlock(s)
// (inputGradWeights). Exact only for finite weights: a tap whose dY row lies in the padding adds weight·0.
void rowInputGrad(const DirectShape& s, int64_t O, const float* dy, const float* wr, float* dx);

// The input channels rowInputGrad computes at once (the padding of wr's last axis).
int64_t inputBlock(const DirectShape& s);

// wr (O×kh×kw × Cpad) = weight (O×C×kh×kw) with the input channel last, zero past C; Cpad = C rounded up to inputBlock.
void inputGradWeights(const DirectShape& s, int64_t O, const float* weight, float* wr);

}  // namespace nb
