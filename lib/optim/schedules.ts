/**
 * Learning-rate schedules with PyTorch 1.13's semantics. Each one changes `optimizer.lr` once per epoch:
 * either from a manual loop (`schedule.step()` after each epoch) or as a fit callback (it steps in
 * onEpochEnd), so `fit(..., { callbacks: [new StepLR(opt, { stepSize: 10 })] })` just works.
 *
 * Like PyTorch, an epoch-based schedule records the optimizer's lr at construction as its base lr and
 * counts epochs from 0; after t calls to step() the lr is the schedule's value at epoch t.
 *
 * Resuming: state() / loadState() carry what a schedule has counted (and its base lr, best metric, patience
 * count), so a schedule made afresh after loadModel continues the run instead of starting over; the optimizer's
 * lr itself travels with the optimizer's state. As a fit callback, a schedule checks at a fit's first epoch that
 * a fit continuing a run (initialEpoch > 0) finds it where that run left it (see ContinuationCheck).
 */
import { fail } from '../errors.js';
import { checkSameConfig, metricOrNull, stateOf } from './state-checks.js';
import type { BatchLogs, EpochLogs, TrainContext, TrainingCallback } from '../train/callbacks.js';
import { bool, checkKnownKeys, given, nonNegative, nonNegativeInteger, oneOf, optionsObject, plural, positiveInteger } from '../check.js';
import { metricOfKey, missingMonitorHint } from '../train/metrics.js';
import type { Optimizer } from './optimizer.js';

function checkOptimizer(owner: string, optimizer: unknown): Optimizer {
  const lr = (optimizer as { lr?: unknown } | null)?.lr;
  if (typeof optimizer !== 'object' || optimizer === null || typeof lr !== 'number') {
    fail('ERR_INVALID_ARG', `${owner}: the first argument must be an optimizer`);
  }
  return optimizer as Optimizer;
}

/**
 * At a fit's first epoch, checks that a schedule has counted the epochs before it. A fit whose first epoch is not 1
 * continues a run (fit's initialEpoch), and must find the schedule where that run left it: one made afresh would set
 * the lrs of another run (a cosine would start over from its first epoch, a plateau would forget its best) without
 * a word. A fit that starts at epoch 1 may reuse a schedule as it is (several short fits stepping one schedule).
 * Armed when a fit begins; loadState disarms it.
 */
class ContinuationCheck {
  private pending = false;

  arm(): void {
    this.pending = true;
  }

  disarm(): void {
    this.pending = false;
  }

  atEpochBegin(owner: string, counted: number, firstEpoch: number): void {
    if (!this.pending) return;
    this.pending = false;
    if (typeof firstEpoch === 'number' && firstEpoch > 1 && firstEpoch !== counted + 1) {
      fail(
        'ERR_INVALID_ARG',
        `${owner}: this fit starts at epoch ${firstEpoch} (initialEpoch ${firstEpoch - 1}), ` +
          `but the schedule has counted ${plural(counted, 'epoch')}; ` +
          `restore the state it was saved with (checkpoint.restoreCallbacks, or loadState) so that its lr continues the run`,
      );
    }
  }
}

export type EpochScheduleType = 'StepLR' | 'ExponentialLR' | 'CosineAnnealingLR' | 'LinearLR' | 'CosineAnnealingWarmRestarts';

/** An epoch-based schedule's state: plain JSON data. */
export interface EpochScheduleState {
  type: EpochScheduleType;
  /** The settings it was made with: loadState refuses a state made under other ones. */
  config: Record<string, number>;
  /** Calls to step() so far. */
  epoch: number;
  /** The optimizer's lr when the schedule was made, which a schedule made after loadModel cannot know. */
  baseLr: number;
}

/** What the epoch-based schedules share: the base lr, the epoch counter, its state and the callback hooks. */
abstract class EpochSchedule implements TrainingCallback {
  readonly optimizer: Optimizer;
  /** Calls to step() so far (PyTorch's last_epoch). */
  epoch = 0;

  private initialLr: number;
  /** Set by onTrainBegin: the next onEpochBegin is a fit's first epoch. */
  private readonly continuation = new ContinuationCheck();

  protected constructor(
    private readonly owner: EpochScheduleType,
    optimizer: Optimizer,
  ) {
    this.optimizer = checkOptimizer(owner, optimizer);
    this.initialLr = optimizer.lr;
  }

  /** The optimizer's lr when the schedule was made (PyTorch's initial_lr), or the one loadState restored. */
  get baseLr(): number {
    return this.initialLr;
  }

  /** The lr for `this.epoch`, given the lr of the epoch before (the chainable forms use it). */
  protected abstract nextLr(previous: number): number;
  /** The constructor's settings, as state() records them. */
  protected abstract config(): Record<string, number>;

  /** Moves to the next epoch and sets the optimizer's lr for it. */
  step(): void {
    this.epoch++;
    this.optimizer.lr = this.nextLr(this.optimizer.lr);
  }

  /** A snapshot of what the schedule has counted (the optimizer's lr is the optimizer's state, not this). */
  state(): EpochScheduleState {
    return { type: this.owner, config: this.config(), epoch: this.epoch, baseLr: this.initialLr };
  }

  /** Restores a state() of a schedule of this class made with the same settings; checks all of it first. */
  loadState(state: EpochScheduleState): void {
    const fn = `${this.owner}.loadState`;
    const s = stateOf(fn, state, this.owner);
    checkSameConfig(fn, s.config, this.config());
    const epoch = nonNegativeInteger(fn, 'epoch', s.epoch);
    const baseLr = nonNegative(fn, 'baseLr', s.baseLr);
    this.epoch = epoch;
    this.initialLr = baseLr;
    this.continuation.disarm();
  }

  onTrainBegin(_ctx: TrainContext): void {
    this.continuation.arm();
  }

  onEpochBegin(epoch: number, _ctx: TrainContext): void {
    this.continuation.atEpochBegin(this.owner, this.epoch, epoch);
  }

  onEpochEnd(_logs: EpochLogs, _ctx: TrainContext): void {
    this.step();
  }
}

export interface StepLRConfig {
  stepSize: number; // epochs between decays
  gamma?: number; // 0.1
}

/** lr = baseLr · gamma^floor(epoch / stepSize). */
export class StepLR extends EpochSchedule {
  readonly stepSize: number;
  readonly gamma: number;

  constructor(optimizer: Optimizer, config: StepLRConfig) {
    super('StepLR', optimizer);
    const o = optionsObject('StepLR', config);
    checkKnownKeys('StepLR', o, ['stepSize', 'gamma']);
    this.stepSize = positiveInteger('StepLR', 'stepSize', o.stepSize);
    this.gamma = nonNegative('StepLR', 'gamma', given(o.gamma, 0.1));
  }

  protected config(): Record<string, number> {
    return { stepSize: this.stepSize, gamma: this.gamma };
  }

  protected nextLr(previous: number): number {
    // PyTorch's chainable form (multiply at each boundary) rather than gamma^k: the same numbers bit for bit,
    // and it composes with other changes made to lr in between.
    return this.epoch % this.stepSize === 0 ? previous * this.gamma : previous;
  }
}

export interface ExponentialLRConfig {
  gamma: number;
}

/** lr = baseLr · gamma^epoch. */
export class ExponentialLR extends EpochSchedule {
  readonly gamma: number;

  constructor(optimizer: Optimizer, config: ExponentialLRConfig) {
    super('ExponentialLR', optimizer);
    const o = optionsObject('ExponentialLR', config);
    checkKnownKeys('ExponentialLR', o, ['gamma']);
    this.gamma = nonNegative('ExponentialLR', 'gamma', o.gamma);
  }

  protected config(): Record<string, number> {
    return { gamma: this.gamma };
  }

  protected nextLr(previous: number): number {
    return previous * this.gamma;
  }
}

export interface CosineAnnealingLRConfig {
  tMax: number; // epochs in a half period
  etaMin?: number; // 0
}

/** lr = etaMin + (baseLr − etaMin)·(1 + cos(π·epoch/tMax))/2: down to etaMin at tMax, then back up, like PyTorch. */
export class CosineAnnealingLR extends EpochSchedule {
  readonly tMax: number;
  readonly etaMin: number;

  constructor(optimizer: Optimizer, config: CosineAnnealingLRConfig) {
    super('CosineAnnealingLR', optimizer);
    const o = optionsObject('CosineAnnealingLR', config);
    checkKnownKeys('CosineAnnealingLR', o, ['tMax', 'etaMin']);
    this.tMax = positiveInteger('CosineAnnealingLR', 'tMax', o.tMax);
    this.etaMin = nonNegative('CosineAnnealingLR', 'etaMin', given(o.etaMin, 0));
  }

  protected config(): Record<string, number> {
    return { tMax: this.tMax, etaMin: this.etaMin };
  }

  protected nextLr(): number {
    // The closed form: PyTorch's recursive one agrees to rounding and cannot divide by zero at odd multiples of tMax.
    return this.etaMin + ((this.baseLr - this.etaMin) * (1 + Math.cos((Math.PI * this.epoch) / this.tMax))) / 2;
  }
}

export interface LinearLRConfig {
  startFactor?: number; // 1/3: lr = baseLr·startFactor at epoch 0
  endFactor?: number; // 1: lr = baseLr·endFactor from epoch totalIters on
  totalIters?: number; // 5
}

/**
 * Linear warm-up (or decay), PyTorch's LinearLR: lr = baseLr·(startFactor + (endFactor − startFactor)·min(epoch,
 * totalIters)/totalIters). It sets the lr for epoch 0 when made, as PyTorch does.
 */
export class LinearLR extends EpochSchedule {
  readonly startFactor: number;
  readonly endFactor: number;
  readonly totalIters: number;

  constructor(optimizer: Optimizer, config?: LinearLRConfig) {
    super('LinearLR', optimizer);
    const owner = 'LinearLR';
    const o = optionsObject(owner, config);
    checkKnownKeys(owner, o, ['startFactor', 'endFactor', 'totalIters']);
    this.startFactor = nonNegative(owner, 'startFactor', given(o.startFactor, 1 / 3));
    this.endFactor = nonNegative(owner, 'endFactor', given(o.endFactor, 1));
    // PyTorch: a start factor of 0 would make its chainable form divide by zero; both must lie in (0, 1].
    if (this.startFactor === 0 || this.startFactor > 1)
      fail('ERR_INVALID_ARG', `LinearLR: startFactor must be in (0, 1], got ${this.startFactor}`);
    if (this.endFactor > 1) fail('ERR_INVALID_ARG', `LinearLR: endFactor must be in [0, 1], got ${this.endFactor}`);
    this.totalIters = positiveInteger(owner, 'totalIters', given(o.totalIters, 5));
    this.optimizer.lr = this.baseLr * this.startFactor;
  }

  protected config(): Record<string, number> {
    return { startFactor: this.startFactor, endFactor: this.endFactor, totalIters: this.totalIters };
  }

  /**
   * Also sets the optimizer's lr for the restored epoch: the constructor set the lr for epoch 0, which on a resumed run
   * overwrote the lr the optimizer's own restored state had.
   */
  override loadState(state: EpochScheduleState): void {
    super.loadState(state);
    this.optimizer.lr = this.nextLr();
  }

  protected nextLr(): number {
    const t = Math.min(this.epoch, this.totalIters);
    return this.baseLr * (this.startFactor + ((this.endFactor - this.startFactor) * t) / this.totalIters);
  }
}

export interface CosineAnnealingWarmRestartsConfig {
  t0: number; // epochs until the first restart
  tMult?: number; // 1: each period is tMult times the one before
  etaMin?: number; // 0
}

/**
 * SGDR, PyTorch's CosineAnnealingWarmRestarts: a cosine from baseLr down towards etaMin over t0 epochs, then back to
 * baseLr (a restart), each period tMult times longer than the one before.
 */
export class CosineAnnealingWarmRestarts extends EpochSchedule {
  readonly t0: number;
  readonly tMult: number;
  readonly etaMin: number;

  constructor(optimizer: Optimizer, config: CosineAnnealingWarmRestartsConfig) {
    super('CosineAnnealingWarmRestarts', optimizer);
    const owner = 'CosineAnnealingWarmRestarts';
    const o = optionsObject(owner, config);
    checkKnownKeys(owner, o, ['t0', 'tMult', 'etaMin']);
    this.t0 = positiveInteger(owner, 't0', o.t0);
    this.tMult = positiveInteger(owner, 'tMult', given(o.tMult, 1));
    this.etaMin = nonNegative(owner, 'etaMin', given(o.etaMin, 0));
  }

  protected config(): Record<string, number> {
    return { t0: this.t0, tMult: this.tMult, etaMin: this.etaMin };
  }

  /** Where `epoch` lies: epochs since the last restart and the current period's length. */
  private position(): { tCur: number; tI: number } {
    if (this.tMult === 1) return { tCur: this.epoch % this.t0, tI: this.t0 };
    let tCur = this.epoch,
      tI = this.t0;
    while (tCur >= tI) {
      tCur -= tI;
      tI *= this.tMult;
    }
    return { tCur, tI };
  }

  protected nextLr(): number {
    const { tCur, tI } = this.position();
    return this.etaMin + ((this.baseLr - this.etaMin) * (1 + Math.cos((Math.PI * tCur) / tI))) / 2;
  }
}

export interface OneCycleLRConfig {
  maxLr: number;
  /** The number of steps (batches) in the cycle; or give epochs and stepsPerEpoch. */
  totalSteps?: number;
  epochs?: number;
  stepsPerEpoch?: number;
  pctStart?: number; // 0.3: the share of the cycle spent increasing the lr
  annealStrategy?: 'cos' | 'linear'; // 'cos'
  divFactor?: number; // 25: the starting lr is maxLr/divFactor
  finalDivFactor?: number; // 1e4: the final lr is the starting lr/finalDivFactor
  threePhase?: boolean; // false: with true, back down to the starting lr, then to the final lr (fast.ai's form)
}

/** OneCycleLR's state: plain JSON data. */
export interface OneCycleLRState {
  type: 'OneCycleLR';
  config: Record<string, number | string | boolean>;
  /** Calls to step() so far. */
  stepCount: number;
}

/**
 * The 1cycle policy (Smith & Topin), PyTorch's OneCycleLR without momentum cycling: from maxLr/divFactor up to maxLr
 * over pctStart of the cycle, then down to maxLr/(divFactor·finalDivFactor). It steps once per **batch**: call
 * step() after each optimizer step, or pass it to fitBlocking as a callback (it steps in onBatchEnd). It sets the
 * starting lr when made, whatever the optimizer's lr was, and refuses to step past totalSteps, as PyTorch does.
 */
export class OneCycleLR implements TrainingCallback {
  /** It steps in onBatchEnd: a fit with it stays on the caller's thread, where that lr is used by the next batch. */
  readonly changesLrEachBatch = true;
  readonly optimizer: Optimizer;
  readonly maxLr: number;
  readonly totalSteps: number;
  readonly pctStart: number;
  readonly annealStrategy: 'cos' | 'linear';
  readonly divFactor: number;
  readonly finalDivFactor: number;
  readonly threePhase: boolean;
  /** Calls to step() so far. */
  stepCount = 0;
  private readonly phases: { end: number; from: number; to: number }[];

  constructor(optimizer: Optimizer, config: OneCycleLRConfig) {
    const owner = 'OneCycleLR';
    this.optimizer = checkOptimizer(owner, optimizer);
    const o = optionsObject(owner, config);
    checkKnownKeys(owner, o, [
      'maxLr',
      'totalSteps',
      'epochs',
      'stepsPerEpoch',
      'pctStart',
      'annealStrategy',
      'divFactor',
      'finalDivFactor',
      'threePhase',
    ]);
    this.maxLr = nonNegative(owner, 'maxLr', o.maxLr);
    if (o.totalSteps !== undefined) {
      if (o.epochs !== undefined || o.stepsPerEpoch !== undefined)
        fail('ERR_INVALID_ARG', `${owner}: give totalSteps, or epochs and stepsPerEpoch, not both`);
      this.totalSteps = positiveInteger(owner, 'totalSteps', o.totalSteps);
    } else {
      if (o.epochs === undefined || o.stepsPerEpoch === undefined)
        fail('ERR_INVALID_ARG', `${owner}: give totalSteps, or epochs and stepsPerEpoch (batches per epoch)`);
      this.totalSteps = positiveInteger(owner, 'epochs', o.epochs) * positiveInteger(owner, 'stepsPerEpoch', o.stepsPerEpoch);
    }
    this.pctStart = nonNegative(owner, 'pctStart', given(o.pctStart, 0.3));
    if (this.pctStart > 1) fail('ERR_INVALID_ARG', `${owner}: pctStart must be in [0, 1], got ${this.pctStart}`);
    this.annealStrategy = oneOf(owner, 'annealStrategy', given(o.annealStrategy, 'cos'), ['cos', 'linear'] as const);
    this.divFactor = nonNegative(owner, 'divFactor', given(o.divFactor, 25));
    this.finalDivFactor = nonNegative(owner, 'finalDivFactor', given(o.finalDivFactor, 1e4));
    if (this.divFactor === 0 || this.finalDivFactor === 0)
      fail('ERR_INVALID_ARG', `${owner}: divFactor and finalDivFactor must be > 0 (they divide maxLr)`);
    this.threePhase = bool(owner, 'threePhase', given(o.threePhase, false));
    const initial = this.maxLr / this.divFactor;
    const final = initial / this.finalDivFactor;
    const up = this.pctStart * this.totalSteps - 1;
    this.phases = this.threePhase
      ? [
          { end: up, from: initial, to: this.maxLr },
          { end: 2 * this.pctStart * this.totalSteps - 2, from: this.maxLr, to: initial },
          { end: this.totalSteps - 1, from: initial, to: final },
        ]
      : [
          { end: up, from: initial, to: this.maxLr },
          { end: this.totalSteps - 1, from: this.maxLr, to: final },
        ];
    this.optimizer.lr = this.lrAt(0);
  }

  /** PyTorch's get_lr at step t (a phase of zero length is skipped over, as there). */
  private lrAt(t: number): number {
    let start = 0;
    for (let i = 0; i < this.phases.length; i++) {
      const { end, from, to } = this.phases[i];
      if (t <= end || i === this.phases.length - 1) {
        const pct = (t - start) / (end - start);
        return this.annealStrategy === 'cos' ? to + ((from - to) / 2) * (Math.cos(Math.PI * pct) + 1) : (to - from) * pct + from;
      }
      start = end;
    }
    return this.maxLr; // not reached: the last phase always answers
  }

  /** Moves to the next batch and sets the optimizer's lr for it. */
  step(): void {
    if (this.stepCount + 1 > this.totalSteps)
      fail(
        'ERR_INVALID_ARG',
        `OneCycleLR: stepped ${this.stepCount + 1} times, but totalSteps is ${this.totalSteps}; ` +
          `give it the number of batches of the whole run (epochs × batches per epoch)`,
      );
    this.stepCount++;
    this.optimizer.lr = this.lrAt(this.stepCount);
  }

  private config(): OneCycleLRState['config'] {
    const { maxLr, totalSteps, pctStart, annealStrategy, divFactor, finalDivFactor, threePhase } = this;
    return { maxLr, totalSteps, pctStart, annealStrategy, divFactor, finalDivFactor, threePhase };
  }

  state(): OneCycleLRState {
    return { type: 'OneCycleLR', config: this.config(), stepCount: this.stepCount };
  }

  /**
   * Restores a state() of a OneCycleLR made with the same settings, and sets the optimizer's lr for the restored step:
   * the constructor set the starting lr, which on a resumed run overwrote the lr the optimizer's own state had.
   */
  loadState(state: OneCycleLRState): void {
    const fn = 'OneCycleLR.loadState';
    const s = stateOf(fn, state, 'OneCycleLR');
    checkSameConfig(fn, s.config, this.config());
    const stepCount = nonNegativeInteger(fn, 'stepCount', s.stepCount);
    if (stepCount > this.totalSteps)
      fail('ERR_INVALID_ARG', `${fn}: stepCount must be at most totalSteps (${this.totalSteps}), got ${stepCount}`);
    this.stepCount = stepCount;
    this.optimizer.lr = this.lrAt(stepCount);
  }

  onBatchEnd(_logs: BatchLogs, _ctx: TrainContext): void {
    this.step();
  }
}

export interface ReduceLROnPlateauConfig {
  mode?: 'min' | 'max'; // 'min': lower is better
  factor?: number; // 0.1: lr ← max(lr·factor, minLr)
  patience?: number; // 10 epochs without improvement are tolerated; the next one reduces
  threshold?: number; // 1e-4: how much better counts as better
  thresholdMode?: 'rel' | 'abs'; // 'rel'
  cooldown?: number; // 0 epochs after a reduction during which bad epochs are not counted
  minLr?: number; // 0
  eps?: number; // 1e-8: reductions smaller than this are skipped
  /** The epoch-log key the callback watches; by default valLoss, or loss when there is no validation. */
  monitor?: keyof EpochLogs;
}

const PLATEAU_KEYS = ['mode', 'factor', 'patience', 'threshold', 'thresholdMode', 'cooldown', 'minLr', 'eps', 'monitor'] as const;

/** ReduceLROnPlateau's state: plain JSON data. */
export interface ReduceLROnPlateauState {
  type: 'ReduceLROnPlateau';
  /** The settings it was made with (monitor null when not given): loadState refuses a state made under other ones. */
  config: {
    mode: 'min' | 'max';
    factor: number;
    patience: number;
    threshold: number;
    thresholdMode: 'rel' | 'abs';
    cooldown: number;
    minLr: number;
    eps: number;
    monitor: string | null;
  };
  epoch: number;
  /** The best metric so far; null before the first (the object's Infinity or -Infinity, which JSON cannot hold). */
  best: number | null;
  badEpochs: number;
  cooldownLeft: number;
}

/** Divides the lr by 1/factor when a metric stops improving (PyTorch's ReduceLROnPlateau). */
export class ReduceLROnPlateau implements TrainingCallback {
  readonly optimizer: Optimizer;
  readonly mode: 'min' | 'max';
  readonly factor: number;
  readonly patience: number;
  readonly threshold: number;
  readonly thresholdMode: 'rel' | 'abs';
  readonly cooldown: number;
  readonly minLr: number;
  readonly eps: number;
  readonly monitor: keyof EpochLogs | undefined;

  /** The best metric so far (Infinity or -Infinity before the first). */
  best: number;
  /** Consecutive epochs without improvement, not counting cooldown. */
  badEpochs = 0;
  /** Epochs of cooldown left. */
  cooldownLeft = 0;
  /** Calls to step() so far. */
  epoch = 0;

  /** Set by onTrainBegin: the next onEpochBegin is a fit's first epoch. */
  private readonly continuation = new ContinuationCheck();

  constructor(optimizer: Optimizer, config?: ReduceLROnPlateauConfig) {
    const owner = 'ReduceLROnPlateau';
    this.optimizer = checkOptimizer(owner, optimizer);
    const o = optionsObject(owner, config);
    checkKnownKeys(owner, o, PLATEAU_KEYS);
    this.mode = oneOf(owner, 'mode', given(o.mode, 'min'), ['min', 'max'] as const);
    this.factor = nonNegative(owner, 'factor', given(o.factor, 0.1));
    if (this.factor >= 1) fail('ERR_INVALID_ARG', `${owner}: factor must be < 1, got ${this.factor}`);
    this.patience = nonNegativeInteger(owner, 'patience', given(o.patience, 10));
    this.threshold = nonNegative(owner, 'threshold', given(o.threshold, 1e-4));
    this.thresholdMode = oneOf(owner, 'thresholdMode', given(o.thresholdMode, 'rel'), ['rel', 'abs'] as const);
    this.cooldown = nonNegativeInteger(owner, 'cooldown', given(o.cooldown, 0));
    this.minLr = nonNegative(owner, 'minLr', given(o.minLr, 0));
    this.eps = nonNegative(owner, 'eps', given(o.eps, 1e-8));
    if (o.monitor !== undefined && typeof o.monitor !== 'string')
      fail('ERR_INVALID_ARG', `${owner}: monitor must be an epoch-log key such as 'valLoss'`);
    this.monitor = o.monitor as keyof EpochLogs | undefined;
    // A fit metric improves upward: under the default mode 'min' the lr would fall while it improves.
    if (o.mode === undefined && o.monitor !== undefined && metricOfKey(o.monitor as string) !== undefined)
      fail('ERR_INVALID_ARG', `${owner}: monitor '${String(o.monitor)}' improves upward; set mode: 'max'`);
    this.best = this.worst;
  }

  /** PyTorch's is_better: beats the best by more than the threshold (NaN never does). */
  private isBetter(value: number): boolean {
    const { best, threshold } = this;
    if (this.mode === 'min') return this.thresholdMode === 'rel' ? value < best * (1 - threshold) : value < best - threshold;
    return this.thresholdMode === 'rel' ? value > best * (1 + threshold) : value > best + threshold;
  }

  /** Records one epoch's metric and reduces the lr when it has not improved for more than `patience` epochs. */
  step(metric: number): void {
    if (typeof metric !== 'number') fail('ERR_INVALID_ARG', `ReduceLROnPlateau.step: metric must be a number, got ${typeof metric}`);
    this.epoch++;
    if (this.isBetter(metric)) {
      this.best = metric;
      this.badEpochs = 0;
    } else {
      this.badEpochs++;
    }
    if (this.cooldownLeft > 0) {
      this.cooldownLeft--;
      this.badEpochs = 0; // bad epochs during cooldown do not count
    }
    if (this.badEpochs > this.patience) {
      const old = this.optimizer.lr;
      const next = Math.max(old * this.factor, this.minLr);
      if (old - next > this.eps) this.optimizer.lr = next;
      this.cooldownLeft = this.cooldown;
      this.badEpochs = 0;
    }
  }

  private get worst(): number {
    return this.mode === 'min' ? Infinity : -Infinity;
  }

  private config(): ReduceLROnPlateauState['config'] {
    const { mode, factor, patience, threshold, thresholdMode, cooldown, minLr, eps } = this;
    return { mode, factor, patience, threshold, thresholdMode, cooldown, minLr, eps, monitor: this.monitor ?? null };
  }

  /** A snapshot of the best metric, the bad-epoch and cooldown counts and the epoch count. */
  state(): ReduceLROnPlateauState {
    const best = this.best === this.worst ? null : this.best;
    return {
      type: 'ReduceLROnPlateau',
      config: this.config(),
      epoch: this.epoch,
      best,
      badEpochs: this.badEpochs,
      cooldownLeft: this.cooldownLeft,
    };
  }

  /** Restores a state() of a ReduceLROnPlateau made with the same settings; checks all of it first. */
  loadState(state: ReduceLROnPlateauState): void {
    const fn = 'ReduceLROnPlateau.loadState';
    const s = stateOf(fn, state, 'ReduceLROnPlateau');
    checkSameConfig(fn, s.config, this.config());
    const epoch = nonNegativeInteger(fn, 'epoch', s.epoch);
    const best = metricOrNull(fn, 'best', s.best);
    const badEpochs = nonNegativeInteger(fn, 'badEpochs', s.badEpochs);
    // Both counts are reset once they pass their limit, so a state beyond them was not made by step().
    if (badEpochs > this.patience)
      fail('ERR_INVALID_ARG', `${fn}: badEpochs must be at most patience (${this.patience}), got ${badEpochs}`);
    const cooldownLeft = nonNegativeInteger(fn, 'cooldownLeft', s.cooldownLeft);
    if (cooldownLeft > this.cooldown)
      fail('ERR_INVALID_ARG', `${fn}: cooldownLeft must be at most cooldown (${this.cooldown}), got ${cooldownLeft}`);
    this.epoch = epoch;
    this.best = best ?? this.worst;
    this.badEpochs = badEpochs;
    this.cooldownLeft = cooldownLeft;
    this.continuation.disarm();
  }

  onTrainBegin(_ctx: TrainContext): void {
    this.continuation.arm();
  }

  onEpochBegin(epoch: number, _ctx: TrainContext): void {
    this.continuation.atEpochBegin('ReduceLROnPlateau', this.epoch, epoch);
  }

  onEpochEnd(logs: EpochLogs, _ctx: TrainContext): void {
    const key = this.monitor ?? (logs.valLoss !== undefined ? 'valLoss' : 'loss');
    const value = logs[key];
    if (typeof value !== 'number') {
      const have = Object.keys(logs).filter((k) => typeof logs[k as keyof EpochLogs] === 'number');
      const hint = missingMonitorHint(String(key), have);
      fail('ERR_INVALID_ARG', `ReduceLROnPlateau: monitor '${String(key)}' is not in the epoch logs (they have ${have.join(', ')})${hint}`);
    }
    this.step(value);
  }
}
