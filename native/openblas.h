// Process-wide OpenBLAS setup (core type, default threads). Runs once however many environments (main thread,
// workers) load the addon; addon.cc calls it before any export can run, so before the first BLAS call.
#pragma once

namespace nb {

void initOpenblasOnce();

// The thread count the user chose (setNumThreads, NEUROBLAS_NUM_THREADS, OPENBLAS_NUM_THREADS; default 1). sgemm
// lowers OpenBLAS's count to 1 around small products and restores this value after them.
int configuredThreads();

}  // namespace nb
