/**
 * Byte inputs (issue 15): a ByteTensor trains, evaluates and predicts exactly as the float Tensor it stands for
 * (each value Math.fround(byte · scale)), bit for bit, on the calling thread, in fit's worker, with a validation split
 * or validation data; its constructor refuses what it cannot stand for, naming the fix.
 */
import { describe, expect, it } from 'vitest';
import {
  ByteTensor,
  checkInputRange,
  Dense,
  Dropout,
  SGD,
  Sequential,
  Tensor,
  evaluate,
  fit,
  fitBlocking,
  inputRangeOf,
  manualSeed,
  predict,
  predictProba,
  sharedUint8,
  type FitOptions,
} from '../../lib/index.js';
import { shareInputs, unshareInputs } from '../../lib/train/worker/shared.js';
import { onBackend } from '../helpers/async.js';
import { backends } from '../helpers/backends.js';
import { expectError } from '../helpers/errors.js';
import { Rng } from '../helpers/random.js';

const ROWS = 203; // odd: the last batch is short
const FEATURES = 17;
const CLASSES = 3;

/** Random bytes and labels that depend on them (so training moves the weights), as bytes and as the floats they mean. */
function data(seed: number, rows: number, scale: number) {
  const rng = new Rng(seed);
  const bytes = new Uint8Array(rows * FEATURES);
  const y = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    y[i] = rng.int(CLASSES);
    for (let j = 0; j < FEATURES; j++) bytes[i * FEATURES + j] = Math.min(255, rng.int(160) + (j % CLASSES === y[i] ? 90 : 0));
  }
  const floats = Float32Array.from(bytes, (b) => Math.fround(b * scale));
  return { bytes: new ByteTensor(bytes, [rows, FEATURES], scale), floats: new Tensor(floats, [rows, FEATURES]), y };
}

function makeModel(): Sequential {
  manualSeed(3);
  return new Sequential([new Dense(FEATURES, 24, { activation: 'relu' }), new Dropout(0.1), new Dense(24, CLASSES)]);
}

/** The bits of every weight, so +0/−0 and NaN payloads count too. */
const bits = (m: Sequential) => m.getWeights().map((w) => Array.from(new Uint32Array(w.buffer, w.byteOffset, w.length)));

type Run = (m: Sequential, x: Tensor | ByteTensor, y: Int32Array, o: FitOptions) => Promise<unknown>;
const RUNS: [string, Run][] = [
  ['fitBlocking', (m, x, y, o) => fitBlocking(m, x, y, o)],
  ['fit on the calling thread (yielding)', (m, x, y, o) => fit(m, x, y, { ...o, worker: false })],
  ['fit in the worker thread', (m, x, y, o) => fit(m, x, y, { ...o, worker: true })],
];

describe.each(backends)('ByteTensor inputs ($name)', (backend) => {
  const scale = 0.37 / 255; // not the default: the scale must be applied as given
  const train = data(1, ROWS, scale);
  const val = data(2, 41, scale);

  /** Trains a fresh model on `x` (and, per `variant`, validation data built the same way); the weights and logs. */
  async function trainOn(run: Run, kind: 'bytes' | 'floats', variant: 'plain' | 'split' | 'data') {
    return onBackend(backend, async () => {
      const model = makeModel();
      const o: FitOptions = { optimizer: new SGD(model.parameters(), { lr: 0.5, momentum: 0.9 }), epochs: 3, batchSize: 16 };
      if (variant === 'split') o.validationSplit = 0.25;
      if (variant === 'data') o.validationData = [val[kind], val.y];
      manualSeed(4); // the shuffles and the dropout masks
      const history = (await run(model, train[kind], train.y, o)) as { seconds: number }[];
      return { weights: bits(model), history: history.map(({ seconds: _, ...rest }) => rest) };
    });
  }

  describe.each(RUNS)('%s', (_name, run) => {
    it.each(['plain', 'split', 'data'] as const)('gives the float run’s weights and logs, bit for bit (%s)', async (variant) => {
      const floats = await trainOn(fitBlocking, 'floats', variant);
      const bytes = await trainOn(run, 'bytes', variant);
      expect(bytes.history).toEqual(floats.history);
      expect(bytes.weights).toEqual(floats.weights);
      // Training moved the weights (so the comparison compared something).
      expect(bytes.weights).not.toEqual(bits(makeModel()));
      if (variant !== 'plain') expect((bytes.history[0] as { valLoss?: number }).valLoss).toBeGreaterThan(0);
    });
  });

  it('evaluate, predict and predictProba give the same numbers on bytes as on the floats, in batches', () =>
    onBackend(backend, async () => {
      const model = makeModel();
      await fitBlocking(model, train.floats, train.y, { optimizer: new SGD(model.parameters(), { lr: 0.5 }), batchSize: 32 });
      expect(evaluate(model, train.bytes, train.y, { batchSize: 7 })).toEqual(evaluate(model, train.floats, train.y, { batchSize: 7 }));
      expect(Array.from(predict(model, train.bytes, { batchSize: 10 }).data)).toEqual(Array.from(predict(model, train.floats).data));
      const p = predictProba(model, val.bytes, { batchSize: 4 });
      expect(p.shape).toEqual([41, CLASSES]);
      expect(Array.from(p.data)).toEqual(Array.from(predictProba(model, val.floats).data));
    }));

  it('a ByteTensor of the wrong shape for the model is ERR_SHAPE, as a Tensor is', () =>
    onBackend(backend, async () => {
      const model = makeModel();
      const wrong = new ByteTensor(new Uint8Array(5 * 4), [5, 4]);
      expectError(() => predict(model, wrong), 'ERR_SHAPE');
      expectError(() => evaluate(model, wrong, new Int32Array(5)), 'ERR_SHAPE');
    }));
});

describe('ByteTensor', () => {
  it('holds data, shape and scale (default 1/255); a Buffer becomes a Uint8Array view of the same memory', () => {
    const t = new ByteTensor(Uint8Array.from([0, 255, 3, 4]), [2, 2]);
    expect(t.scale).toBe(1 / 255);
    expect(t.size).toBe(4);
    const buf = Buffer.from([1, 2, 3]);
    const b = new ByteTensor(buf, [3], 2);
    expect(b.data.constructor).toBe(Uint8Array);
    expect(b.data.buffer).toBe(buf.buffer);
    expect(b.data.byteOffset).toBe(buf.byteOffset);
  });

  it('refuses data that is not a Uint8Array, a shape that does not match, and a scale that is not finite and > 0', () => {
    expectError(
      () => new ByteTensor(new Float32Array(4) as never, [4]),
      'ERR_INVALID_ARG',
      /must be a Uint8Array.*Float32Array\(4\).*Tensor/,
    );
    expectError(() => new ByteTensor(new Uint8ClampedArray(4) as never, [4]), 'ERR_INVALID_ARG', /must be a Uint8Array/);
    expectError(() => new ByteTensor([1, 2] as never, [2]), 'ERR_INVALID_ARG', /must be a Uint8Array/);
    expectError(() => new ByteTensor(new Uint8Array(6), [2, 2]), 'ERR_SHAPE', /shape \[2, 2\] holds 4 elements, data has 6/);
    expectError(() => new ByteTensor(new Uint8Array(2), [2, -1]), 'ERR_INVALID_ARG', /shape/);
    for (const s of [0, -1, NaN, Infinity, '1'])
      expectError(() => new ByteTensor(new Uint8Array(2), [2], s as never), 'ERR_INVALID_ARG', /scale must be a finite number > 0/);
  });

  it('fit refuses x that is neither a Tensor nor a ByteTensor, naming both', () => {
    const model = makeModel();
    const o = { optimizer: new SGD(model.parameters(), { lr: 0.1 }) };
    return expect(fitBlocking(model, new Uint8Array(4) as never, [0], o)).rejects.toThrow(/a Tensor \(or a ByteTensor\)/);
  });

  it("goes to fit's worker as its bytes and scale: shared bytes as they are, others copied onto shared memory", async () => {
    const onShared = new ByteTensor(sharedUint8(6), [3, 2], 0.5);
    const sent = await shareInputs(onShared);
    expect(sent.data).toBe(onShared.data);
    const own = new ByteTensor(Uint8Array.from([1, 2, 3, 4]), [2, 2], 0.25);
    const copied = await shareInputs(own);
    expect(copied.data.buffer).toBeInstanceOf(SharedArrayBuffer);
    const back = unshareInputs(copied) as ByteTensor;
    expect(back).toBeInstanceOf(ByteTensor);
    expect([Array.from(back.data), back.shape, back.scale]).toEqual([[1, 2, 3, 4], [2, 2], 0.25]);
  });
});

describe('ByteTensor and the input range a checkpoint keeps', () => {
  const scale = 1 / 255;
  const { bytes, floats } = data(6, 40, scale);

  it('inputRangeOf gives the range of the floats it stands for, per feature or for all', () => {
    expect(inputRangeOf(bytes, FEATURES)).toEqual(inputRangeOf(floats.data, FEATURES));
    expect(inputRangeOf(bytes, FEATURES, { perFeature: false })).toEqual(inputRangeOf(floats.data, FEATURES, { perFeature: false }));
  });

  it('checkInputRange reports on bytes what it reports on their floats', () => {
    const range = { min: [0], max: [0.2] }; // most values lie far above: the warning's case
    const onBytes = checkInputRange(range, bytes, 'predict', { warn: false });
    expect(onBytes).toEqual(checkInputRange(range, floats, 'predict', { warn: false }));
    expect(onBytes.message).toMatch(/far outside the range/);
    const same = checkInputRange(inputRangeOf(bytes, FEATURES), bytes, 'predict', { warn: false });
    expect([same.outside, same.message]).toEqual([0, null]);
  });
});
