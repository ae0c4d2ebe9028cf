/** biasAdd, colSum, and the fused dense layer (forward and backward) for every activation, against
 *  float64 recomputations and against PyTorch's 5-7-6-3 networks. */
import { describe, expect, it } from 'vitest';
import { ACTIVATION_KINDS, type ActivationKind } from '../../lib/index.js';
import { backends } from '../helpers/backends.js';
import { expectClose, expectCloseScalar, f32 } from '../helpers/close.js';
import { act64, actGrad64, gemm64 } from '../helpers/naive.js';
import { Rng } from '../helpers/random.js';
import { normwise } from '../helpers/tolerances.js';
import { reference, type MlpRef } from '../helpers/reference.js';

const PARAM: Record<ActivationKind, number> = {
  ...(Object.fromEntries(ACTIVATION_KINDS.map((k) => [k, 0])) as Record<ActivationKind, number>),
  leaky_relu: 0.1,
  elu: 0.7,
};
const sumTol = normwise; // results of sums: see helpers/tolerances.ts

/** One dense layer in float64: Z = X·W + bias, Y = f(Z). */
function dense64(
  M: number,
  N: number,
  K: number,
  X: Float32Array,
  W: Float32Array,
  bias: Float32Array | null,
  kind: ActivationKind,
  param: number,
) {
  const Z = gemm64(false, false, M, N, K, 1, X, W, 0, []);
  if (bias) for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) Z[i * N + j] += bias[j];
  return { Z, Y: Z.map((z) => act64(kind, param, Math.fround(z))) };
}

describe.each(backends)('biasAdd and colSum ($name)', (b) => {
  it('denseForward adds the bias to the product rounded to float32, as PyTorch does (torch.addmm and F.linear give 1 here)', () => {
    // X·W = 1 + 2^-30 rounds to 1; 1 + bias = 1 + 2^-24 is a tie that rounds to 1. Seeding the bias into the sum
    // instead would round 1 + 2^-24 + 2^-30 up to 1 + 2^-23.
    const Y = f32([NaN]);
    b.denseForward(1, 1, 2, f32([1, 2 ** -30]), f32([1, 1]), f32([2 ** -24]), 'linear', 0, null, Y);
    expect(Y[0]).toBe(1);
  });

  it('biasAdd adds bias[j] to every row, and nothing past M·N', () => {
    const Y = f32([1, 2, 3, 4, 5, 6, 99]);
    b.biasAdd(2, 3, f32([10, 20, 30]), Y);
    expect(Array.from(Y)).toEqual([11, 22, 33, 14, 25, 36, 99]);
  });

  it('colSum: beta = 0 overwrites (ignoring NaN), beta = 1 accumulates, beta = 0.5 scales', () => {
    const X = f32([1, 2, 3, 4, 5, 6]);
    const out = f32([NaN, NaN, NaN]);
    b.colSum(2, 3, X, 0, out);
    expect(Array.from(out)).toEqual([5, 7, 9]);
    b.colSum(2, 3, X, 1, out);
    expect(Array.from(out)).toEqual([10, 14, 18]);
    b.colSum(2, 3, X, 0.5, out);
    expect(Array.from(out)).toEqual([10, 14, 18]);
  });

  it('colSum over 20000 rows accumulates in double (1e-4)', () => {
    const rng = new Rng(3);
    const M = 20000,
      N = 5;
    const X = rng.floats(M * N);
    for (let i = 0; i < M * N; i++) X[i] += 0.1; // a mean far from 0 makes float accumulation drift
    const want = new Float64Array(N);
    for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) want[j] += X[i * N + j];
    const out = new Float32Array(N);
    b.colSum(M, N, X, 0, out);
    expectClose(out, want, { rtol: 1e-4 }, 'out');
  });

  it('M = 0: colSum gives beta·out, biasAdd does nothing', () => {
    const out = f32([2, 4]);
    b.colSum(0, 2, new Float32Array(0), 0.5, out);
    expect(Array.from(out)).toEqual([1, 2]);
    const Y = f32([1]);
    b.biasAdd(0, 1, f32([5]), Y);
    expect(Y[0]).toBe(1);
  });
});

describe.each(backends)('denseForward / denseBackward ($name)', (b) => {
  const M = 6,
    N = 5,
    K = 7;

  it.each([...ACTIVATION_KINDS])('%s: forward Z and Y, backward dZ, dW, dBias, dX match float64', (kind) => {
    const rng = new Rng(kind.length * 31 + 7);
    const param = PARAM[kind];
    const X = rng.floats(M * K),
      W = rng.floats(K * N, 0.5),
      bias = rng.floats(N);
    const Z = new Float32Array(M * N),
      Y = new Float32Array(M * N);
    b.denseForward(M, N, K, X, W, bias, kind, param, Z, Y);
    const want = dense64(M, N, K, X, W, bias, kind, param);
    expectClose(Z, want.Z, sumTol(want.Z), 'Z');
    expectClose(
      Y,
      want.Y.map((_y, i) => act64(kind, param, Z[i])),
      { rtol: 1e-5, atol: 1e-7 },
      'Y = f(Z)',
    );

    const dY = rng.floats(M * N),
      dZ = new Float32Array(M * N);
    const dW0 = rng.floats(K * N),
      dBias0 = rng.floats(N);
    const dW = dW0.slice(),
      dBias = dBias0.slice(),
      dX = new Float32Array(M * K).fill(NaN);
    b.denseBackward(M, N, K, X, W, kind, param, Z, Y, dY, dZ, 1, dW, dBias, dX);
    const dZ64 = Array.from(Z, (z, i) => actGrad64(kind, param, z, Y[i], dY[i]));
    expectClose(dZ, dZ64, { rtol: 1e-5, atol: 1e-7 }, 'dZ');
    const dWwant = gemm64(true, false, K, N, M, 1, X, dZ, 1, dW0);
    expectClose(dW, dWwant, sumTol(dWwant), 'dW (accumulated, beta 1)');
    const dBwant = dBias0.map((v, j) => {
      let s = v;
      for (let i = 0; i < M; i++) s += dZ[i * N + j];
      return s;
    });
    expectClose(dBias, dBwant, sumTol(dBwant), 'dBias');
    const dXwant = gemm64(false, true, M, K, N, 1, dZ, W, 0, []);
    expectClose(dX, dXwant, sumTol(dXwant), 'dX');
  });

  it('linear with Z = null and bias = null gives Y = X·W', () => {
    const rng = new Rng(8);
    const X = rng.floats(M * K),
      W = rng.floats(K * N),
      Y = new Float32Array(M * N).fill(NaN);
    b.denseForward(M, N, K, X, W, null, 'linear', 0, null, Y);
    const want = gemm64(false, false, M, N, K, 1, X, W, 0, []);
    expectClose(Y, want, sumTol(want), 'Y');
  });

  it('backward with beta = 0 overwrites dW and dBias (ignoring NaN), dZ may be dY, dX may be null', () => {
    const rng = new Rng(9);
    const X = rng.floats(M * K),
      W = rng.floats(K * N),
      Z = rng.floats(M * N),
      Y = Z.map((z) => Math.max(z, 0));
    const dY = rng.floats(M * N),
      dY0 = dY.slice();
    const dW = new Float32Array(K * N).fill(NaN),
      dBias = new Float32Array(N).fill(NaN);
    b.denseBackward(M, N, K, X, W, 'relu', 0, Z, Y, dY, dY, 0, dW, dBias, null);
    const dZ = dY0.map((g, i) => (Z[i] > 0 ? g : 0));
    expectClose(dY, dZ, { rtol: 0 }, 'dZ written over dY');
    const dWwant = gemm64(true, false, K, N, M, 1, X, dZ, 0, []);
    expectClose(dW, dWwant, sumTol(dWwant), 'dW');
    const dBwant = Array.from({ length: N }, (_, j) => {
      let s = 0;
      for (let i = 0; i < M; i++) s += dZ[i * N + j];
      return s;
    });
    expectClose(dBias, dBwant, sumTol(dBwant), 'dBias');
  });

  it('linear backward with Z = null copies dY into dZ', () => {
    const rng = new Rng(10);
    const X = rng.floats(M * K),
      W = rng.floats(K * N),
      Y = rng.floats(M * N),
      dY = rng.floats(M * N);
    const dZ = new Float32Array(M * N),
      dW = new Float32Array(K * N),
      dX = new Float32Array(M * K);
    b.denseBackward(M, N, K, X, W, 'linear', 0, null, Y, dY, dZ, 0, dW, null, dX);
    expect(Array.from(dZ)).toEqual(Array.from(dY));
  });
});

/** The three PyTorch networks (5-7-6-3, softmax cross-entropy), run one dense layer at a time. */
describe.each(backends)('a 5-7-6-3 network against PyTorch ($name)', (b) => {
  it.each(['tanh', 'relu', 'sigmoid'])('%s: logits, loss, and every weight and bias gradient', (act) => {
    const ref = reference<MlpRef>(`mlp_${act}`);
    const sizes = ref.sizes,
      M = ref.labels.length,
      L = sizes.length - 1;
    const kinds = sizes.slice(1).map((_, l) => (l === L - 1 ? 'linear' : (act as ActivationKind)));
    const acts = [f32(ref.X)],
      Zs: Float32Array[] = [];
    for (let l = 0; l < L; l++) {
      const Z = new Float32Array(M * sizes[l + 1]),
        Y = new Float32Array(M * sizes[l + 1]);
      b.denseForward(M, sizes[l + 1], sizes[l], acts[l], f32(ref.W[l]), f32(ref.b[l]), kinds[l], 0, Z, Y);
      Zs.push(Z);
      acts.push(Y);
    }
    expectClose(acts[L], ref.logits, { rtol: 1e-5, atol: 1e-6 }, 'logits');
    const C = sizes[L],
      probs = new Float32Array(M * C),
      dLogits = new Float32Array(M * C);
    const loss = b.softmaxCrossEntropy(M, C, acts[L], Int32Array.from(ref.labels), probs, dLogits);
    expectCloseScalar(loss, ref.loss, { rtol: 1e-5 }, 'loss');
    let dY = dLogits;
    for (let l = L - 1; l >= 0; l--) {
      const dZ = new Float32Array(M * sizes[l + 1]),
        dW = new Float32Array(sizes[l] * sizes[l + 1]),
        dBias = new Float32Array(sizes[l + 1]);
      const dX = l > 0 ? new Float32Array(M * sizes[l]) : null;
      b.denseBackward(M, sizes[l + 1], sizes[l], acts[l], f32(ref.W[l]), kinds[l], 0, Zs[l], acts[l + 1], dY, dZ, 0, dW, dBias, dX);
      expectClose(dW, ref.dW[l], sumTol(ref.dW[l]), `dW[${l}]`);
      expectClose(dBias, ref.db[l], sumTol(ref.db[l]), `db[${l}]`);
      if (dX) dY = dX;
    }
  });
});

describe.each(backends)('denseForward without Z: inference ($name)', (b) => {
  it.each(ACTIVATION_KINDS)('%s: Y is what the call with Z gives, bit for bit, NaN included', (kind) => {
    const [M, N, K] = [7, 13, 5]; // odd sizes
    const rng = new Rng(21);
    const X = rng.floats(M * K, 2);
    X[3] = NaN;
    const W = rng.floats(K * N);
    const bias = rng.floats(N);
    const withZ = new Float32Array(M * N);
    b.denseForward(M, N, K, X, W, bias, kind, PARAM[kind], new Float32Array(M * N), withZ);
    const inPlace = new Float32Array(M * N).fill(123);
    b.denseForward(M, N, K, X, W, bias, kind, PARAM[kind], null, inPlace);
    expect(Buffer.from(inPlace.buffer).equals(Buffer.from(withZ.buffer))).toBe(true);
    expect(withZ.some(Number.isNaN)).toBe(true);
  });
});
