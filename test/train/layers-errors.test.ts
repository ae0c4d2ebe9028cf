/**
 * Bad input is the library's error, with a code and a message naming the layer or argument, raised
 * before any work (no kernel has run, no running statistic has moved), on every backend.
 */
import { describe, expect, it } from 'vitest';
import type { Backend } from '../../lib/backend/contract.js';
import { BatchNorm1d, Dense, Dropout, Flatten, Sequential } from '../../lib/layers/index.js';
import { bceWithLogitsLoss, crossEntropyLoss, getLoss, l2Penalty, mseLoss } from '../../lib/losses.js';
import { add, matmul } from '../../lib/ops/index.js';
import { randn, tensor, Tensor } from '../../lib/tensor.js';
import { withBackend } from '../../lib/ops/current-backend.js';
import { backends } from '../helpers/backends.js';
import { expectError } from '../helpers/errors.js';

/** The backend with a count of kernel calls, to prove nothing ran before an error. */
function counting(backend: Backend): { be: Backend; calls: () => number } {
  let calls = 0;
  const be = new Proxy(backend, {
    get(target, key, receiver) {
      const v = Reflect.get(target, key, receiver);
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        calls++;
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { be, calls: () => calls };
}

describe.each(backends.map((b) => [b.name, b] as const))('bad input on %s', (_name, backend) => {
  it('a wrong shape between layers names the layer, before any kernel runs', () => {
    const { be, calls } = counting(backend);
    const model = new Sequential([new Dense(4, 128, { name: 'dense_in' }), new BatchNorm1d(128), new Dense(100, 3, { name: 'dense_out' })]);
    const bn = model.layers[1] as BatchNorm1d;
    withBackend(be, () => {
      expectError(() => model.forward(randn([2, 4])), 'ERR_SHAPE', /^dense_out: expected input with 100 features, got 128$/);
    });
    expect(calls()).toBe(0);
    expect(Array.from(bn.running.mean).every((v) => v === 0)).toBe(true);
  });

  it('an input of the wrong rank or width names the first layer', () => {
    const model = new Sequential([new Dense(6, 2, { name: 'first' })], { name: 'net' });
    withBackend(backend, () => {
      expectError(() => model.forward(randn([3, 5])), 'ERR_SHAPE', /first: expected input with 6 features, got 5/);
      expectError(() => model.forward(randn([3, 2, 3])), 'ERR_SHAPE', /first: .*add a Flatten layer/);
      expectError(() => model.forward(randn([6])), 'ERR_SHAPE', /net input: expected a batch/);
      expectError(() => new BatchNorm1d(3, { name: 'bn' }).forward(randn([4, 5])), 'ERR_SHAPE', /^bn: expected input/);
    });
  });

  it('NaN or Inf in the input is ERR_BAD_DATA naming the model input, sample and feature', () => {
    const { be, calls } = counting(backend);
    const model = new Sequential([new Flatten(), new Dense(4, 2)], { name: 'mlp' });
    const x = randn([3, 2, 2]);
    x.data[6] = NaN;
    withBackend(be, () => {
      expectError(() => model.forward(x), 'ERR_BAD_DATA', /^mlp input contains NaN at sample 1, feature 2$/);
      x.data[6] = -Infinity;
      expectError(() => model.forward(x), 'ERR_BAD_DATA', /-Infinity/);
    });
    expect(calls()).toBe(0);
  });

  it('labels outside the class range are ERR_LABEL naming the label, before any kernel runs', () => {
    const { be, calls } = counting(backend);
    const logits = randn([3, 4], { requiresGrad: true });
    withBackend(be, () => {
      expectError(
        () => crossEntropyLoss(logits, [0, 4, 1]),
        'ERR_LABEL',
        /crossEntropyLoss: labels\[1\] = 4 is not a class index in \[0, 4\)/,
      );
      expectError(() => crossEntropyLoss(logits, Int32Array.from([0, 1, -1])), 'ERR_LABEL', /labels\[2\] = -1/);
      expectError(() => crossEntropyLoss(logits, [0, 1.5, 1]), 'ERR_LABEL', /labels\[1\] = 1.5/);
    });
    expect(calls()).toBe(0);
  });

  it('targets of the wrong size or with NaN name the loss and the argument', () => {
    withBackend(backend, () => {
      const p = randn([2, 3], { requiresGrad: true });
      expectError(() => mseLoss(p, [1, 2, 3]), 'ERR_SHAPE', /mseLoss: target has 3 elements, the prediction has 6/);
      expectError(() => bceWithLogitsLoss(p, [0, 1, 0, 1, NaN, 1]), 'ERR_BAD_DATA', /bceWithLogitsLoss: target contains NaN at index 4/);
      expectError(() => crossEntropyLoss(p, [0, 1, 2, 0]), 'ERR_SHAPE', /crossEntropyLoss: target has 4 values/);
      expectError(() => getLoss('hinge'), 'ERR_INVALID_ARG', /loss must be one of/);
      expectError(() => l2Penalty([p], -1), 'ERR_INVALID_ARG', /lambda/);
    });
  });

  it('bad layer options and op shapes are refused with a code', () => {
    expectError(() => new Dense(0, 3), 'ERR_INVALID_ARG', /inFeatures must be a positive integer/);
    expectError(() => new Dense(3, 3, { activation: 'swish' as 'relu', name: 'd' }), 'ERR_INVALID_ARG', /^d: activation must be one of/);
    expectError(() => new Dropout(1), 'ERR_INVALID_ARG', /rate must be in \[0, 1\)/);
    withBackend(backend, () => {
      expectError(() => matmul(randn([2, 3]), randn([2, 3])), 'ERR_SHAPE', /cannot multiply \[2, 3\] by \[2, 3\]/);
      expectError(() => add(randn([2, 3]), randn([2])), 'ERR_SHAPE', /cannot combine/);
      expectError(
        () => new BatchNorm1d(2, { name: 'bn1' }).forward(randn([1, 2])),
        'ERR_SHAPE',
        /^bn1: training needs more than one value per channel/,
      );
      expectError(() => new Tensor(new Float32Array(5), [2, 3]), 'ERR_SHAPE', /holds 6 elements, data has 5/);
      expectError(() => tensor([1, 2]).item(), 'ERR_SHAPE', /not 1/);
    });
  });
});

describe('loss names', () => {
  it('name what the loss takes; the old binaryCrossEntropy still works, once warning that it means logits', () => {
    expect(getLoss('bceWithLogits')).toBe(bceWithLogitsLoss);
    expect(getLoss('binaryCrossEntropyWithLogits')).toBe(bceWithLogitsLoss);
    expect(getLoss('crossEntropy')).toBe(crossEntropyLoss);
    expect(getLoss('mse')).toBe(mseLoss);
    expectError(() => getLoss('toString'), 'ERR_INVALID_ARG', /loss must be one of/);
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    const emit = process.emitWarning;
    // Capture synchronously: process.emitWarning itself reports on the next tick.
    process.emitWarning = ((w: string | Error, o?: { type?: string; code?: string }) => {
      onWarning(Object.assign(new Error(String(w)), { name: o?.type, code: o?.code }));
    }) as typeof process.emitWarning;
    try {
      expect(getLoss('binaryCrossEntropy')).toBe(bceWithLogitsLoss);
      expect(getLoss('binaryCrossEntropy')).toBe(bceWithLogitsLoss);
    } finally {
      process.emitWarning = emit;
    }
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ name: 'DeprecationWarning', code: 'NEUROBLAS_LOSS_NAME' });
    expect(warnings[0].message).toMatch(/binary cross-entropy on logits .* use 'bceWithLogits'/);
    expectError(
      () => getLoss('hinge'),
      'ERR_INVALID_ARG',
      /^loss must be one of mse, meanSquaredError, bceWithLogits, binaryCrossEntropyWithLogits, crossEntropy/,
    );
  });
});
