// Direct convolution for windows with few taps: stride 1, dilation 1, C·kh·kw <= 64, kw <= 8 and output rows of at
// most 32 pixels (LeNet's first layer: 1×5×5 taps, 28-pixel rows). There the im2col path's per-image products have
// K = 25 and M = 6, which OpenBLAS's AVX2 kernels run at 13–19 GFLOP/s (`npm run bench:conv-gemm`): too short to
// amortize packing. These kernels keep an output row of up to 3 channels in vector registers and add every tap to it
// straight from a padded copy of the image, with no im2col and no packing. One image per call; the batch loop and
// its threads are conv.cc's.
#pragma once

#include <cstdint>

namespace nb {

// A stride-1, undilated layer's geometry, for these kernels and the channel kernels (conv-channels.h).
struct DirectShape {
  int64_t C, H, W, kh, kw, pad, OH, OW;
};

inline bool directConv(int64_t stride, int64_t dilation, int64_t C, int64_t kh, int64_t kw, int64_t OW) {
  return stride == 1 && dilation == 1 && C * kh * kw <= 64 && kw <= 8 && OW <= 32;
}

// y (O×OH×OW) = weight ⊛ x + bias: each output summed over the taps in (c, i, j) order, the bias added last.
void directForward(const DirectShape& s, int64_t O, const float* x, const float* weight, const float* bias, float* y);

// lanes (O·C·kh·kw × 8) += one image's weight-gradient terms, as 8 running sums per weight (sumLanes adds them).
void directWeightGrad(const DirectShape& s, int64_t O, const float* x, const float* dy, float* lanes);

// out[r] = Σ_l lanes[8r + l], in lane order, for r < count.
void sumLanes(int64_t count, const float* lanes, float* out);

}  // namespace nb
