/**
 * Relative-error comparison of float arrays. Vitest's own `toBeCloseTo` / `expect.closeTo` are absolute
 * (decimal digits) and per element, which is wrong for values spanning 1e-14..1e3 and unreadable on a
 * 1000-element mismatch; this reports the single worst element instead.
 */
import { expect } from 'vitest';

export interface Tolerance {
  /** Allowed error relative to the larger magnitude of the pair. */
  rtol: number;
  /** Allowed absolute error on top (for results of cancellation, whose relative error is meaningless);
   *  one number, or one per element when the scale of the terms differs from element to element. */
  atol?: number | ArrayLike<number>;
}

/** Passes when |a−b| ≤ rtol·max(|a|,|b|) + atol for every element (NaN equals only NaN, ±Infinity only itself). */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance, what = 'values'): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  const atolOf = (i: number) => (typeof tol.atol === 'number' ? tol.atol : tol.atol ? tol.atol[i] : 0);
  let worst = -1,
    worstExcess = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i],
      b = expected[i];
    if (Object.is(a, b) || a === b) continue;
    const diff = Math.abs(a - b);
    const excess = Number.isNaN(diff) ? Infinity : diff - (tol.rtol * Math.max(Math.abs(a), Math.abs(b)) + atolOf(i));
    if (excess > worstExcess || (worst < 0 && excess > 0)) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst >= 0) {
    const a = actual[worst],
      b = expected[worst];
    const rel = Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b));
    expect.fail(
      `${what}: worst element [${worst}] is ${a}, expected ${b} ` +
        `(relative error ${rel.toExponential(2)}, rtol ${tol.rtol}, atol ${atolOf(worst).toExponential(2)})`,
    );
  }
}

/** The scalar form of expectClose. */
export function expectCloseScalar(actual: number, expected: number, tol: Tolerance, what = 'value'): void {
  expectClose([actual], [expected], tol, what);
}

/** Float32 rounding of every element, so references computed in float64 compare like for like. */
export const f32 = (xs: ArrayLike<number>): Float32Array => Float32Array.from(xs as ArrayLike<number>);
