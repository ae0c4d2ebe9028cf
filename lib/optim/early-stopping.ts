/**
 * Early stopping on a validation metric (Keras's semantics): training stops once `patience` epochs in a row
 * have not improved on the best value by more than `minDelta`, and the weights of the best epoch are put back
 * at the end when `restoreBestWeights`. The snapshot buffers are allocated at the first improvement and
 * reused after, so watching a long run costs one copy of the weights per improvement and nothing else.
 *
 * Resuming: a fit whose first epoch is 1 starts the watch over; a fit that continues the run the watch ended
 * with (fit's initialEpoch = the last epoch watched, e.g. after loadState from a checkpoint) continues it: same
 * best, same patience count. The best-weights restore at the end of a fit replaces the weights training had
 * reached; they are kept (state().lastWeights), and a fit that continues the run puts them back before its first
 * epoch, so an interrupted and resumed run trains on exactly the weights the uninterrupted one would.
 */
import { fail } from '../errors.js';
import { checkSameConfig, epochOrNull, metricOrNull, stateOf, weightsOrNull } from './state-checks.js';
import type { EpochLogs, TrainContext, TrainingCallback } from '../train/callbacks.js';
import { bool, checkKnownKeys, given, nonNegative, nonNegativeInteger, oneOf, optionsObject } from '../check.js';
import { missingMonitorHint } from '../train/metrics.js';

export interface EarlyStoppingConfig {
  /** The epoch-log key to watch: 'valLoss' by default. */
  monitor?: keyof EpochLogs;
  /** 'auto' means min for keys ending in loss, max for keys ending in accuracy, precision, recall, f1 or auc. */
  mode?: 'auto' | 'min' | 'max';
  patience?: number; // 5
  minDelta?: number; // 0: an improvement must beat the best by more than this
  restoreBestWeights?: boolean; // true
}

/** EarlyStopping's state: JSON data and, for the weights, Float32Arrays (a checkpoint stores those as tensors). */
export interface EarlyStoppingState {
  type: 'EarlyStopping';
  /** The settings it was made with (mode resolved): loadState refuses a state made under other ones. */
  config: { monitor: string; mode: 'min' | 'max'; patience: number; minDelta: number; restoreBestWeights: boolean };
  /** The best value, null before the first epoch (the object's Infinity or -Infinity, which JSON cannot hold). */
  bestValue: number | null;
  bestEpoch: number | null;
  stoppedEpoch: number | null;
  wait: number;
  /** The last epoch watched: a fit continues the watch when it starts at the epoch after it. */
  lastEpoch: number | null;
  /** The best epoch's weights (restoreBestWeights), in getWeights() order. */
  bestWeights: Float32Array[] | null;
  /** The weights the last epoch ended with, when the end-of-fit restore replaced them with the best ones. */
  lastWeights: Float32Array[] | null;
}

const OWNER = 'EarlyStopping';
const KNOWN = ['monitor', 'mode', 'patience', 'minDelta', 'restoreBestWeights'] as const;

function autoMode(monitor: string): 'min' | 'max' {
  const key = monitor.toLowerCase();
  if (['loss', 'mae', 'rmse'].some((end) => key.endsWith(end))) return 'min';
  if (['accuracy', 'precision', 'recall', 'f1', 'auc', 'r2'].some((end) => key.endsWith(end))) return 'max';
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
  /** The weights training had reached when onTrainEnd put the best ones back; a fit that continues the run resumes from them. */
  private lastWeights: Float32Array[] | null = null;
  /** Set by onTrainBegin: whether this fit starts over or continues is known at its first epoch (its number). */
  private startPending = false;

  constructor(config?: EarlyStoppingConfig) {
    const o = optionsObject(OWNER, config);
    checkKnownKeys(OWNER, o, KNOWN);
    const monitor = given(o.monitor, 'valLoss');
    if (typeof monitor !== 'string' || monitor === '')
      fail('ERR_INVALID_ARG', `${OWNER}: monitor must be an epoch-log key such as 'valLoss'`);
    this.monitor = monitor as keyof EpochLogs;
    const mode = oneOf(OWNER, 'mode', given(o.mode, 'auto'), ['auto', 'min', 'max'] as const);
    this.mode = mode === 'auto' ? autoMode(monitor) : mode;
    this.patience = nonNegativeInteger(OWNER, 'patience', given(o.patience, 5));
    this.minDelta = nonNegative(OWNER, 'minDelta', given(o.minDelta, 0));
    this.restoreBestWeights = bool(OWNER, 'restoreBestWeights', given(o.restoreBestWeights, true));
    this.bestValue = this.worst;
  }

  private get worst(): number {
    return this.mode === 'min' ? Infinity : -Infinity;
  }

  /** The fit's first epoch tells whether it starts over or continues (see the file's comment). */
  onTrainBegin(_ctx: TrainContext): void {
    this.startPending = true;
  }

  onEpochBegin(epoch: number, ctx: TrainContext): void {
    if (this.startPending) this.begin(epoch, ctx);
  }

  /**
   * Starts the watch over (one instance can watch several fits), or continues it when this fit continues the
   * run it watched. `ctx` is null when the loop never called onEpochBegin (a loop of the caller's own): then the
   * decision comes at the first epoch's end, too late to put weights back.
   */
  private begin(firstEpoch: number, ctx: TrainContext | null): void {
    this.startPending = false;
    this.stoppedEpoch = null;
    const continues = firstEpoch > 1 && this.lastEpoch !== null;
    if (continues && firstEpoch !== this.lastEpoch! + 1) {
      fail(
        'ERR_INVALID_ARG',
        `${OWNER}: this fit starts at epoch ${firstEpoch} (initialEpoch ${firstEpoch - 1}), ` +
          `but the run it watched ended at epoch ${this.lastEpoch}; ` +
          `restore the state saved with that fit's checkpoint (checkpoint.restoreCallbacks, or loadState), ` +
          `or start at initialEpoch ${this.lastEpoch}`,
      );
    }
    if (continues) {
      if (this.lastWeights !== null && ctx !== null) ctx.model.setWeights(this.lastWeights);
    } else {
      this.bestValue = this.worst;
      this.bestEpoch = null;
      this.wait = 0;
      this.lastEpoch = null;
    }
    this.lastWeights = null;
  }

  private improves(value: number): boolean {
    // NaN never improves: a diverged epoch counts against patience.
    return this.mode === 'min' ? value < this.bestValue - this.minDelta : value > this.bestValue + this.minDelta;
  }

  onEpochEnd(logs: EpochLogs, ctx: TrainContext): void {
    if (this.startPending) this.begin(logs.epoch, null);
    const value = logs[this.monitor];
    if (typeof value !== 'number') {
      const have = Object.keys(logs).filter((k) => typeof logs[k as keyof EpochLogs] === 'number');
      const hint = missingMonitorHint(String(this.monitor), have) || '; pass validation data to fit or change monitor';
      fail('ERR_INVALID_ARG', `${OWNER}: monitor '${String(this.monitor)}' is not in the epoch logs (they have ${have.join(', ')})${hint}`);
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
    this.lastWeights = copyInto(this.lastWeights, ctx.model.getWeights());
    ctx.model.setWeights(this.best);
  }

  /** A snapshot of the watch: the counts and epochs, and copies of the weights it keeps. */
  state(): EarlyStoppingState {
    const { monitor, mode, patience, minDelta, restoreBestWeights } = this;
    return {
      type: OWNER,
      config: { monitor, mode, patience, minDelta, restoreBestWeights },
      bestValue: this.bestEpoch === null ? null : this.bestValue,
      bestEpoch: this.bestEpoch,
      stoppedEpoch: this.stoppedEpoch,
      wait: this.wait,
      lastEpoch: this.lastEpoch,
      // The buffers outlive a watch that starts over (they are reused); they are the best weights only while there is a best epoch.
      bestWeights: this.best !== null && this.bestEpoch !== null ? this.best.map((w) => w.slice()) : null,
      lastWeights: this.lastWeights?.map((w) => w.slice()) ?? null,
    };
  }

  /**
   * Restores a state() of an EarlyStopping made with the same settings (its weights are copied in); checks all
   * of it first, so a refused state leaves this one as it was. The weights are checked against the model when
   * they are used (setWeights names a parameter of the wrong size).
   */
  loadState(state: EarlyStoppingState): void {
    const fn = `${OWNER}.loadState`;
    const s = stateOf(fn, state, OWNER);
    const { monitor, mode, patience, minDelta, restoreBestWeights } = this;
    checkSameConfig(fn, s.config, { monitor, mode, patience, minDelta, restoreBestWeights });
    const bestValue = metricOrNull(fn, 'bestValue', s.bestValue);
    const bestEpoch = epochOrNull(fn, 'bestEpoch', s.bestEpoch);
    const stoppedEpoch = epochOrNull(fn, 'stoppedEpoch', s.stoppedEpoch);
    const wait = nonNegativeInteger(fn, 'wait', s.wait);
    const lastEpoch = epochOrNull(fn, 'lastEpoch', s.lastEpoch);
    if ((bestValue === null) !== (bestEpoch === null))
      fail(
        'ERR_INVALID_ARG',
        `${fn}: bestValue and bestEpoch must both be null (no epoch yet) or both be set, got ${bestValue} and ${bestEpoch}`,
      );
    for (const [name, epoch] of [
      ['bestEpoch', bestEpoch],
      ['stoppedEpoch', stoppedEpoch],
    ] as const) {
      if (epoch !== null && (lastEpoch === null || epoch > lastEpoch))
        fail('ERR_INVALID_ARG', `${fn}: ${name} ${epoch} is after lastEpoch ${lastEpoch}`);
    }
    const bestWeights = weightsOrNull(fn, 'bestWeights', s.bestWeights);
    const lastWeights = weightsOrNull(fn, 'lastWeights', s.lastWeights);
    if (!restoreBestWeights && (bestWeights !== null || lastWeights !== null))
      fail('ERR_INVALID_ARG', `${fn}: the state holds weights, but restoreBestWeights is false`);
    if (bestEpoch === null && bestWeights !== null) fail('ERR_INVALID_ARG', `${fn}: the state holds bestWeights but no bestEpoch`);
    this.bestValue = bestValue ?? this.worst;
    this.bestEpoch = bestEpoch;
    this.stoppedEpoch = stoppedEpoch;
    this.wait = wait;
    this.lastEpoch = lastEpoch;
    this.best = bestWeights;
    this.lastWeights = lastWeights;
    this.startPending = false;
  }

  /** Copies the weights into buffers kept from the previous snapshot when their sizes still match. */
  private snapshot(weights: readonly Float32Array[]): void {
    this.best = copyInto(this.best, weights);
  }
}

/** `weights` copied into `kept` when their sizes match (no allocation), else into new arrays. */
function copyInto(kept: Float32Array[] | null, weights: readonly Float32Array[]): Float32Array[] {
  const fits = kept !== null && kept.length === weights.length && kept.every((k, i) => k.length === weights[i].length);
  if (!fits) return weights.map((w) => w.slice());
  weights.forEach((w, i) => {
    kept[i].set(w);
  });
  return kept;
}
