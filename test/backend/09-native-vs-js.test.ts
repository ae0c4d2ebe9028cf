/**
 * The native backend against the js one (the specification) on seeded random inputs: odd sizes, sizes of
 * 1, sizes that are not multiples of any SIMD or blocking width, every transpose pair and option.
 * Runs whenever both backends are requested (the default); a native backend that cannot load fails here.
 */
import { describe, expect, it } from 'vitest';
import { ACTIVATION_KINDS, type ActivationKind, type Backend } from '../../lib/index.js';
import { backendNames, backends, bothBackends } from '../helpers/backends.js';
import { expectClose, expectCloseScalar } from '../helpers/close.js';
import { Rng } from '../helpers/random.js';
import { normwise, trajectoryTol } from '../helpers/tolerances.js';

const byName = (name: string) => backends[backendNames.indexOf(name as 'js' | 'native')];
const SIZES = [1, 3, 7, 16, 17, 31, 33, 65, 127];
const sumTol = normwise; // results of sums: see helpers/tolerances.ts
const TOL = { rtol: 1e-5 };

/** Runs `body` on both backends with copies of the same inputs and returns each one's outputs. */
function both<T>(body: (b: Backend) => T): { js: T; native: T } {
  return { js: body(byName('js')), native: body(byName('native')) };
}

describe.skipIf(!bothBackends)('native vs js', () => {
  describe('sgemm on random shapes', () => {
    const rng = new Rng(2024);
    const pairs = [
      [false, false],
      [false, true],
      [true, false],
      [true, true],
    ] as const;
    const scalars = [
      [1, 0],
      [1, 1],
      [-0.5, 2],
      [2.5, -1],
    ] as const;
    // Every M×N×K from SIZES would be 729 shapes; a seeded sample of 48 plus the corners keeps the run short.
    const shapes: [number, number, number][] = [
      [1, 1, 1],
      [127, 127, 127],
      [1, 127, 1],
      [127, 1, 127],
      [17, 33, 65],
    ];
    while (shapes.length < 53) shapes.push([SIZES[rng.int(SIZES.length)], SIZES[rng.int(SIZES.length)], SIZES[rng.int(SIZES.length)]]);

    it.each(shapes)('M=%i N=%i K=%i, all transpose pairs and alpha/beta sets', (M, N, K) => {
      const r = new Rng(M * 7919 + N * 31 + K);
      for (const [tA, tB] of pairs) {
        for (const [alpha, beta] of scalars) {
          const A = r.floats(M * K),
            B = r.floats(K * N),
            C0 = r.floats(M * N);
          const out = both((b) => {
            const C = C0.slice();
            b.sgemm(tA, tB, M, N, K, alpha, A, B, beta, C);
            return C;
          });
          expectClose(
            out.native,
            out.js,
            sumTol(out.js, K >= 100 ? 1e-4 : 1e-5),
            `C (transA=${tA} transB=${tB} alpha=${alpha} beta=${beta})`,
          );
        }
      }
    });

    it('a larger 300×257×129 product (where OpenBLAS switches to blocked kernels)', () => {
      const r = new Rng(3);
      const M = 300,
        N = 257,
        K = 129,
        A = r.floats(M * K),
        B = r.floats(K * N);
      const out = both((b) => {
        const C = new Float32Array(M * N);
        b.sgemm(false, true, M, N, K, 1, A, B, 0, C);
        return C;
      });
      expectClose(out.native, out.js, sumTol(out.js, 1e-4), 'C');
    });
  });

  describe('dense layers', () => {
    it.each(
      [...ACTIVATION_KINDS].flatMap(
        (k) =>
          [
            [k, 1, 1, 1],
            [k, 33, 17, 31],
            [k, 7, 65, 3],
          ] as [ActivationKind, number, number, number][],
      ),
    )('%s M=%i N=%i K=%i: forward and backward', (kind, M, N, K) => {
      const r = new Rng(M + N * 3 + K * 5 + kind.length);
      const param = kind === 'leaky_relu' ? 0.05 : kind === 'elu' ? 1.3 : 0;
      const X = r.floats(M * K),
        W = r.floats(K * N, 0.4),
        bias = r.floats(N),
        dY = r.floats(M * N),
        dW0 = r.floats(K * N),
        dB0 = r.floats(N);
      const out = both((b) => {
        const Z = new Float32Array(M * N),
          Y = new Float32Array(M * N),
          dZ = new Float32Array(M * N);
        b.denseForward(M, N, K, X, W, bias, kind, param, Z, Y);
        const dW = dW0.slice(),
          dBias = dB0.slice(),
          dX = new Float32Array(M * K);
        b.denseBackward(M, N, K, X, W, kind, param, Z, Y, dY, dZ, 0.5, dW, dBias, dX);
        return { Z, Y, dZ, dW, dBias, dX };
      });
      for (const key of ['Z', 'Y', 'dZ', 'dW', 'dBias', 'dX'] as const)
        expectClose(out.native[key], out.js[key], sumTol(out.js[key], 1e-5), key);
    });
  });

  describe('activations', () => {
    it.each([...ACTIVATION_KINDS])('%s on 10007 values from −1000 to 1000', (kind) => {
      const r = new Rng(kind.length);
      const n = 10007,
        X = r.floats(n, 5);
      X.set([1000, -1000, 0, -0, 20, 20.0001, -20, 88.7, -88.7, 1e-30, -1e-30]);
      const dY = r.floats(n);
      // The backward gets the same Y on both backends (js's): sigmoid's y·(1 − y) and tanh's 1 − y² amplify a
      // one-ulp difference in y near ±1 a thousandfold, which would test the forward again, not the backward.
      const Yjs = new Float32Array(n);
      byName('js').activationForward(kind, 0.3, n, X, Yjs);
      const out = both((b) => {
        const Y = new Float32Array(n),
          dX = new Float32Array(n);
        b.activationForward(kind, 0.3, n, X, Y);
        b.activationBackward(kind, 0.3, n, X, Yjs, dY, dX);
        return { Y, dX };
      });
      expectClose(out.native.Y, out.js.Y, TOL, 'Y');
      expectClose(out.native.dX, out.js.dX, TOL, 'dX');
    });
  });

  describe('softmax and losses', () => {
    it.each([
      [1, 1],
      [1, 10],
      [7, 3],
      [33, 1000],
      [128, 10],
    ])('softmax, cross-entropy (both forms) M=%i N=%i', (M, N) => {
      const r = new Rng(M * N);
      const Z = r.floats(M * N, 6),
        labels = r.labels(M, N),
        T = new Float32Array(M * N),
        dY = r.floats(M * N);
      for (let i = 0; i < M * N; i++) T[i] = r.next();
      if (M * N > 2) Z[2] = 1000; // one huge logit
      const out = both((b) => {
        const Y = new Float32Array(M * N),
          dX = new Float32Array(M * N),
          p = new Float32Array(M * N),
          d = new Float32Array(M * N);
        const ps = new Float32Array(M * N),
          ds = new Float32Array(M * N);
        b.softmaxForward(M, N, Z, Y);
        b.softmaxBackward(M, N, Y, dY, dX);
        const loss = b.softmaxCrossEntropy(M, N, Z, labels, p, d);
        const soft = b.softmaxCrossEntropySoft(M, N, Z, T, ps, ds);
        return { Y, dX, p, d, ps, ds, loss, soft };
      });
      for (const key of ['Y', 'p', 'ps'] as const) expectClose(out.native[key], out.js[key], TOL, key);
      for (const key of ['dX', 'd', 'ds'] as const) expectClose(out.native[key], out.js[key], sumTol(out.js[key], 1e-5), key);
      expectCloseScalar(out.native.loss, out.js.loss, { rtol: 1e-5 }, 'loss');
      expectCloseScalar(out.native.soft, out.js.soft, { rtol: 1e-5 }, 'soft loss');
    });

    it.each([1, 17, 4099])('sigmoidBce and mse on %i values', (n) => {
      const r = new Rng(n);
      const X = r.floats(n, 10),
        T = Float32Array.from({ length: n }, () => r.int(2)),
        P = r.floats(n);
      X[0] = -1000;
      const out = both((b) => {
        const d1 = new Float32Array(n),
          d2 = new Float32Array(n);
        return { bce: b.sigmoidBce(n, X, T, d1), mse: b.mse(n, P, T, d2), d1, d2 };
      });
      expectCloseScalar(out.native.bce, out.js.bce, TOL, 'bce');
      expectCloseScalar(out.native.mse, out.js.mse, TOL, 'mse');
      expectClose(out.native.d1, out.js.d1, TOL, 'bce grad');
      expectClose(out.native.d2, out.js.d2, TOL, 'mse grad');
    });
  });

  describe('batch norm and dropout', () => {
    it.each([
      [2, 3, 1],
      [64, 17, 1],
      [5, 3, 33],
      [3, 1, 127],
    ])('batch norm M=%i C=%i S=%i, training forward, backward, inference', (M, C, S) => {
      const r = new Rng(M * C * S);
      const X = r.floats(M * C * S, 3),
        gamma = r.floats(C),
        beta = r.floats(C),
        dY = r.floats(M * C * S);
      const out = both((b) => {
        const mean = new Float32Array(C),
          invStd = new Float32Array(C),
          Y = new Float32Array(M * C * S),
          Yi = new Float32Array(M * C * S);
        const dX = new Float32Array(M * C * S),
          dGamma = new Float32Array(C),
          dBeta = new Float32Array(C);
        b.batchNormForward(M, C, S, X, gamma, beta, 1e-3, true, mean, invStd, Y);
        b.batchNormBackward(M, C, S, X, mean, invStd, gamma, dY, dX, dGamma, dBeta);
        b.batchNormForward(M, C, S, X, gamma, beta, 1e-3, false, mean, invStd, Yi);
        return { mean, invStd, Y, Yi, dX, dGamma, dBeta };
      });
      for (const key of ['mean', 'invStd', 'Y', 'Yi', 'dX', 'dGamma', 'dBeta'] as const)
        expectClose(out.native[key], out.js[key], sumTol(out.js[key], 1e-5), key);
    });

    it.each([
      [0.5, 0],
      [0.9, 1],
      [0.1, 0xdeadbeef],
      [0.37, 0xffffffff],
    ])('dropout keep=%s seed=%s: masks bit-identical, outputs equal', (keep, seed) => {
      const n = 65_537,
        X = new Rng(seed).floats(n),
        dY = new Rng(seed + 1).floats(n);
      const out = both((b) => {
        const mask = new Uint8Array(n),
          Y = new Float32Array(n),
          dX = new Float32Array(n);
        b.dropoutForward(n, keep, seed, X, mask, Y);
        b.dropoutBackward(n, keep, mask, dY, dX);
        return { mask, Y, dX };
      });
      expect(Buffer.from(out.native.mask).equals(Buffer.from(out.js.mask)), 'masks differ').toBe(true);
      const kept = out.js.mask.reduce((s, m) => s + m, 0) / n;
      expect(Math.abs(kept - keep)).toBeLessThan(5 * Math.sqrt((keep * (1 - keep)) / n));
      expectClose(out.native.Y, out.js.Y, { rtol: 1e-6 }, 'Y');
      expectClose(out.native.dX, out.js.dX, { rtol: 1e-6 }, 'dX');
    });
  });

  describe('optimizers over 8 steps with every option', () => {
    const n = 1001,
      steps = 8;
    /** Same params and gradients on both backends; `make` builds the per-backend step function. */
    function compare(make: (b: Backend, p: Float32Array) => (g: Float32Array, step: number) => void) {
      const r = new Rng(n);
      const p0 = r.floats(n),
        grads = Array.from({ length: steps }, () => r.floats(n));
      const peak = p0.map(Math.abs);
      const out = both((b) => {
        const p = p0.slice(),
          step = make(b, p);
        grads.forEach((g, s) => {
          step(g, s + 1);
          for (let i = 0; i < p.length; i++) peak[i] = Math.max(peak[i], Math.abs(p[i]));
        });
        return p;
      });
      expectClose(out.native, out.js, trajectoryTol(peak), 'param');
    }
    const F = () => new Float32Array(n);

    it.each([
      { lr: 0.05, momentum: 0.9, dampening: 0.2, nesterov: false, weightDecay: 0.01 },
      { lr: 0.05, momentum: 0.9, dampening: 0, nesterov: true, weightDecay: 0.1 },
      { lr: 0.05, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0 },
    ])('sgd %o', (o) =>
      compare((b, p) => {
        const buf = F();
        return (g, s) => b.sgdStep(n, p, g, o.momentum ? buf : null, s, o);
      }),
    );

    it.each([
      { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false, amsgrad: false },
      { lr: 0.01, beta1: 0.8, beta2: 0.99, eps: 1e-8, weightDecay: 0.05, decoupled: false, amsgrad: true },
      { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-6, weightDecay: 0.1, decoupled: true, amsgrad: false },
      { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1, decoupled: true, amsgrad: true },
    ])('adam %o', (o) =>
      compare((b, p) => {
        const m = F(),
          v = F(),
          vMax = F();
        return (g, s) => b.adamStep(n, p, g, m, v, o.amsgrad ? vMax : null, s, o);
      }),
    );

    it.each([
      { lr: 0.01, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false },
      { lr: 0.01, alpha: 0.9, eps: 1e-8, weightDecay: 0.01, momentum: 0.9, centered: true },
      { lr: 0.01, alpha: 0.99, eps: 1e-6, weightDecay: 0, momentum: 0, centered: true },
      { lr: 0.01, alpha: 0.95, eps: 1e-8, weightDecay: 0.1, momentum: 0.5, centered: false },
    ])('rmsprop %o', (o) =>
      compare((b, p) => {
        const sq = F(),
          ga = F(),
          buf = F();
        return (g) => b.rmspropStep(n, p, g, sq, o.centered ? ga : null, o.momentum ? buf : null, o);
      }),
    );

    it.each([
      { lr: 0.1, lrDecay: 0, weightDecay: 0, eps: 1e-10 },
      { lr: 0.1, lrDecay: 0.1, weightDecay: 0.05, eps: 1e-10 },
    ])('adagrad %o', (o) =>
      compare((b, p) => {
        const sum = F();
        return (g, s) => b.adagradStep(n, p, g, sum, s, o);
      }),
    );
  });

  describe('elementwise helpers', () => {
    it.each([1, 15, 16, 17, 100_003])('axpy, scale, fill, copy, mul, sum on %i values', (n) => {
      const r = new Rng(n),
        X = r.floats(n),
        Y0 = r.floats(n);
      const out = both((b) => {
        const Y = Y0.slice(),
          S = X.slice(),
          Fl = new Float32Array(n),
          C = new Float32Array(n),
          Z = new Float32Array(n);
        b.axpy(n, -1.25, X, Y);
        b.scale(n, 0.3, S);
        b.fill(n, 1.5, Fl);
        b.copy(n, X, C);
        b.mul(n, X, Y0, Z);
        return { Y, S, Fl, C, Z, sum: b.sum(n, X) };
      });
      for (const key of ['Y', 'S', 'Fl', 'C', 'Z'] as const) expectClose(out.native[key], out.js[key], { rtol: 1e-6, atol: 1e-7 }, key);
      expectCloseScalar(out.native.sum, out.js.sum, { rtol: 1e-6, atol: 1e-6 }, 'sum');
    });
  });

  describe('max pooling', () => {
    // The native 2×2/2 path is a vectorized loop of its own (native/pool.cc): its values and argmax indices must be
    // exactly the specification's, ties, NaN and −∞ included, on rows long enough for every vector width.
    it.each([
      [3, 2, 30, 34],
      [2, 3, 8, 6],
      [1, 1, 64, 66],
      [2, 2, 9, 11],
    ])('2×2 stride 2 on %i×%i×%i×%i with ties, NaN and −∞: identical outputs and argmax', (N, C, H, W) => {
      const r = new Rng(N * 1000 + H * 10 + W);
      const x = r.floats(N * C * H * W).map((v) => Math.round(v * 3) / 3); // few distinct values: many ties
      for (let i = 0; i < x.length; i += 37) x[i] = NaN;
      for (let i = 5; i < x.length; i += 41) x[i] = -Infinity;
      const OH = Math.floor(H / 2),
        OW = Math.floor(W / 2),
        n = N * C * OH * OW;
      const out = both((b) => {
        const y = new Float32Array(n),
          argmax = new Int32Array(n);
        b.maxPool2dForward(N, C, H, W, 2, 2, 0, x, y, argmax);
        return { y, argmax };
      });
      expect(Array.from(out.native.argmax)).toEqual(Array.from(out.js.argmax));
      expect(Array.from(out.native.y)).toEqual(Array.from(out.js.y));
    });
  });
});
