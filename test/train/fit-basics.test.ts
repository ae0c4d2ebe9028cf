/**
 * The training loop through the public API: fit's history and options (validation, shuffling, callbacks,
 * schedules, early stopping, abort), evaluate and predict, equivalence with a hand-written loop, determinism,
 * and the checks that refuse bad input before any work is done (the optimizer must not have moved a weight).
 */
import { describe, expect, it } from 'vitest';
import {
  Dense,
  EarlyStopping,
  Random,
  SGD,
  Sequential,
  StepLR,
  Tensor,
  crossEntropyLoss,
  evaluate,
  fit,
  fitSync,
  manualSeed,
  noGrad,
  predict,
  trainValidationSplit,
  type EpochLogs,
  type FitOptions,
  type Targets,
  type TrainingCallback,
} from '../../lib/index.js';
import { backends, backendNames } from '../helpers/backends.js';
import { expectClose } from '../helpers/close.js';
import { onBackend, rejection } from '../helpers/async.js';
import { gaussianBlobs } from '../helpers/blobs.js';

const FEATURES = 4;
const CLASSES = 3;

/** Three Gaussian blobs in 4-D (class c centred at 2·e_c), `rows` rows in a random class order. */
function blobs(rows: number, seed = 11): { x: Tensor; y: Int32Array } {
  return gaussianBlobs(rows, FEATURES, CLASSES, seed, 0.7);
}

function makeModel(seed = 1): Sequential {
  manualSeed(seed);
  return new Sequential([new Dense(FEATURES, 8, { activation: 'relu' }), new Dense(8, CLASSES)]);
}

function rowsOf(x: Tensor, start: number, end: number): Tensor {
  return new Tensor(x.data.slice(start * FEATURES, end * FEATURES), [end - start, FEATURES]);
}

const { x, y } = blobs(100);

describe.each(backends.map((b) => [b.name, b] as const))('fit on %s', (_name, backend) => {
  const sgd = (model: Sequential, lr = 0.1, extra: Partial<ConstructorParameters<typeof SGD>[1]> = {}) =>
    new SGD(model.parameters(), { lr, backend, ...extra });

  it('returns one EpochLogs per epoch with loss, accuracy, valLoss, valAccuracy, lr and seconds', async () => {
    await onBackend(backend, async () => {
      const model = makeModel();
      const history = await fit(model, x, y, { optimizer: sgd(model), epochs: 4, batchSize: 16, validationSplit: 0.2 });
      expect(history.map((l) => l.epoch)).toEqual([1, 2, 3, 4]);
      for (const l of history) {
        expect(Object.keys(l).sort()).toEqual(['accuracy', 'epoch', 'loss', 'lr', 'seconds', 'valAccuracy', 'valLoss']);
        for (const v of [l.loss, l.valLoss!, l.seconds]) expect(Number.isFinite(v) && v >= 0).toBe(true);
        for (const a of [l.accuracy!, l.valAccuracy!]) expect(a >= 0 && a <= 1).toBe(true);
        expect(l.lr).toBe(0.1);
      }
      expect(history[3].loss).toBeLessThan(history[0].loss);
      expect(history[3].accuracy!).toBeGreaterThan(0.8);
    });
  });

  it('validationSplit holds out a seeded, stratified random share (trainValidationSplit); validationData is used as given', async () => {
    await onBackend(backend, async () => {
      let batches = 0;
      const model = makeModel();
      const h = await fit(model, x, y, {
        optimizer: sgd(model),
        epochs: 2,
        batchSize: 16,
        validationSplit: 0.2,
        callbacks: {
          onBatchEnd: (l) => {
            batches = l.batches;
          },
        },
      });
      expect(batches).toBe(5); // 80 training rows in batches of 16
      const { validation } = trainValidationSplit(100, 0.2, { labels: y });
      const heldX = new Tensor(new Float32Array(20 * FEATURES), [20, FEATURES]);
      validation.forEach((r, i) => {
        heldX.data.set(x.data.subarray(r * FEATURES, (r + 1) * FEATURES), i * FEATURES);
      });
      const held = evaluate(
        model,
        heldX,
        Int32Array.from(validation, (r) => y[r]),
      );
      expect(h[1].valLoss!).toBeCloseTo(held.loss, 6);
      expect(h[1].valAccuracy).toBe(held.accuracy);

      const other = blobs(30, 99);
      const model2 = makeModel();
      const h2 = await fit(model2, x, y, { optimizer: sgd(model2), epochs: 2, batchSize: 16, validationData: [other.x, other.y] });
      const r = evaluate(model2, other.x, other.y);
      expect(h2[1].valLoss!).toBeCloseTo(r.loss, 6);
      expect(h2[1].valAccuracy).toBe(r.accuracy);

      const model3 = makeModel();
      const before = model3.getWeights();
      const err = await rejection(fit(model3, x, y, { optimizer: sgd(model3), validationSplit: 0.2, validationData: [other.x, other.y] }));
      expect(err.code).toBe('ERR_INVALID_ARG');
      expect(model3.getWeights()).toEqual(before);
    });
  });

  it('shuffle: false is deterministic and draws nothing; shuffle on follows the generator it is given', async () => {
    await onBackend(backend, async () => {
      const run = async (o: Partial<FitOptions>) => {
        const model = makeModel();
        await fit(model, x, y, { optimizer: sgd(model), epochs: 2, batchSize: 16, ...o });
        return model.getWeights();
      };
      const rng = new Random(7);
      const state = rng.getState();
      const a = await run({ shuffle: false, rng });
      expect(rng.getState()).toEqual(state); // no shuffle, no draw
      const b = await run({ shuffle: false });
      expect(b).toEqual(a);
      const c = await run({ shuffle: true, rng: new Random(7) });
      const d = await run({ rng: new Random(7) }); // shuffling is the default
      expect(d).toEqual(c);
      expect(c).not.toEqual(a);
      const e = await run({ rng: new Random(8) });
      expect(e).not.toEqual(c);
    });
  });

  it('calls back in order (sync and async hooks) and ctx.stop() ends training after the current epoch', async () => {
    await onBackend(backend, async () => {
      const events: string[] = [];
      const recorder: TrainingCallback = {
        onTrainBegin: () => {
          events.push('trainBegin');
        },
        onEpochBegin: (e) => {
          events.push(`epochBegin ${e}`);
        },
        onBatchEnd: (l) => {
          events.push(`batch ${l.batch}/${l.batches}`);
        },
        onEpochEnd: async (l) => {
          await new Promise((r) => setTimeout(r, 2));
          events.push(`epochEnd ${l.epoch}`);
        },
        onTrainEnd: (h) => {
          events.push(`trainEnd ${h.length}`);
        },
      };
      const second: TrainingCallback = {
        onEpochEnd: (l) => {
          events.push(`second ${l.epoch}`);
        },
      };
      const model = makeModel();
      await fit(model, rowsOf(x, 0, 40), y.subarray(0, 40), {
        optimizer: sgd(model),
        epochs: 2,
        batchSize: 16,
        callbacks: [recorder, second],
      });
      expect(events).toEqual([
        'trainBegin',
        'epochBegin 1',
        'batch 1/3',
        'batch 2/3',
        'batch 3/3',
        'epochEnd 1',
        'second 1',
        'epochBegin 2',
        'batch 1/3',
        'batch 2/3',
        'batch 3/3',
        'epochEnd 2',
        'second 2',
        'trainEnd 2',
      ]);

      // stop() at the end of epoch 2 of 50
      const ends: number[] = [];
      const h = await fit(model, x, y, {
        optimizer: sgd(model),
        epochs: 50,
        batchSize: 16,
        callbacks: {
          onEpochEnd: (l, ctx) => {
            if (l.epoch === 2) ctx.stop();
          },
          onTrainEnd: (hist) => {
            ends.push(hist.length);
          },
        },
      });
      expect(h.length).toBe(2);
      expect(ends).toEqual([2]);

      // stop() from a batch: the epoch still finishes
      let batchesSeen = 0;
      const h2 = await fit(model, x, y, {
        optimizer: sgd(model),
        epochs: 50,
        batchSize: 16,
        callbacks: {
          onBatchEnd: (_l, ctx) => {
            batchesSeen++;
            ctx.stop();
          },
        },
      });
      expect(h2.length).toBe(1);
      expect(batchesSeen).toBe(7);
    });
  });

  it("EarlyStopping stops on a worsening valLoss and fit ends with the best epoch's weights", async () => {
    await onBackend(backend, async () => {
      const model = makeModel();
      // Validation labels shifted by one class: the better the model fits the training set, the worse valLoss gets.
      const wrong = Int32Array.from(y, (c) => (c + 1) % CLASSES);
      const snapshots: Float32Array[][] = [];
      const snap: TrainingCallback = {
        onEpochEnd: (_l, ctx) => {
          snapshots.push(ctx.model.getWeights());
        },
      };
      const stopper = new EarlyStopping({ patience: 2 });
      const h = await fit(model, x, y, {
        optimizer: sgd(model, 0.05),
        epochs: 30,
        batchSize: 16,
        validationData: [x, wrong],
        callbacks: [snap, stopper],
      });
      const best = stopper.bestEpoch!;
      expect(best).not.toBeNull();
      expect(h.length).toBe(best + 2); // stopped after `patience` epochs without improvement
      expect(stopper.stoppedEpoch).toBe(h.length);
      const minVal = Math.min(...h.map((l) => l.valLoss!));
      expect(h[best - 1].valLoss).toBe(minVal);
      expect(model.getWeights()).toEqual(snapshots[best - 1]);
      expect(model.getWeights()).not.toEqual(snapshots[h.length - 1]);
    });
  });

  it("a StepLR callback changes the optimizer's lr once per epoch, and the history records it", async () => {
    await onBackend(backend, async () => {
      const model = makeModel();
      const optimizer = sgd(model, 0.1);
      const h = await fit(model, x, y, {
        optimizer,
        epochs: 5,
        batchSize: 32,
        callbacks: new StepLR(optimizer, { stepSize: 2, gamma: 0.5 }),
      });
      // logs.lr is the lr the epoch trained with; the schedule steps after it.
      expect(h.map((l) => l.lr)).toEqual([0.1, 0.1, 0.05, 0.05, 0.025]);
      expect(optimizer.lr).toBe(0.025);
    });
  });

  it('evaluate returns the mean loss, the accuracy and the confusion matrix, in eval mode', async () => {
    await onBackend(backend, async () => {
      const model = makeModel();
      await fit(model, x, y, { optimizer: sgd(model), epochs: 3, batchSize: 16 });
      const r = evaluate(model, x, y, { batchSize: 32 });
      const out = predict(model, x);
      const loss = crossEntropyLoss(out, y).item();
      expect(r.loss).toBeCloseTo(loss, 5);
      const m = r.confusion!;
      expect(m.classes).toBe(CLASSES);
      let total = 0,
        diagonal = 0;
      for (let t = 0; t < CLASSES; t++) {
        let rowSum = 0;
        for (let p = 0; p < CLASSES; p++) rowSum += m.counts[t * CLASSES + p];
        expect(rowSum).toBe(y.filter((c) => c === t).length); // rows are the true class
        total += rowSum;
        diagonal += m.counts[t * CLASSES + t];
      }
      expect(total).toBe(100);
      expect(r.accuracy).toBe(diagonal / 100);
      expect(model.training).toBe(true); // put back as it was
      expect(model.evaluate(x, y).accuracy).toBe(r.accuracy);
      const empty = evaluate(model, new Tensor(new Float32Array(0), [0, FEATURES]), new Int32Array(0));
      expect(empty.confusion!.counts).toEqual(new Int32Array(CLASSES * CLASSES));
    });
  });

  it("predict is batched and equals one forward over all rows; its result is the caller's", async () => {
    await onBackend(backend, async () => {
      const model = makeModel();
      const whole = noGrad(() => model.eval().forward(x)).data.slice();
      model.train();
      const p = predict(model, x, { batchSize: 7 }); // 15 batches, the last one of 2 rows
      expect(p.shape).toEqual([100, CLASSES]);
      expectClose(p.data, whole, { rtol: 1e-6, atol: 1e-6 }, 'predict vs forward');
      const kept = p.data.slice();
      predict(model, rowsOf(x, 0, 7), { batchSize: 7 }); // reuses the layers' buffers; must not touch p
      expect(p.data).toEqual(kept);
      expect(model.training).toBe(true);
    });
  });

  it('refuses bad input before any work: the weights stay, no callback runs', async () => {
    await onBackend(backend, async () => {
      const model = makeModel();
      const before = model.getWeights();
      const optimizer = sgd(model, 0.1, { momentum: 0.9 });
      const called: string[] = [];
      const cb: TrainingCallback = {
        onTrainBegin: () => {
          called.push('trainBegin');
        },
        onBatchEnd: () => {
          called.push('batch');
        },
      };
      const attempt = async (xs: Tensor, ys: Targets, o: Partial<FitOptions> = {}) => {
        const err = await rejection(fit(model, xs, ys, { optimizer, epochs: 2, batchSize: 16, callbacks: cb, ...o }));
        expect(model.getWeights()).toEqual(before);
        expect(optimizer.state().step).toBe(0);
        expect(called).toEqual([]);
        return err;
      };
      const firstLayer = model.layers[0].name;

      const wide = new Tensor(new Float32Array(100 * 5), [100, 5]);
      let err = await attempt(wide, y);
      expect(err.code).toBe('ERR_SHAPE');
      expect(err.message).toContain(firstLayer);

      const badLabels = y.slice();
      badLabels[57] = CLASSES;
      err = await attempt(x, badLabels);
      expect(err.code).toBe('ERR_LABEL');
      expect(err.message).toMatch(/labels\[57\] = 3/);
      err = await attempt(
        x,
        Int32Array.from(y, (c, i) => (i === 3 ? -1 : c)),
      );
      expect(err.code).toBe('ERR_LABEL');

      for (const bad of [NaN, Infinity, -Infinity]) {
        const xs = x.data.slice();
        xs[42 * FEATURES + 1] = bad;
        err = await attempt(new Tensor(xs, [100, FEATURES]), y);
        expect(err.code).toBe('ERR_BAD_DATA');
        expect(err.message).toMatch(/sample 42, feature 1/);
      }

      err = await attempt(x, y.subarray(0, 99));
      expect(err.code).toBe('ERR_SHAPE');
      expect(err.message).toMatch(/100 rows.*99/);
      err = await attempt(rowsOf(x, 0, 99), y);
      expect(err.code).toBe('ERR_SHAPE');
      // Two values per row read as float targets, which the model's 3 outputs cannot be compared with.
      err = await attempt(x, new Int32Array(200));
      expect(err.code).toBe('ERR_SHAPE');
      expect(err.message).toMatch(/100 rows and y has 200 values.*outputs 3 per row/);
      err = await attempt(x, new Float32Array(200), { loss: 'mse' });
      expect(err.code).toBe('ERR_SHAPE');

      for (const batchSize of [0, -1, 2.5, NaN]) {
        err = await attempt(x, y, { batchSize });
        expect(err.code).toBe('ERR_INVALID_ARG');
        expect(err.message).toMatch(/batchSize/);
      }
      err = await attempt(x, y, { epochs: 0 });
      expect(err.code).toBe('ERR_INVALID_ARG');

      // Bad validation data is refused before training too.
      const badVal = x.data.slice();
      badVal[0] = NaN;
      err = await attempt(x, y, { validationData: [new Tensor(badVal, [100, FEATURES]), y] });
      expect(err.code).toBe('ERR_BAD_DATA');
      err = await attempt(x, y, { validationData: [x, badLabels] });
      expect(err.code).toBe('ERR_LABEL');

      // fitSync checks the same way.
      const e2 = await rejection(fitSync(model, wide, y, { optimizer, callbacks: cb }));
      expect(e2.code).toBe('ERR_SHAPE');
      expect(model.getWeights()).toEqual(before);
    });
  });

  it('a loss that becomes NaN rejects with ERR_BAD_DATA naming the epoch and the batch', async () => {
    await onBackend(backend, async () => {
      // Regression on unscaled inputs (hundreds) with a huge learning rate: the weights grow geometrically until
      // the loss overflows.
      manualSeed(2);
      const model = new Sequential([new Dense(FEATURES, 1)]);
      const xs = Float32Array.from(x.data, (v) => 300 * v);
      const target = Float32Array.from(y, (c) => c);
      const err = await rejection(
        fit(model, new Tensor(xs, [100, FEATURES]), target, { optimizer: sgd(model, 10), loss: 'mse', epochs: 20, batchSize: 10 }),
      );
      expect(err.code).toBe('ERR_BAD_DATA');
      const m = /at epoch (\d+), batch (\d+)/.exec(err.message);
      expect(m, err.message).not.toBeNull();
      expect(Number(m![1]) * 100 + Number(m![2])).toBeGreaterThan(101); // not the very first batch
      expect(err.message).toMatch(/NaN|Infinity/);
    });
  });

  it('an AbortSignal aborted mid-training rejects with AbortError / ERR_ABORTED, and the model stays usable', async () => {
    await onBackend(backend, async () => {
      const model = makeModel();
      const optimizer = sgd(model);
      const controller = new AbortController();
      let batches = 0;
      const err = await rejection(
        fit(model, x, y, {
          optimizer,
          epochs: 1_000_000,
          batchSize: 16,
          signal: controller.signal,
          callbacks: {
            onBatchEnd: () => {
              batches++;
              // From a timer, as a user's stop button would, once training has made progress (a fixed delay
              // instead made the accuracy below depend on how busy the machine was).
              if (batches === 200) setTimeout(() => controller.abort(new Error('user pressed stop')), 0);
            },
          },
        }),
      );
      expect(err.name).toBe('AbortError');
      expect(err.code).toBe('ERR_ABORTED');
      expect(err.message).toMatch(/aborted.*user pressed stop/);
      expect(err.message).toMatch(/epoch \d+, batch \d+/);
      expect(batches).toBeGreaterThan(0);
      // Still usable: finite weights, predictions, and it trains again.
      for (const w of model.getWeights()) expect(w.every(Number.isFinite)).toBe(true);
      expect(model.evaluate(x, y).accuracy!).toBeGreaterThan(0.8);
      const h = await fit(model, x, y, { optimizer, epochs: 1, batchSize: 16 });
      expect(h.length).toBe(1);

      // Aborted from a callback at a known point, and already aborted before the start.
      const c2 = new AbortController();
      const e2 = await rejection(
        fit(model, x, y, {
          optimizer,
          epochs: 5,
          batchSize: 16,
          signal: c2.signal,
          callbacks: {
            onBatchEnd: (l) => {
              if (l.batch === 3) c2.abort();
            },
          },
        }),
      );
      expect(e2.code).toBe('ERR_ABORTED');
      expect(e2.message).toMatch(/epoch 1, batch 4/);
      const before = model.getWeights();
      const e3 = await rejection(fit(model, x, y, { optimizer, signal: c2.signal }));
      expect(e3.name).toBe('AbortError');
      expect(model.getWeights()).toEqual(before);
    });
  });
});

describe.runIf(backendNames.includes('js'))('fit on js: exact reproducibility', () => {
  const js = backends[backendNames.indexOf('js')];

  it(
    'a hand-written loop (zeroGrad, forward, loss.backward(), optimizer.step()) ' + 'gives the same weights as fit with shuffle false',
    async () => {
      await onBackend(js, async () => {
        const opts = { lr: 0.1, momentum: 0.9, backend: js };
        const a = makeModel(5);
        await fit(a, x, y, { optimizer: new SGD(a.parameters(), opts), epochs: 3, batchSize: 16, shuffle: false });

        const b = makeModel(5);
        const optimizer = new SGD(b.parameters(), opts);
        for (let epoch = 0; epoch < 3; epoch++) {
          for (let start = 0; start < 100; start += 16) {
            // 7 batches, the last of 4 rows
            const end = Math.min(start + 16, 100);
            b.zeroGrad();
            const out = b.forward(rowsOf(x, start, end));
            crossEntropyLoss(out, y.subarray(start, end)).backward();
            optimizer.step();
          }
        }
        expect(b.getWeights()).toEqual(a.getWeights());
      });
    },
  );

  it('the same seed gives bit-identical weights twice (initialization and shuffles)', async () => {
    await onBackend(js, async () => {
      const run = async () => {
        const model = makeModel(3); // manualSeed(3): the init and fit's shuffles draw from the default generator
        const history: EpochLogs[] = await fit(model, x, y, {
          optimizer: new SGD(model.parameters(), { lr: 0.1, momentum: 0.9, backend: js }),
          epochs: 3,
          batchSize: 16,
          validationSplit: 0.1,
        });
        return { weights: model.getWeights(), losses: history.map((l) => l.loss) };
      };
      const first = await run();
      const second = await run();
      expect(second.weights).toEqual(first.weights);
      expect(second.losses).toEqual(first.losses);
    });
  });
});
