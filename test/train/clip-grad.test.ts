/**
 * Gradient clipping: clipGradNorm / clipGradValue against torch.nn.utils.clip_grad_norm_ / clip_grad_value_
 * (test/fixtures/reference/seq_layers.json: norms of order 2, 1, 3 and ∞, a limit above the norm) on every backend;
 * a non-finite norm reported, never applied; parameters without a gradient skipped; fit's clipNorm / clipValue equal
 * to the same clipping in a manual loop, and the same in fit's worker thread; bad arguments named.
 */
import { describe, expect, it } from 'vitest';
import {
  Adam,
  Dense,
  SGD,
  Sequential,
  Tensor,
  clipGradNorm,
  clipGradValue,
  crossEntropyLoss,
  fit,
  fitBlocking,
  type FitOptions,
} from '../../lib/index.js';
import { clipBeforeStep } from '../../lib/optim/clip.js';
import { withBackend } from '../../lib/ops/current-backend.js';
import { Random } from '../../lib/random.js';
import { onBackend } from '../helpers/async.js';
import { backends } from '../helpers/backends.js';
import { expectClose } from '../helpers/close.js';
import { expectError } from '../helpers/errors.js';
import { reference } from '../helpers/reference.js';
import { Rng } from '../helpers/random.js';

interface ClipCase {
  kind: 'norm' | 'value';
  normType?: number | 'inf';
  maxNorm?: number;
  clipValue?: number;
  shapes: number[][];
  grads: number[][];
  total?: number;
  clipped: number[][];
}

const params = (c: ClipCase) =>
  c.shapes.map((s, i) => {
    const t = new Tensor(new Float32Array(s.reduce((a, b) => a * b, 1)), s, { requiresGrad: true });
    t.grad = Float32Array.from(c.grads[i]);
    return t;
  });

describe.each(backends.map((b) => [b.name, b] as const))('clipping against PyTorch on %s', (_name, backend) => {
  for (const c of reference<{ clip: ClipCase[] }>('seq_layers').clip) {
    const label = c.kind === 'norm' ? `clipGradNorm(maxNorm ${c.maxNorm}, normType ${c.normType})` : `clipGradValue(${c.clipValue})`;
    it(`${label} on three gradients of odd sizes`, () => {
      withBackend(backend, () => {
        const ps = params(c);
        if (c.kind === 'norm') {
          const total = clipGradNorm(ps, c.maxNorm!, { normType: c.normType });
          expect(Math.abs(total - c.total!)).toBeLessThanOrEqual(1e-6 * c.total!);
        } else clipGradValue(ps, c.clipValue!);
        for (const [i, p] of ps.entries()) expectClose(p.grad!, c.clipped[i], { rtol: 1e-6 }, `gradient ${i}`);
      });
    });
  }

  it('a non-finite norm is an ERR_BAD_DATA by default; with errorIfNonfinite: false it is returned and nothing changes', () => {
    withBackend(backend, () => {
      const a = new Tensor(Float32Array.from([3, 4]), [2], { requiresGrad: true });
      const b = new Tensor(Float32Array.from([1, 1, 1]), [3], { requiresGrad: true });
      a.grad = Float32Array.from([3, 4]);
      b.grad = Float32Array.from([1, Number.NaN, 1]);
      expectError(() => clipGradNorm([a, b], 1), 'ERR_BAD_DATA', /clipGradNorm: the total norm of order 2 of the gradients is NaN/);
      expect(clipGradNorm([a, b], 1, { errorIfNonfinite: false })).toBeNaN();
      expect(Array.from(a.grad)).toEqual([3, 4]);
      b.grad[1] = Number.POSITIVE_INFINITY;
      expect(clipGradNorm([a, b], 1, { errorIfNonfinite: false, normType: 'inf' })).toBe(Number.POSITIVE_INFINITY);
      expect(Array.from(a.grad)).toEqual([3, 4]);
      expectError(() => clipBeforeStep({ kind: 'norm', maxNorm: 1 }, [a, b], 3, 7), 'ERR_BAD_DATA', /at epoch 3, batch 7/);
    });
  });

  it('parameters without a gradient are skipped; none at all is a norm of 0; a single tensor is accepted', () => {
    withBackend(backend, () => {
      const a = new Tensor(new Float32Array(2), [2], { requiresGrad: true });
      const frozen = new Tensor(new Float32Array(3), [3]);
      expect(clipGradNorm([a, frozen], 1)).toBe(0);
      a.grad = Float32Array.from([3, 4]);
      expect(clipGradNorm(a, 1)).toBe(5);
      expectClose(a.grad, [0.6, 0.8], { rtol: 1e-6 });
      clipGradValue([a, frozen], 0.7);
      expectClose(a.grad, [0.6, 0.7], { rtol: 1e-6 });
    });
  });
});

describe('clipping: bad arguments', () => {
  const t = new Tensor(new Float32Array(2), [2], { requiresGrad: true });
  it('are ERR_INVALID_ARG naming the argument', () => {
    expectError(() => clipGradNorm([t], -1), 'ERR_INVALID_ARG', /clipGradNorm: maxNorm must be >= 0, got -1/);
    expectError(() => clipGradNorm([t], Number.NaN), 'ERR_INVALID_ARG', /clipGradNorm: maxNorm must be a finite number, got NaN/);
    expectError(() => clipGradNorm([t], '1' as never), 'ERR_INVALID_ARG', /maxNorm must be a finite number, got "1"/);
    expectError(() => clipGradNorm([t], 1, { normType: 0 }), 'ERR_INVALID_ARG', /normType must be a number > 0 .* got 0/);
    expectError(() => clipGradNorm([t], 1, { normType: 'two' as never }), 'ERR_INVALID_ARG', /normType .* got "two"/);
    expectError(
      () => clipGradNorm([t], 1, { norm_type: 2 } as never),
      'ERR_INVALID_ARG',
      /unknown option "norm_type".*did you mean "normType"/,
    );
    expectError(() => clipGradNorm(5 as never, 1), 'ERR_INVALID_ARG', /parameters must be a parameter or an iterable of them/);
    expectError(() => clipGradNorm([{}] as never, 1), 'ERR_INVALID_ARG', /parameter 0 must have a Float32Array 'data'/);
    expectError(() => clipGradValue([t], -0.5), 'ERR_INVALID_ARG', /clipGradValue: clipValue must be >= 0, got -0.5/);
    expectError(() => clipGradValue([t], Number.POSITIVE_INFINITY), 'ERR_INVALID_ARG', /clipValue must be a finite number/);
  });
});

/** Three Gaussian blobs in 6 dimensions, spread wide so the first gradients are large (clipping bites). */
function blobs(rows: number) {
  const r = new Rng(5);
  const x = new Float32Array(rows * 6),
    y = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    y[i] = i % 3;
    for (let j = 0; j < 6; j++) x[i * 6 + j] = (j % 3 === y[i] ? 6 : 0) + r.normal() * 3;
  }
  return { x: new Tensor(x, [rows, 6]), y };
}
const net = () => new Sequential([new Dense(6, 16, { activation: 'relu', rng: new Random(3) }), new Dense(16, 3, { rng: new Random(4) })]);

describe.each(backends.map((b) => [b.name, b] as const))('fit with clipping on %s', (_name, backend) => {
  const { x, y } = blobs(90);

  it('clipNorm in fit is clipGradNorm between backward() and step() in a manual loop, bit for bit', async () => {
    await onBackend(backend, async () => {
      const a = net(),
        b = net();
      const history = await fitBlocking(a, x, y, {
        optimizer: new SGD(a.parameters(), { lr: 0.5 }),
        epochs: 4,
        batchSize: 90,
        shuffle: false,
        clipNorm: 0.25,
      });
      const opt = new SGD(b.parameters(), { lr: 0.5 });
      const norms: number[] = [];
      for (let e = 0; e < 4; e++) {
        b.zeroGrad();
        crossEntropyLoss(b.forward(x), y).backward();
        norms.push(clipGradNorm(b.parameters(), 0.25));
        opt.step();
      }
      expect(norms[0]).toBeGreaterThan(1); // the clipping did bite
      expect(a.getWeights()).toEqual(b.getWeights());
      expect(history).toHaveLength(4);
    });
  });

  it('clipValue likewise, and either changes the run', async () => {
    await onBackend(backend, async () => {
      const [a, b, c] = [net(), net(), net()];
      const o = (m: Sequential, extra: Partial<FitOptions>): FitOptions => ({
        optimizer: new SGD(m.parameters(), { lr: 0.5 }),
        epochs: 2,
        batchSize: 90,
        shuffle: false,
        ...extra,
      });
      await fitBlocking(a, x, y, o(a, { clipValue: 0.01 }));
      await fitBlocking(c, x, y, o(c, {}));
      const opt = new SGD(b.parameters(), { lr: 0.5 });
      for (let e = 0; e < 2; e++) {
        b.zeroGrad();
        crossEntropyLoss(b.forward(x), y).backward();
        clipGradValue(b.parameters(), 0.01);
        opt.step();
      }
      expect(a.getWeights()).toEqual(b.getWeights());
      expect(a.getWeights()).not.toEqual(c.getWeights());
    });
  });
});

describe('fit with clipping in its worker thread', () => {
  it('clipNorm gives the same weights and history in the worker as on the calling thread', async () => {
    const { x, y } = blobs(300);
    const [a, b] = [net(), net()];
    const run = (m: Sequential, worker: boolean) =>
      (worker ? fit : fitBlocking)(m, x, y, {
        optimizer: new Adam(m.parameters(), { lr: 0.05 }),
        epochs: 3,
        batchSize: 32,
        rng: new Random(11),
        clipNorm: 0.5,
        ...(worker ? { worker: true } : {}),
      });
    const [ha, hb] = [await run(a, true), await run(b, false)];
    expect(a.getWeights()).toEqual(b.getWeights());
    expect(ha.map((h) => h.loss)).toEqual(hb.map((h) => h.loss));
  });

  it('bad clipping options are fit errors before any training, in either mode', async () => {
    const { x, y } = blobs(30);
    const m = net();
    const optimizer = new SGD(m.parameters(), { lr: 0.1 });
    for (const worker of [true, false]) {
      const bad = async (extra: object, re: RegExp) => {
        let err: unknown;
        try {
          await fit(m, x, y, { optimizer, worker, ...extra } as FitOptions);
        } catch (e) {
          err = e;
        }
        expect(String(err)).toMatch(re);
      };
      await bad({ clipNorm: -1 }, /fit: clipNorm must be > 0, got -1/);
      await bad({ clipNorm: 0 }, /fit: clipNorm must be > 0, got 0/);
      await bad({ clipValue: 'big' }, /fit: clipValue must be a finite number, got "big"/);
      await bad({ clipNorm: 1, clipValue: 1 }, /fit: give clipNorm or clipValue, not both/);
      await bad({ clipnorm: 1 }, /unknown option "clipnorm".*did you mean "clipNorm"/);
    }
  });
});
