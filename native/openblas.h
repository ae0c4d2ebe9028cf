// Process-wide OpenBLAS setup (core type, default threads). Runs once however many environments (main thread,
// workers) load the addon; addon.cc calls it before any export can run, so before the first BLAS call.
#pragma once

namespace nb {

void initOpenblasOnce();

}  // namespace nb
