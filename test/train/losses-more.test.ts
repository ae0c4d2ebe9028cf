/**
 * Issue 13's losses through the public API: l1Loss, smoothL1Loss, huberLoss, klDivLoss, crossEntropyLoss's
 * labelSmoothing and classWeights, bceWithLogitsLoss's posWeight, their names in getLoss / fit({ loss }), and
 * fit({ classWeight }). Gradcheck on both backends; values against PyTorch 1.13 (test/fixtures/reference/
 * losses_weighted.json, made by losses_weighted.py beside it).
 */
import { describe, expect, it } from 'vitest';
import { gradcheck } from '../../lib/gradcheck.js';
import {
  Dense,
  SGD,
  Sequential,
  Tensor,
  bceWithLogitsLoss,
  crossEntropyLoss,
  fit,
  fitBlocking,
  getLoss,
  huberLoss,
  klDivLoss,
  l1Loss,
  manualSeed,
  smoothL1Loss,
} from '../../lib/index.js';
import { withBackend } from '../../lib/ops/current-backend.js';
import { mulScalar } from '../../lib/ops/index.js';
import { Random } from '../../lib/random.js';
import { onBackend, rejection } from '../helpers/async.js';
import { backends } from '../helpers/backends.js';
import { gaussianBlobs } from '../helpers/blobs.js';
import { expectClose, expectCloseScalar } from '../helpers/close.js';
import { expectError } from '../helpers/errors.js';
import { reference } from '../helpers/reference.js';
import { normwise } from '../helpers/tolerances.js';

interface Case {
  loss: number;
  grad: number[];
  [k: string]: unknown;
}
const ref = reference<{ cases: Record<string, Case> }>('losses_weighted').cases;
const rng = new Random(13);

/** Normal values at least `gap` from 0 (differences from a zero target stay off L1's kink). */
function param(shape: number[], scale = 1, gap = 0.05): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let v = 0;
    while (Math.abs(v) < gap || Math.abs(Math.abs(v) - 0.7) < gap) v = rng.normal(0, scale);
    data[i] = v;
  }
  return new Tensor(data, shape, { requiresGrad: true });
}
const fromCase = (c: Case, key: string, shape: number[]) =>
  new Tensor(Float32Array.from(c[key] as number[]), shape, { requiresGrad: true });
const probs = (rows: number, cols: number) => {
  const t = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let j = 0; j < cols; j++) s += t[i * cols + j] = rng.uniform(0.1, 1);
    for (let j = 0; j < cols; j++) t[i * cols + j] /= s;
  }
  return t;
};

describe.each(backends.map((b) => [b.name, b] as const))('issue 13 losses on %s', (_name, backend) => {
  const check = (fn: (...t: Tensor[]) => Tensor, inputs: Tensor[]) =>
    withBackend(backend, () => {
      const report = gradcheck(fn, inputs);
      expect(report.checked).toBeGreaterThan(0);
      expect(report.ok, `worst: ${JSON.stringify(report.worst)}`).toBe(true);
    });

  it('gradcheck: l1, smoothL1 (beta 0.7), huber (delta 0.7), klDiv, each also under an upstream gradient of 2.5', () => {
    const zeros = new Float32Array(15);
    check((p) => l1Loss(p, zeros), [param([3, 5])]);
    check((p) => mulScalar(smoothL1Loss(p, zeros, { beta: 0.7 }), 2.5), [param([3, 5])]);
    check((p) => huberLoss(p, zeros, { delta: 0.7 }), [param([5, 3])]);
    check((p) => mulScalar(l1Loss(p, zeros), 2.5), [param([15])]);
    const t = probs(3, 5);
    check((x) => mulScalar(klDivLoss(x, t), 2.5), [param([3, 5])]);
  });

  it('gradcheck: cross-entropy with label smoothing and class weights (labels and probabilities), BCE with posWeight', () => {
    check((z) => crossEntropyLoss(z, [2, 0, 1, 3, 3], { labelSmoothing: 0.2 }), [param([5, 4])]);
    check((z) => crossEntropyLoss(z, [2, 0, 1], { classWeights: [1, 0.5, 3, 2] }), [param([3, 4])]);
    check((z) => mulScalar(crossEntropyLoss(z, [2, 0, 1], { classWeights: { 2: 4 }, labelSmoothing: 0.1 }), 2.5), [param([3, 4])]);
    const t = probs(3, 4);
    check((z) => crossEntropyLoss(z, t, { classWeights: [1, 0.5, 3, 2], labelSmoothing: 0.3 }), [param([3, 4])]);
    check((z) => bceWithLogitsLoss(z, [1, 0, 1, 1, 0, 0.5], { posWeight: [0.5, 2, 4] }), [param([2, 3])]);
    check((z) => mulScalar(bceWithLogitsLoss(z, [1, 0, 1, 1, 0, 0], { posWeight: 3 }), 2.5), [param([6])]);
  });

  it('the public functions give PyTorch values: smooth L1, Huber, L1, KL, weighted/smoothed CE, BCE posWeight', () =>
    withBackend(backend, () => {
      const value = (t: Tensor, c: Case, x: Tensor) => {
        expectCloseScalar(t.data[0], c.loss, { rtol: 1e-5 }, 'loss');
        t.backward();
        expectClose(x.grad!, c.grad, normwise(c.grad), 'grad');
      };
      for (const [name, fn] of [
        ['l1', (p: Tensor, t: number[]) => l1Loss(p, t)],
        ['smooth_l1_beta_0.7', (p: Tensor, t: number[]) => smoothL1Loss(p, t, { beta: 0.7 })],
        ['huber_delta_0.7', (p: Tensor, t: number[]) => huberLoss(p, t, { delta: 0.7 })],
      ] as const) {
        const c = ref[name];
        const p = fromCase(c, 'pred', [13]);
        value(fn(p, c.target as number[]), c, p);
      }
      let c = ref.kl_div_batchmean_odd;
      let x = fromCase(c, 'input', [3, 7]);
      value(klDivLoss(x, c.target as number[]), c, x);
      c = ref.ce_class_weights_smoothing;
      x = fromCase(c, 'logits', [9, 5]);
      value(crossEntropyLoss(x, c.labels as number[], { classWeights: c.weights as number[], labelSmoothing: 0.2 }), c, x);
      c = ref.ce_class_weights;
      x = fromCase(c, 'logits', [9, 5]);
      // The same weights as an object: class 0 is left out and weighs 1.
      value(crossEntropyLoss(x, Int32Array.from(c.labels as number[]), { classWeights: { 1: 0.5, 2: 3, 3: 2, 4: 0.25 } }), c, x);
      c = ref.ce_soft_weights_smoothing;
      x = fromCase(c, 'logits', [7, 3]);
      value(
        crossEntropyLoss(x, Float32Array.from(c.targets as number[]), { classWeights: c.weights as number[], labelSmoothing: 0.1 }),
        c,
        x,
      );
      c = ref.ce_smoothing_odd;
      x = fromCase(c, 'logits', [7, 3]);
      value(crossEntropyLoss(x, c.labels as number[], { labelSmoothing: 0.3 }), c, x);
      c = ref.bce_pos_weight;
      x = fromCase(c, 'logits', [7, 3]);
      value(bceWithLogitsLoss(x, c.targets as number[], { posWeight: c.posWeight as number[] }), c, x);
      c = ref.bce_pos_weight_scalar;
      x = fromCase(c, 'logits', [5]);
      value(bceWithLogitsLoss(x, c.targets as number[], { posWeight: 3 }), c, x);
    }));
});

describe('issue 13 losses: names and argument errors', () => {
  it('getLoss knows l1 (mae, meanAbsoluteError), smoothL1, huber, klDiv (klDivergence)', () => {
    expect(getLoss('l1')).toBe(l1Loss);
    expect(getLoss('mae')).toBe(l1Loss);
    expect(getLoss('meanAbsoluteError')).toBe(l1Loss);
    expect(getLoss('smoothL1')).toBe(smoothL1Loss);
    expect(getLoss('huber')).toBe(huberLoss);
    expect(getLoss('klDiv')).toBe(klDivLoss);
    expect(getLoss('klDivergence')).toBe(klDivLoss);
  });

  it('bad options are errors naming the loss and the option', () => {
    const z = new Tensor(new Float32Array(6), [2, 3]);
    expectError(() => crossEntropyLoss(z, [0, 1], { label_smoothing: 0.1 } as never), 'ERR_INVALID_ARG', /did you mean "labelSmoothing"/);
    expectError(
      () => crossEntropyLoss(z, [0, 1], { labelSmoothing: 1.5 }),
      'ERR_INVALID_ARG',
      /crossEntropyLoss: labelSmoothing must be in \[0, 1\]/,
    );
    expectError(() => crossEntropyLoss(z, [0, 1], { classWeights: [1, 2] }), 'ERR_SHAPE', /classWeights has 2 values, expected 3/);
    expectError(() => crossEntropyLoss(z, [0, 1], { classWeights: [1, -2, 1] }), 'ERR_INVALID_ARG', /classWeights\[1\] must be >= 0/);
    expectError(() => crossEntropyLoss(z, [0, 1], { classWeights: { 5: 2 } }), 'ERR_LABEL', /classWeights names class "5"/);
    expectError(() => bceWithLogitsLoss(z, new Float32Array(6), { posWeight: [1, 2] }), 'ERR_SHAPE', /posWeight has 2 values/);
    expectError(
      () => bceWithLogitsLoss(z, new Float32Array(6), { posWeight: Number.NaN }),
      'ERR_INVALID_ARG',
      /posWeight must be a finite/,
    );
    expectError(() => huberLoss(z, new Float32Array(6), { delta: 0 }), 'ERR_INVALID_ARG', /huberLoss: delta must be > 0/);
    expectError(() => smoothL1Loss(z, new Float32Array(6), { beta: -1 }), 'ERR_INVALID_ARG', /smoothL1Loss: beta must be >= 0/);
    expectError(
      () => smoothL1Loss(z, new Float32Array(6), { delta: 1 } as never),
      'ERR_INVALID_ARG',
      /smoothL1Loss: unknown option "delta"/,
    );
    expectError(() => l1Loss(z, new Float32Array(5)), 'ERR_SHAPE', /l1Loss: target has 5 elements/);
    expectError(() => klDivLoss(new Tensor(Float32Array.of(1), []), [1]), 'ERR_SHAPE', /klDivLoss: the input must have a batch dimension/);
  });

  it('weights of 0 for every label in the batch give NaN, as in PyTorch (0/0)', () => {
    const z = new Tensor(new Float32Array(6), [2, 3]);
    expect(crossEntropyLoss(z, [0, 0], { classWeights: [0, 1, 1] }).data[0]).toBeNaN();
  });
});

describe.each(backends.map((b) => [b.name, b] as const))('fit with the new losses and classWeight on %s', (_name, backend) => {
  const { x, y } = gaussianBlobs(60, 4, 3, 5, 0.8);
  const model = (seed = 1) => {
    manualSeed(seed);
    return new Sequential([new Dense(4, 8, { activation: 'tanh' }), new Dense(8, 3)]);
  };

  it('classWeight trains exactly as crossEntropyLoss with classWeights, on the calling thread and in a worker', async () => {
    await onBackend(backend, async () => {
      const a = model(),
        b = model(),
        c = model();
      const weights = { 0: 3, 2: 0.5 };
      const ha = await fitBlocking(a, x, y, {
        optimizer: new SGD(a.parameters(), { lr: 0.2 }),
        epochs: 2,
        batchSize: 16,
        rng: new Random(3),
        classWeight: weights,
      });
      const hb = await fitBlocking(b, x, y, {
        optimizer: new SGD(b.parameters(), { lr: 0.2 }),
        epochs: 2,
        batchSize: 16,
        rng: new Random(3),
        loss: (p, t, o) => crossEntropyLoss(p, t, { ...o, classWeights: [3, 1, 0.5] }),
      });
      const hc = await fit(c, x, y, {
        optimizer: new SGD(c.parameters(), { lr: 0.2 }),
        epochs: 2,
        batchSize: 16,
        rng: new Random(3),
        classWeight: [3, 1, 0.5],
        worker: true,
      });
      expect(ha.map((e) => e.loss)).toEqual(hb.map((e) => e.loss));
      expect(hc.map((e) => e.loss)).toEqual(ha.map((e) => e.loss));
      expect(a.getWeights()).toEqual(b.getWeights());
      expect(c.getWeights()).toEqual(a.getWeights());
      // And it is not the unweighted run.
      const d = model();
      const hd = await fitBlocking(d, x, y, {
        optimizer: new SGD(d.parameters(), { lr: 0.2 }),
        epochs: 2,
        batchSize: 16,
        rng: new Random(3),
      });
      expect(hd[0].loss).not.toBe(ha[0].loss);
    });
  });

  it('classWeight is checked before any work: the loss must be cross-entropy, one weight per class, each >= 0', async () => {
    await onBackend(backend, async () => {
      const m = model();
      const before = m.getWeights();
      const optimizer = new SGD(m.parameters(), { lr: 0.1 });
      for (const worker of [true, false]) {
        let err = await rejection(fit(m, x, y, { optimizer, classWeight: [1, 2], worker }));
        expect(err.message).toMatch(/fit: classWeight has 2 values, expected 3/);
        err = await rejection(fit(m, x, y, { optimizer, classWeight: { 1: -1 }, worker }));
        expect(err.message).toMatch(/fit: classWeight\[1\] must be >= 0/);
        err = await rejection(
          fit(m, x, new Tensor(new Float32Array(180), [60, 3]), { optimizer, loss: 'mse', classWeight: [1, 2, 3], worker }),
        );
        expect(err.message).toMatch(/fit: classWeight weights the cross-entropy loss/);
      }
      expect(m.getWeights()).toEqual(before);
    });
  });

  it("fit trains with loss: 'huber', 'l1', 'smoothL1' on a regression, and the loss falls", async () => {
    await onBackend(backend, async () => {
      const targets = new Tensor(new Float32Array(60 * 3), [60, 3]);
      for (let i = 0; i < targets.size; i++) targets.data[i] = Math.sin(x.data[i % x.data.length]);
      for (const loss of ['huber', 'l1', 'smoothL1'] as const) {
        const m = model();
        const h = await fitBlocking(m, x, targets, { optimizer: new SGD(m.parameters(), { lr: 0.1 }), epochs: 5, batchSize: 10, loss });
        expect(h[4].loss).toBeLessThan(h[0].loss);
      }
    });
  });
});

describe('fit checks the targets of the new losses before any work', () => {
  it.each(['l1', 'smoothL1', 'huber', 'klDiv'] as const)(
    '%s: targets of another width than the output are an ERR_SHAPE before training',
    async (loss) => {
      const model = new Sequential([new Dense(3, 2)]);
      const before = model.getWeights().map((w) => w.slice());
      const x = new Tensor(new Float32Array(12), [4, 3]);
      const y = new Tensor(new Float32Array(12), [4, 3]);
      await expect(fitBlocking(model, x, y, { optimizer: new SGD(model.parameters(), { lr: 0.1 }), loss })).rejects.toMatchObject({
        code: 'ERR_SHAPE',
        message: expect.stringMatching(/x has 4 rows and y has 12 values \(3 per row\), but the model outputs 2 per row$/),
      });
      expect(model.getWeights()).toEqual(before);
    },
  );
});
