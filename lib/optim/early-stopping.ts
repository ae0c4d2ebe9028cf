/**
 * Early stopping on a validation metric (Keras's semantics): training stops once `patience` epochs in a row
 * have not improved on the best value by more than `minDelta`, and the weights of the best epoch are put back
 * at the end when `restoreBestWeights`. The snapshot buffers are allocated at the first improvement and
 * reused after, so watching a long run costs one copy of the weights per improvement and nothing else.
 */
import { fail } from '../errors.js';
import type { EpochLogs, TrainContext, TrainingCallback } from '../train/callbacks.js';
import { bool, checkKnownKeys, given, nonNegative, nonNegativeInteger, oneOf, optionsObject } from './hyper-checks.js';

export interface EarlyStoppingConfig {
  /** The epoch-log key to watch: 'valLoss' by default. */
  monitor?: keyof EpochLogs;
  /** 'auto' means min for keys ending in loss, max for keys ending in accuracy. */
  mode?: 'auto' | 'min' | 'max';
  patience?: number; // 5
  minDelta?: number; // 0: an improvement must beat the best by more than this
  restoreBestWeights?: boolean; // true
}

const OWNER = 'EarlyStopping';
const KNOWN = ['monitor', 'mode', 'patience', 'minDelta', 'restoreBestWeights'] as const;

function autoMode(monitor: string): 'min' | 'max' {
  const key = monitor.toLowerCase();
  if (key.endsWith('loss')) return 'min';
  if (key.endsWith('accuracy')) return 'max';
  return fail('ERR_INVALID_ARG', `${OWNER}: cannot tell whether '${monitor}' should go up or down; set mode to 'min' or 'max'`);
}

export class EarlyStopping implements TrainingCallback {
  readonly monitor: keyof EpochLogs;
  readonly mode: 'min' | 'max';
  readonly patience: number;
  readonly minDelta: number;
  readonly restoreBestWeights: boolean;

  /** The best value seen (Infinity or -Infinity before the first epoch). */
  bestValue: number;
  /** The 1-based epoch that had it, or null before the first epoch. */
  bestEpoch: number | null = null;
  /** The epoch after which training was stopped, or null when it was not (yet). */
  stoppedEpoch: number | null = null;
  /** Epochs since the last improvement. */
  wait = 0;

  private best: Float32Array[] | null = null;
  private lastEpoch: number | null = null;

  constructor(config?: EarlyStoppingConfig) {
    const o = optionsObject(OWNER, config);
    checkKnownKeys(OWNER, o, KNOWN);
    const monitor = given(o.monitor, 'valLoss');
    if (typeof monitor !== 'string' || monitor === '') fail('ERR_INVALID_ARG', `${OWNER}: monitor must be an epoch-log key such as 'valLoss'`);
    this.monitor = monitor as keyof EpochLogs;
    const mode = oneOf(OWNER, 'mode', given(o.mode, 'auto'), ['auto', 'min', 'max'] as const);
    this.mode = mode === 'auto' ? autoMode(monitor) : mode;
    this.patience = nonNegativeInteger(OWNER, 'patience', given(o.patience, 5));
    this.minDelta = nonNegative(OWNER, 'minDelta', given(o.minDelta, 0));
    this.restoreBestWeights = bool(OWNER, 'restoreBestWeights', given(o.restoreBestWeights, true));
    this.bestValue = this.mode === 'min' ? Infinity : -Infinity;
  }

  /** Starts over, so one instance can watch several fits. */
  onTrainBegin(_ctx: TrainContext): void {
    this.bestValue = this.mode === 'min' ? Infinity : -Infinity;
    this.bestEpoch = null;
    this.stoppedEpoch = null;
    this.wait = 0;
    this.lastEpoch = null;
  }

  private improves(value: number): boolean {
    // NaN never improves: a diverged epoch counts against patience.
    return this.mode === 'min' ? value < this.bestValue - this.minDelta : value > this.bestValue + this.minDelta;
  }

  onEpochEnd(logs: EpochLogs, ctx: TrainContext): void {
    const value = logs[this.monitor];
    if (typeof value !== 'number') {
      const have = Object.keys(logs).filter((k) => typeof logs[k as keyof EpochLogs] === 'number').join(', ');
      fail('ERR_INVALID_ARG', `${OWNER}: monitor '${String(this.monitor)}' is not in the epoch logs (they have ${have}); pass validation data to fit or change monitor`);
    }
    this.lastEpoch = logs.epoch;
    if (this.improves(value)) {
      this.bestValue = value;
      this.bestEpoch = logs.epoch;
      this.wait = 0;
      if (this.restoreBestWeights) this.snapshot(ctx.model.getWeights());
      return;
    }
    this.wait++;
    if (this.wait >= this.patience && this.stoppedEpoch === null) {
      this.stoppedEpoch = logs.epoch;
      ctx.stop();
    }
  }

  onTrainEnd(_history: EpochLogs[], ctx: TrainContext): void {
    // When the last epoch was the best, the model already holds the best weights.
    if (!this.restoreBestWeights || this.best === null || this.bestEpoch === null || this.bestEpoch === this.lastEpoch) return;
    ctx.model.setWeights(this.best);
  }

  /** Copies the weights into buffers kept from the previous snapshot when their sizes still match. */
  private snapshot(weights: readonly Float32Array[]): void {
    const kept = this.best;
    const fits = kept !== null && kept.length === weights.length && kept.every((k, i) => k.length === weights[i].length);
    if (!fits) {
      this.best = weights.map((w) => w.slice());
      return;
    }
    weights.forEach((w, i) => kept[i].set(w));
  }
}
