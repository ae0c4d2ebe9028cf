/**
 * `neuroblas train --resume <checkpoint>`: continues a run exactly where its checkpoint left it — the model, the
 * optimizer and its state, the epoch, the history, the schedule's and early stopping's state and the random
 * generator come from the file (loadModel + restoreCallbacks + fit's initialEpoch, as the API resumes), so the
 * resumed run is the uninterrupted one, bit for bit.
 *
 * For that the run's flags must be the same too (the data, its sampling and normalization, the batch size, …):
 * every checkpoint `neuroblas train` writes carries them, as one more callback state ("NeuroblasTrainRun", saved
 * after the schedule's and early stopping's), and `--resume` takes them from there. A flag given again must say
 * the same; one that differs is refused, naming it. With normalization, the model in the file has the statistics
 * folded into its first layer (so it takes raw rows); the state also keeps that layer's weights as training had
 * them, so training continues on exactly those.
 */
import { fail, NeuroblasError } from '../errors.js';
import type { CallbackState } from '../io/callback-io.js';
import { loadModel, type Checkpoint } from '../io/checkpoint.js';
import { isFloat32Array } from '../check.js';
import { isPlainObject } from '../plain-data.js';
import { formatLrSchedule, type LrSchedule } from './schedule-option.js';

export const RUN_STATE_TYPE = 'NeuroblasTrainRun';
const RUN_STATE_VERSION = 1;

/** The train flags that define a run (commander's keys and the flag a user writes). */
export const RUN_FLAGS = {
  data: '--data',
  limit: '--limit',
  labelColumn: '--label-column',
  task: '--task',
  loss: '--loss',
  validationSplit: '--validation-split',
  normalize: '--normalize',
  seed: '--seed',
  batchSize: '--batch-size',
  l2: '--l2',
  clipNorm: '--clip-norm',
  model: '--model',
  layers: '--layers',
  activation: '--activation',
  optimizer: '--optimizer',
  lr: '--lr',
  momentum: '--momentum',
  lrSchedule: '--lr-schedule',
  earlyStopping: '--early-stopping',
} as const;
export type RunFlag = keyof typeof RUN_FLAGS;

/** The run's flags (their effective values; absent when not used) and the shape of its data. */
export interface RunSettings extends Partial<Record<RunFlag, unknown>> {
  /** The total number of epochs the run was asked for. */
  epochs: number;
  rows: number;
  features: number;
  classes: number;
  /** The model, for messages: "784-100-10 relu MLP", "LeNet-5", the spec file. */
  description: string;
}

export interface FirstLayer {
  weight: Float32Array;
  bias: Float32Array;
}

/** The run's settings as a callback state, so a checkpoint carries them (and the unfolded first layer). */
export class TrainRun {
  /** The first layer's weights before normalization was folded into them; set by the save, for state(). */
  firstLayer: FirstLayer | null = null;

  constructor(readonly settings: RunSettings) {}

  state(): CallbackState {
    return { type: RUN_STATE_TYPE, version: RUN_STATE_VERSION, settings: { ...this.settings }, firstLayer: this.firstLayer };
  }

  /** Nothing to restore into: the resumed run is made from the state (readRunState). */
  loadState(_state: CallbackState): void {}
}

export interface ResumePoint {
  file: string;
  checkpoint: Checkpoint;
  settings: RunSettings;
  /** The first layer's weights as training had them (when normalization was folded into the file's). */
  firstLayer: FirstLayer | null;
}

function readRunState(file: string, states: readonly CallbackState[]): { settings: RunSettings; firstLayer: FirstLayer | null } {
  const state = states[states.length - 1];
  if (state?.type !== RUN_STATE_TYPE)
    fail(
      'ERR_INVALID_ARG',
      `--resume ${file}: this checkpoint was not written by neuroblas train (it has no run settings); ` +
        'continue it with the API (loadModel, restoreCallbacks, fit with initialEpoch)',
    );
  const s = state.settings;
  if (
    state.version !== RUN_STATE_VERSION ||
    !isPlainObject(s) ||
    !['epochs', 'rows', 'features', 'classes'].every((k) => typeof s[k] === 'number')
  )
    fail('ERR_IO', `--resume ${file}: the run settings in the file are not ones this neuroblas understands`);
  const f = state.firstLayer;
  if (f !== null && !(isPlainObject(f) && isFloat32Array(f.weight) && isFloat32Array(f.bias)))
    fail('ERR_IO', `--resume ${file}: the run's first-layer weights in the file are damaged`);
  return { settings: s as unknown as RunSettings, firstLayer: f as FirstLayer | null };
}

/** A flag's value as the user writes it. */
function format(flag: RunFlag, v: unknown): string {
  if (flag === 'layers' && Array.isArray(v)) return v.join('-');
  if (flag === 'lrSchedule' && isPlainObject(v)) return formatLrSchedule(v as unknown as LrSchedule);
  return String(v);
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/**
 * Opens the checkpoint to continue (on the current backend; the generator is set later, just before training) and
 * checks the flags given again against the run's.
 */
export function openResume(file: string, flags: Partial<Record<RunFlag, unknown>>, given: (flag: RunFlag) => boolean): ResumePoint {
  let checkpoint: Checkpoint;
  try {
    checkpoint = loadModel(file, { restoreRandom: false });
  } catch (e) {
    if (e instanceof NeuroblasError && !e.message.startsWith('--resume'))
      throw new NeuroblasError(e.code, `--resume ${e.message}`, { cause: e });
    throw e;
  }
  const { settings, firstLayer } = readRunState(file, checkpoint.callbackStates);
  if (checkpoint.optimizer === null) fail('ERR_IO', `--resume ${file}: the checkpoint has no optimizer state to continue with`);
  for (const key of Object.keys(RUN_FLAGS) as RunFlag[]) {
    if (!given(key) || same(flags[key], settings[key])) continue;
    const flag = RUN_FLAGS[key];
    const trained = settings[key] === undefined ? `without ${flag}` : `with ${flag} ${format(key, settings[key])}`;
    fail(
      'ERR_INVALID_ARG',
      `--resume ${file} continues a run trained ${trained}; drop ${flag} ${format(key, flags[key])} ` +
        '(the run continues with its own flags), or start a new run without --resume',
    );
  }
  return { file, checkpoint, settings, firstLayer };
}

/** The data must be what the run trained on: the same rows, features and classes. */
export function checkSameData(r: ResumePoint, rows: number, features: number, classes: number, dataName: string): void {
  const s = r.settings;
  if (rows !== s.rows || features !== s.features || classes !== s.classes)
    fail(
      'ERR_INVALID_ARG',
      `--resume ${r.file}: ${dataName} now gives ${rows} training rows of ${features} features in ${classes} classes, ` +
        `but the run trained on ${s.rows} rows of ${s.features} features in ${s.classes} classes; it cannot continue on other data`,
    );
}
