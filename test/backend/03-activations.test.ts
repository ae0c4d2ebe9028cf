/** activationForward / activationBackward: PyTorch's values at 24 points including ±1000, other
 *  parameters, finiteness at the extremes, and in-place use. */
import { describe, expect, it } from 'vitest';
import { ACTIVATION_KINDS, type ActivationKind } from '../../lib/index.js';
import { backends } from '../helpers/backends.js';
import { expectClose, f32 } from '../helpers/close.js';
import { act64, actGrad64 } from '../helpers/naive.js';
import { Rng } from '../helpers/random.js';
import { reference, type ActivationsRef } from '../helpers/reference.js';

const ref = reference<ActivationsRef>('activations');
const paramOf = (kind: string) => ref.cases[kind]?.params.slope ?? ref.cases[kind]?.params.alpha ?? 0;
const TOL = { rtol: 1e-5 };

/** The distance from the float v to the next float away from zero. */
function floatUlp(v: number): number {
  const f = new Float32Array([Math.abs(v)]);
  new Uint32Array(f.buffer)[0]++;
  return f[0] - Math.abs(v);
}

/**
 * PyTorch's expected y, except ELU's at |x| < 0.01: PyTorch 1.13's float32 ELU computes exp(x) − 1, which
 * cancels there (at x = −0.001 it gives −0.00099951029, 1.01e-5 from the true −0.00099950021 that PyTorch
 * itself gives in float64); the spec requires expm1, so the float64 value is the right expectation.
 */
function expectedY(kind: ActivationKind): number[] {
  const y = ref.cases[kind].y;
  if (kind !== 'elu') return y;
  return y.map((v, i) => (Math.abs(ref.x[i]) < 0.01 ? act64('elu', paramOf('elu'), Math.fround(ref.x[i])) : v));
}

describe.each(backends)('activations ($name)', (b) => {
  it('the reference covers every activation kind (the newer ones in activations_more.json, 03-activations-more)', () => {
    const more = Object.keys(reference<ActivationsRef>('activations_more').cases);
    expect([...Object.keys(ref.cases), ...more].sort()).toEqual([...ACTIVATION_KINDS].sort());
  });

  it.each(Object.keys(ref.cases) as ActivationKind[])('%s forward and backward match PyTorch at 1e-5 (x from −1000 to 1000)', (kind) => {
    const n = ref.x.length,
      X = f32(ref.x),
      Y = new Float32Array(n),
      dX = new Float32Array(n);
    b.activationForward(kind, paramOf(kind), n, X, Y);
    expectClose(Y, expectedY(kind), TOL, `${kind} y`);
    b.activationBackward(kind, paramOf(kind), n, X, Y, f32(ref.g), dX);
    expectClose(dX, ref.cases[kind].dx, TOL, `${kind} dx`);
  });

  const others: [ActivationKind, number][] = [
    ['leaky_relu', 0.2],
    ['leaky_relu', 0],
    ['elu', 0.5],
    ['elu', 2],
  ];
  it.each(others)('%s with param %s matches float64', (kind, param) => {
    const X = f32([...ref.x, ...new Rng(4).floats(40, 3)]),
      n = X.length;
    const Y = new Float32Array(n),
      dX = new Float32Array(n),
      dY = new Rng(5).floats(n);
    b.activationForward(kind, param, n, X, Y);
    expectClose(
      Y,
      Array.from(X, (x) => act64(kind, param, x)),
      TOL,
      'y',
    );
    b.activationBackward(kind, param, n, X, Y, dY, dX);
    expectClose(
      dX,
      Array.from(X, (x, i) => actGrad64(kind, param, x, Y[i], dY[i])),
      TOL,
      'dx',
    );
  });

  // The native transcendental kernels use their own vectorized double exp/expm1 (native/vec-math.h), not libm (Mish
  // through (m² + 2m)/(m² + 2m + 2), m = eˣ, not tanh∘log1p; exact GELU uses libm's erfc, js its own erfc):
  // they must still round to the float nearest the true value, as float64 arithmetic does.
  it.each(['sigmoid', 'tanh', 'elu', 'softplus', 'silu', 'selu', 'gelu_tanh', 'mish', 'gelu'] as const)(
    '%s forward and backward: within one float ulp of float64 over 120,000 inputs, nearly all exact',
    (kind) => {
      const values: number[] = [];
      for (let i = 0; i <= 100_000; i++) values.push(-40 + (80 * i) / 100_000); // [-40, 40], 8e-4 apart
      for (let e = -38; e <= 1; e += 0.005) values.push(10 ** e, -(10 ** e)); // tiny to moderate, both signs
      const X = f32(values),
        n = X.length,
        param = paramOf(kind) || 1;
      const Y = new Float32Array(n),
        dX = new Float32Array(n),
        dY = new Rng(8).floats(n);
      b.activationForward(kind, param, n, X, Y);
      b.activationBackward(kind, param, n, X, Y, dY, dX);
      let inexact = 0;
      const check = (got: Float32Array, want: (i: number) => number, what: string) => {
        for (let i = 0; i < n; i++) {
          const w = Math.fround(want(i));
          if (got[i] === w) continue;
          inexact++;
          expect(Math.abs(got[i] - w), `${kind} ${what} at x = ${X[i]}: ${got[i]} vs ${w}`).toBeLessThanOrEqual(floatUlp(w));
        }
      };
      check(Y, (i) => act64(kind, param, X[i]), 'y');
      check(dX, (i) => actGrad64(kind, param, X[i], Y[i], dY[i]), 'dx');
      expect(inexact, 'values not correctly rounded').toBeLessThanOrEqual(2 * n * 1e-4);
    },
  );

  it.each([...ACTIVATION_KINDS])('%s is finite at ±1000, ±88, ±89 and ±1e30', (kind) => {
    const X = f32([1000, -1000, 88, -88, 89, -89, 1e30, -1e30]),
      n = X.length;
    const Y = new Float32Array(n),
      dX = new Float32Array(n);
    b.activationForward(kind, 0.5, n, X, Y);
    b.activationBackward(kind, 0.5, n, X, Y, new Float32Array(n).fill(1), dX);
    expect(Array.from(Y).every(Number.isFinite), `y = ${Array.from(Y)}`).toBe(true);
    expect(Array.from(dX).every(Number.isFinite), `dx = ${Array.from(dX)}`).toBe(true);
  });

  it.each([...ACTIVATION_KINDS])('%s in place: Y may be X, dX may be dY', (kind) => {
    const X = new Rng(6).floats(33, 2),
      n = X.length,
      param = paramOf(kind);
    const Y = new Float32Array(n),
      dY = new Rng(7).floats(n),
      dX = new Float32Array(n);
    b.activationForward(kind, param, n, X, Y);
    b.activationBackward(kind, param, n, X, Y, dY, dX);
    const inPlace = X.slice();
    b.activationForward(kind, param, n, inPlace, inPlace);
    expect(Array.from(inPlace)).toEqual(Array.from(Y));
    const g = dY.slice();
    b.activationBackward(kind, param, n, X, Y, g, g);
    expect(Array.from(g)).toEqual(Array.from(dX));
  });

  it('n = 0 writes nothing, and only the first n elements are written', () => {
    const X = f32([-1, -2, -3]),
      Y = f32([9, 9, 9]);
    b.activationForward('relu', 0, 0, X, Y);
    expect(Array.from(Y)).toEqual([9, 9, 9]);
    b.activationForward('relu', 0, 2, X, Y);
    expect(Array.from(Y)).toEqual([0, 0, 9]);
  });
});
