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

}  // namespace nb
