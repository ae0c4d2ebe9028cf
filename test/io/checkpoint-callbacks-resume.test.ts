/**
 * Resuming with schedules and early stopping: N epochs with a callback that keeps state, against k epochs, a save
 * (with the callbacks' states), then — as a fresh process would — a model, an optimizer and callbacks made anew
 * from the file plus restoreCallbacks, and N − k more epochs from initialEpoch k. Everything must be the
 * uninterrupted run's: the history (epoch numbers and lr per epoch included), the final weights, the callbacks'
 * final states. Through fitSync and through fit in a worker thread, on both backends. The reference is fitSync's
 * uninterrupted run (the worker gives fitSync's run bit for bit: test/server/worker-fit.test.ts).
 */
import { describe, expect, it } from 'vitest';
import {
  Adam,
  CosineAnnealingLR,
  EarlyStopping,
  ExponentialLR,
  ReduceLROnPlateau,
  StepLR,
  defaultRandom,
  fit,
  fitSync,
  loadModel,
  manualSeed,
  saveModel,
  type Backend,
  type EpochLogs,
  type Optimizer,
  type StatefulCallback,
  type TrainingCallback,
} from '../../lib/index.js';
import { backends } from '../helpers/backends.js';
import { onBackend } from '../helpers/async.js';
import { blobs, makeModel } from './checkpoint-fixtures.js';
import { scratchDir } from './scratch-dir.js';

const file = scratchDir('callbacks-resume');
const { x, y } = blobs(120);
const val = blobs(60, 9);
const FIT = { batchSize: 16, validationData: [val.x, val.y] as [typeof val.x, Int32Array] };

type Callback = StatefulCallback & TrainingCallback;

interface Scenario {
  name: string;
  epochs: number;
  /** Epochs before the interruption. */
  k: number;
  lr: number;
  make(optimizer: Optimizer): Callback[];
}

const SCENARIOS: Scenario[] = [
  { name: 'StepLR', epochs: 6, k: 3, lr: 0.02, make: (o) => [new StepLR(o, { stepSize: 2, gamma: 0.5 })] },
  { name: 'ExponentialLR', epochs: 6, k: 3, lr: 0.02, make: (o) => [new ExponentialLR(o, { gamma: 0.7 })] },
  // Interrupted past the minimum (epoch 4), so the resumed half climbs back up from the saved baseLr.
  { name: 'CosineAnnealingLR', epochs: 7, k: 5, lr: 0.02, make: (o) => [new CosineAnnealingLR(o, { tMax: 4, etaMin: 0.001 })] },
  { name: 'ReduceLROnPlateau', epochs: 6, k: 4, lr: 0.03, make: (o) => [new ReduceLROnPlateau(o, { patience: 0, factor: 0.5 })] },
  // valLoss is best at epoch 3, then worsens: the plateau halves the lr and EarlyStopping stops at epoch 6, after the
  // interruption, and puts back the weights of epoch 3, from before it.
  {
    name: 'ReduceLROnPlateau + EarlyStopping (restoreBestWeights)',
    epochs: 12,
    k: 4,
    lr: 0.03,
    make: (o) => [new ReduceLROnPlateau(o, { patience: 1, factor: 0.5 }), new EarlyStopping({ patience: 3, restoreBestWeights: true })],
  },
];

type Train = typeof fitSync;
const PATHS: [string, Train, boolean | undefined][] = [
  ['fitSync', fitSync, undefined],
  ['fit in a worker', fit, true],
];

/** The history without the timings, which no two runs share. */
const comparable = (history: EpochLogs[]) => history.map(({ seconds: _, ...rest }) => rest);
const states = (callbacks: Callback[]) => callbacks.map((c) => c.state());

async function uninterrupted(s: Scenario, backend: Backend) {
  const model = makeModel();
  const optimizer = new Adam(model.parameters(), { lr: s.lr, backend });
  const callbacks = s.make(optimizer);
  const history = await fitSync(model, x, y, { ...FIT, optimizer, epochs: s.epochs, callbacks });
  return { history: comparable(history), weights: model.getWeights(), states: states(callbacks) };
}

/** k epochs, then a save with the callbacks' states. */
async function interrupted(s: Scenario, backend: Backend, train: Train, worker: boolean | undefined, path: string): Promise<void> {
  const model = makeModel();
  const optimizer = new Adam(model.parameters(), { lr: s.lr, backend });
  const callbacks = s.make(optimizer);
  const history = await train(model, x, y, { ...FIT, optimizer, epochs: s.k, callbacks, worker });
  saveModel(path, model, { optimizer, epoch: history.at(-1)!.epoch, history, callbacks });
}

/** What a fresh process would do: forget everything, load, make the callbacks anew, restore them, train on. */
async function resumed(s: Scenario, train: Train, worker: boolean | undefined, path: string) {
  manualSeed(2024); // another program state entirely
  defaultRandom.nextUint32();
  const checkpoint = loadModel(path);
  const optimizer = checkpoint.optimizer!;
  const callbacks = s.make(optimizer);
  checkpoint.restoreCallbacks(callbacks);
  const rest = await train(checkpoint.model, x, y, {
    ...FIT,
    optimizer,
    callbacks,
    worker,
    initialEpoch: checkpoint.epoch,
    epochs: s.epochs - checkpoint.epoch,
  });
  return {
    epoch: checkpoint.epoch,
    history: comparable([...checkpoint.history, ...rest]),
    weights: checkpoint.model.getWeights(),
    states: states(callbacks),
  };
}

describe.each(backends.map((b) => [b.name, b] as const))('resume with schedules and early stopping on %s', (name, backend) => {
  describe.each(SCENARIOS.map((s) => [s.name, s] as const))('%s', (_scenario, s) => {
    it.each(PATHS)(
      'k epochs + save + load + N − k epochs through %s are the N uninterrupted epochs exactly',
      async (pathName, train, worker) => {
        await onBackend(backend, async () => {
          const whole = await uninterrupted(s, backend);
          const lrs = whole.history.map((h) => h.lr);
          expect(new Set(lrs).size, `the schedule changes the lr in the run: ${lrs.join(', ')}`).toBeGreaterThan(1);
          const path = file(`${name}-${s.name.replace(/\W+/g, '_')}-${pathName.replace(/\W+/g, '_')}.safetensors`);
          await interrupted(s, backend, train, worker, path);
          const again = await resumed(s, train, worker, path);
          expect(again.epoch).toBe(s.k);
          expect(again.history.map((h) => h.epoch)).toEqual(whole.history.map((h) => h.epoch));
          expect(again.history).toEqual(whole.history);
          expect(again.weights).toEqual(whole.weights);
          expect(again.states).toEqual(whole.states);
        });
      },
    );
  });

  it('the early-stopping scenario is the one it says: best before the interruption, stop after it, lr cut on a plateau', async () => {
    await onBackend(backend, async () => {
      const s = SCENARIOS.at(-1)!;
      const whole = await uninterrupted(s, backend);
      const es = whole.states[1] as { bestEpoch: number; stoppedEpoch: number };
      expect(es.bestEpoch).toBeLessThan(s.k);
      expect(es.stoppedEpoch).toBeGreaterThan(s.k);
      expect(es.stoppedEpoch).toBeLessThan(s.epochs);
      expect(whole.history).toHaveLength(es.stoppedEpoch);
      expect(whole.history.at(-1)!.lr).toBeLessThan(s.lr);
    });
  });

  it("controls: a resumed run without the callbacks' states, or without putting back the last weights, differs", async () => {
    await onBackend(backend, async () => {
      const s = SCENARIOS.at(-1)!;
      const whole = await uninterrupted(s, backend);
      const path = file(`${name}-control.safetensors`);
      await interrupted(s, backend, fitSync, undefined, path);

      // Fresh callbacks on a fit that starts at epoch 1: the plateau forgets its wait, early stopping its best.
      manualSeed(3);
      let checkpoint = loadModel(path);
      let callbacks = s.make(checkpoint.optimizer!);
      const fresh = await fitSync(checkpoint.model, x, y, { ...FIT, optimizer: checkpoint.optimizer!, callbacks, epochs: s.epochs - s.k });
      expect(comparable([...checkpoint.history, ...fresh])).not.toEqual(whole.history);

      // Restored states, but the model left at the best weights the first fit ended with: the curve moves.
      checkpoint = loadModel(path);
      callbacks = s.make(checkpoint.optimizer!);
      const savedStates = checkpoint.callbackStates.map((st) => (st.type === 'EarlyStopping' ? { ...st, lastWeights: null } : st));
      callbacks.forEach((c, i) => {
        c.loadState(savedStates[i] as never);
      });
      const fromBest = await fitSync(checkpoint.model, x, y, {
        ...FIT,
        optimizer: checkpoint.optimizer!,
        callbacks,
        initialEpoch: s.k,
        epochs: s.epochs - s.k,
      });
      expect(comparable([...checkpoint.history, ...fromBest])).not.toEqual(whole.history);
    });
  });
});
