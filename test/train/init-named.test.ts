/**
 * The initializers a layer can name (issue 13 item 6): orthogonal (W·Wᵀ = I for rows ≤ cols, PyTorch's orthogonal_),
 * truncatedNormal (TensorFlow's: redrawn beyond ±2 std), lecunNormal / lecunUniform (std 1/√fanIn, SELU's), ones and
 * constant, through Dense's and Conv2d's kernelInitializer and through initialize() itself.
 */
import { describe, expect, it } from 'vitest';
import { Conv2d, Dense, Random, initialize } from '../../lib/index.js';
import { expectError } from '../helpers/errors.js';

/** A·Aᵀ for a rows × cols row-major matrix. */
function gram(a: Float32Array, rows: number, cols: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < rows; j++) {
      let s = 0;
      for (let k = 0; k < cols; k++) s += a[i * cols + k] * a[j * cols + k];
      out.push(s);
    }
  return out;
}
const identity = (n: number, gain = 1): number[] => Array.from({ length: n * n }, (_, k) => (k % (n + 1) === 0 ? gain * gain : 0));
const transpose = (a: Float32Array, rows: number, cols: number): Float32Array =>
  Float32Array.from({ length: a.length }, (_, k) => a[(k % rows) * cols + Math.floor(k / rows)]);
function expectNear(got: number[], want: number[], tol: number): void {
  const worst = Math.max(...got.map((g, i) => Math.abs(g - want[i])));
  expect(worst).toBeLessThan(tol);
}
function stats(a: Float32Array): { mean: number; std: number; max: number } {
  const mean = a.reduce((s, v) => s + v, 0) / a.length;
  const std = Math.sqrt(a.reduce((s, v) => s + (v - mean) ** 2, 0) / a.length);
  return { mean, std, max: Math.max(...a.map(Math.abs)) };
}

describe('named initializers', () => {
  it('orthogonal: W·Wᵀ = I for rows ≤ cols (Dense [in, out], Conv2d [out, in·k·k]), Wᵀ·W = I otherwise, times gain', () => {
    const dense = new Dense(7, 13, { kernelInitializer: 'orthogonal' });
    expectNear(gram(dense.weight.data, 7, 13), identity(7), 1e-5);
    const conv = new Conv2d(3, 4, 3, { kernelInitializer: 'orthogonal' });
    expectNear(gram(conv.weight.data, 4, 27), identity(4), 1e-5);
    const tall = new Dense(31, 5, { kernelInitializer: { kind: 'orthogonal', gain: 2 } });
    expectNear(gram(transpose(tall.weight.data, 31, 5), 5, 31), identity(5, 2), 1e-5);
    const square = new Float32Array(64 * 64);
    initialize('orthogonal', square, [64, 64], new Random(3));
    expectNear(gram(square, 64, 64), identity(64), 1e-5);
    // Seeded: the same generator state gives the same matrix.
    const again = new Float32Array(64 * 64);
    initialize('orthogonal', again, [64, 64], new Random(3));
    expect(again).toEqual(square);
  });

  it('truncatedNormal: within ±2 std of the mean (std 0.05 unless given), the truncated spread', () => {
    const a = new Float32Array(20000);
    initialize({ kind: 'truncatedNormal', mean: 1, std: 0.5 }, a, [100, 200], new Random(1));
    const s = stats(a.map((v) => v - 1));
    expect(s.max).toBeLessThanOrEqual(1 + 1e-6);
    expect(Math.abs(s.mean)).toBeLessThan(0.01);
    expect(s.std / 0.5).toBeCloseTo(0.8796, 1); // a standard normal cut at ±2 has std 0.8796
    const d = new Dense(50, 40, { kernelInitializer: 'truncatedNormal' });
    expect(stats(d.weight.data).max).toBeLessThanOrEqual(0.1 + 1e-6);
  });

  it('lecunNormal and lecunUniform: std 1/√fanIn; ones; constant', () => {
    const n = new Dense(400, 50, { kernelInitializer: 'lecunNormal' });
    expect(stats(n.weight.data).std * Math.sqrt(400)).toBeCloseTo(1, 1);
    const u = new Dense(400, 50, { kernelInitializer: 'lecunUniform' });
    expect(stats(u.weight.data).max).toBeLessThanOrEqual(Math.sqrt(3 / 400));
    expect(stats(u.weight.data).std * Math.sqrt(400)).toBeCloseTo(1, 1);
    expect([...new Dense(2, 3, { kernelInitializer: 'ones' }).weight.data]).toEqual([1, 1, 1, 1, 1, 1]);
    const c = new Dense(2, 3, { kernelInitializer: { kind: 'constant', value: 0.25 }, biasInitializer: { kind: 'constant', value: -1 } });
    expect([...c.weight.data]).toEqual([0.25, 0.25, 0.25, 0.25, 0.25, 0.25]);
    expect([...c.bias!.data]).toEqual([-1, -1, -1]);
  });

  it('an unknown name or a bad setting is an error that says what to use', () => {
    expectError(() => new Dense(2, 3, { kernelInitializer: 'orthogonl' as never }), 'ERR_INVALID_ARG', /did you mean "orthogonal"/);
    expectError(() => initialize({ kind: 'truncatedNormal', std: -1 }, new Float32Array(4), [2, 2]), 'ERR_INVALID_ARG', /std >= 0/);
    expectError(() => initialize('orthogonal', new Float32Array(4), [4]), 'ERR_SHAPE', /orthogonal needs a weight of at least 2/);
  });
});
