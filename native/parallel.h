// Loops outside OpenBLAS (optimizer steps, activation layers, max pooling, the convolutions' batch) split over the
// threads the user chose (configuredThreads), so that a second core helps outside the GEMMs too: with 2 threads,
// MLP-A's SGD pass is about 7 % of a step whose GEMMs OpenBLAS splits, and LeNet-5's per-image convolution products
// are too small for OpenBLAS to split at all.
#pragma once

#include <cstdint>
#include <functional>

namespace nb {

// Runs fn(begin, end) over ranges that cover [0, n) exactly once, and returns when all have run. Below `grain`
// elements per thread, with one thread configured, or while another caller (a worker thread's environment) holds
// the helpers, it is fn(0, n) on the calling thread. The calling thread always runs the range that starts at 0 (so
// fn may hand it the caller's own scratch buffer). fn must not throw; ranges run concurrently, so fn may only write
// what its range owns.
void parallelFor(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn);

}  // namespace nb
