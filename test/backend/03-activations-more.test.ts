/**
 * The activations added for issue 13 (gelu, gelu_tanh, silu, selu, mish, softsign, hardsigmoid, relu6) against
 * PyTorch 1.13 (test/fixtures/reference/activations_more.json, copied from the shared reference set), and NaN
 * through every activation kind as PyTorch does it (activations_nan.json, written by 03-activations-nan.py).
 */
import { describe, expect, it } from 'vitest';
import { ACTIVATION_KINDS, type ActivationKind } from '../../lib/index.js';
import { backends } from '../helpers/backends.js';
import { expectClose, f32 } from '../helpers/close.js';
import { act64, actGrad64 } from '../helpers/naive.js';
import { Rng } from '../helpers/random.js';
import { reference } from '../helpers/reference.js';

interface MoreRef {
  x: number[];
  g: number[];
  cases: Record<string, { y: number[]; dx: number[] }>;
}
interface NanRef {
  cases: Record<string, { y: number | 'NaN'; dx: number | 'NaN' }>;
}
const ref = reference<MoreRef>('activations_more');
const nanRef = reference<NanRef>('activations_nan');
const NEW_KINDS = Object.keys(ref.cases) as ActivationKind[];
const TOL = { rtol: 1e-5 };
const num = (v: number | 'NaN') => (v === 'NaN' ? Number.NaN : v);

/**
 * Where PyTorch 1.13's float32 formula cancels, the size of its rounding error there (else 0): its GELU computes
 * x·(1 + erf(x/√2))/2 and 0.5x·(1 + tanh u), whose 1 + (≈ −1) loses digits for x below about −1 (at x = −3,
 * 4e-5 relative); its SELU computes exp(x) − 1 (at x = −0.001, 1e-5 relative; as its ELU, 03-activations);
 * its softsign gradient comes from autograd as 1/(1+|x|) − |x|/(1+|x|)² (at x = 1000, 7e-5 relative). Both
 * backends use the forms that do not cancel (erfc, σ(2u), expm1, 1/(1+|x|)²), so there the float64 value is
 * the expectation, and PyTorch's value must lie within its cancellation error of it: the fixture still pins
 * every value.
 */
function cancellation(kind: ActivationKind, what: 'y' | 'dx', x: number, g: number): number {
  const ulp1 = 2 ** -23; // float32 ulp at 1
  if ((kind === 'gelu' || kind === 'gelu_tanh') && x < -1)
    return what === 'y' ? Math.abs(x) * ulp1 : Math.abs(g) * (1 + Math.abs(x)) * ulp1;
  if (kind === 'selu' && what === 'y' && Math.abs(x) < 0.01) return 2 * ulp1;
  if (kind === 'softsign' && what === 'dx' && Math.abs(x) > 10) return (2 * Math.abs(g) * ulp1) / (1 + Math.abs(x));
  return 0;
}

function expected(kind: ActivationKind, what: 'y' | 'dx'): number[] {
  return ref.cases[kind][what].map((v, i) => {
    const x = Math.fround(ref.x[i]),
      g = Math.fround(ref.g[i]);
    const bound = cancellation(kind, what, x, g);
    if (bound === 0) return v;
    const exact = what === 'y' ? act64(kind, 0, x) : actGrad64(kind, 0, x, act64(kind, 0, x), g);
    expect(Math.abs(exact - v), `${kind} ${what} at ${x}: PyTorch ${v}, float64 ${exact}`).toBeLessThanOrEqual(bound);
    return Math.fround(exact);
  });
}

describe.each(backends)('activations added in issue 13 ($name)', (b) => {
  it.each(NEW_KINDS)('%s forward and backward match PyTorch at 1e-5 (x from −1000 to 1000)', (kind) => {
    const n = ref.x.length,
      X = f32(ref.x),
      Y = new Float32Array(n),
      dX = new Float32Array(n);
    b.activationForward(kind, 0, n, X, Y);
    expectClose(Y, expected(kind, 'y'), TOL, `${kind} y`);
    b.activationBackward(kind, 0, n, X, Y, f32(ref.g), dX);
    expectClose(dX, expected(kind, 'dx'), TOL, `${kind} dx`);
  });

  it.each(NEW_KINDS)('%s on 1001 values (odd size) matches float64 at 1e-5', (kind) => {
    const X = new Rng(kind.length + 11).floats(1001, 8),
      n = X.length;
    X.set([0, -0, 3, -3, 6, -6, 1e-30, -1e-30, 88, -88]);
    const Y = new Float32Array(n),
      dX = new Float32Array(n),
      dY = new Rng(3).floats(n);
    // GELU's far tail is a float32 subnormal (gelu(−13) ≈ −9e-43), which holds fewer digits: one subnormal ulp.
    const tol = { rtol: 1e-5, atol: 2 ** -149 };
    b.activationForward(kind, 0, n, X, Y);
    expectClose(
      Y,
      Array.from(X, (x) => act64(kind, 0, x)),
      tol,
      'y',
    );
    b.activationBackward(kind, 0, n, X, Y, dY, dX);
    expectClose(
      dX,
      Array.from(X, (x, i) => actGrad64(kind, 0, x, Y[i], dY[i])),
      tol,
      'dx',
    );
  });

  it('the NaN reference covers every activation kind', () => {
    expect(Object.keys(nanRef.cases).sort()).toEqual([...ACTIVATION_KINDS].sort());
  });

  it.each([...ACTIVATION_KINDS])('%s: NaN in, NaN out, and the gradient at NaN is PyTorch’s (relu(NaN) is NaN)', (kind) => {
    const param = kind === 'leaky_relu' ? 0.01 : kind === 'elu' ? 1 : 0;
    // NaN among ordinary values, so a vectorized loop meets it in every lane position.
    const X = f32([1, Number.NaN, -2, 0.5, Number.NaN, 7, -7, Number.NaN, 2]),
      n = X.length,
      Y = new Float32Array(n),
      dX = new Float32Array(n);
    b.activationForward(kind, param, n, X, Y);
    b.activationBackward(kind, param, n, X, Y, new Float32Array(n).fill(0.75), dX);
    const { y, dx } = nanRef.cases[kind];
    for (let i = 0; i < n; i++) {
      if (!Number.isNaN(X[i])) {
        expect(Number.isNaN(Y[i]), `${kind}(${X[i]})`).toBe(false);
        continue;
      }
      expectClose([Y[i]], [num(y)], TOL, `${kind}(NaN)`);
      expectClose([dX[i]], [num(dx)], TOL, `${kind}'(NaN)·0.75`);
    }
  });
});
