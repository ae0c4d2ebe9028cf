// 2×2 max pooling with stride 2 and no padding (LeNet's, and most CNNs'), 8 outputs at a time in vector registers.
// Rows are short in small networks (LeNet: 14 and 5 outputs), where the compiler's own loop ran its scalar remainder
// with a mispredicted branch per candidate: 1.2 ms for LeNet's first pooling on 128 images.
#pragma once

#include <cstdint>

namespace nb {

struct Planes {
  int64_t planes, H, W, OH, OW;  // all the planes (N·C); OH = ⌊H/2⌋, OW = ⌊W/2⌋
};

// Planes [first, last): Y and argmax as the general loop computes them (ties to the first maximum in window order,
// NaN wins).
void maxPool2x2Forward(const Planes& p, int64_t first, int64_t last, const float* X, float* Y, int32_t* argmax);

// Whether every argmax of planes [first, last) names one of its own window's four pixels (as the forward pass leaves
// them). The caller checks before maxPool2x2Backward writes anything, and otherwise scatters (the general rule).
bool maxPool2x2InWindows(const Planes& p, int64_t first, int64_t last, const int32_t* argmax);

// Planes [first, last) of dX written whole, for argmax in their windows: dY where argmax names the pixel, +0
// elsewhere (also in a last row or column no window covers).
void maxPool2x2Backward(const Planes& p, int64_t first, int64_t last, const float* dY, const int32_t* argmax, float* dX);

}  // namespace nb
