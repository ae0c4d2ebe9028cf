/**
 * The two tolerance rules used beyond plain 1e-5 relative, in one place so they are decided once.
 * Both keep the 1e-5 relative bound and only add an absolute term where relative error is meaningless.
 */
import type { Tolerance } from './close.js';

/**
 * For results of sums (matrix products, column sums, gradients): 1e-5 relative per element, plus the same
 * fraction of the largest entry. An entry that is the result of cancellation has no meaningful relative
 * error: PyTorch's own float32 sgemm reference is 3e-5 off the exact product at such an entry.
 */
export const normwise = (expected: ArrayLike<number>, rtol = 1e-5): Tolerance => ({
  rtol,
  atol: rtol * Array.from(expected, Math.abs).reduce((m, v) => Math.max(m, v), 0),
});

/**
 * For optimizer trajectories: 1e-5 relative, plus 1e-6 of the largest magnitude each parameter has had.
 * A parameter that passed through 1 and ends near 0.001 carries the float32 rounding of its earlier values
 * (6e-8 a step; the spec lets native compute in float), so its final relative error says nothing; 1e-6 of
 * its peak (~16 ulps) still catches any wrong term of the update (a weight-decay term lr·wd·p is far larger).
 */
export const trajectoryTol = (peak: ArrayLike<number>): Tolerance => ({ rtol: 1e-5, atol: Array.from(peak, (m) => 1e-6 * m) });
