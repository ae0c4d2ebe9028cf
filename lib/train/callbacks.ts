/**
 * What `fit` tells the code that watches it. Every hook is optional and may be async; hooks run on the
 * caller's thread. `ctx.stop()` ends training after the current epoch (early stopping uses it).
 */
import type { Optimizer } from '../optim/optimizer.js';

export interface EpochLogs {
  epoch: number; // 1-based, continuing from fit's initialEpoch (the first epoch of a resumed fit is initialEpoch + 1)
  loss: number;
  accuracy?: number;
  valLoss?: number;
  valAccuracy?: number;
  lr: number;
  seconds: number; // this epoch's training time
  // fit's `metrics` (lib/train/metrics.ts): on the epoch's training batches, and with a `val` prefix on validation data.
  precision?: number; // macro averages over the classes
  recall?: number;
  f1?: number;
  weightedPrecision?: number; // weighted by each class's rows
  weightedRecall?: number;
  weightedF1?: number;
  auc?: number; // ROC AUC, binary problems
  valPrecision?: number;
  valRecall?: number;
  valF1?: number;
  valWeightedPrecision?: number;
  valWeightedRecall?: number;
  valWeightedF1?: number;
  valAuc?: number;
  // A regression (float targets and a regression loss), in the targets' units: lib/train/regression-metrics.ts.
  mae?: number;
  rmse?: number;
  r2?: number; // the coefficient of determination, 1 for a perfect fit
  valMae?: number;
  valRmse?: number;
  valR2?: number;
  /** 'topK:5' as top5Accuracy and valTop5Accuracy. */
  [topK: `top${number}Accuracy` | `valTop${number}Accuracy`]: number;
}

export interface BatchLogs {
  batch: number; // 1-based within the epoch
  batches: number;
  loss: number;
  accuracy?: number;
}

/** The model as callbacks see it: enough to snapshot and restore weights (early stopping's best-weights restore). */
export interface WeightsHolder {
  getWeights(): Float32Array[];
  setWeights(weights: readonly Float32Array[]): void;
}

export interface TrainContext {
  model: WeightsHolder;
  optimizer: Optimizer;
  /** Ask fit to stop after the current epoch. */
  stop(): void;
}

type MaybePromise = void | Promise<void>;

export interface TrainingCallback {
  /**
   * True for a callback that changes the learning rate after every batch (OneCycleLR). A worker thread learns of a
   * new lr only at epoch boundaries, so a fit with such a callback trains on the caller's thread.
   */
  readonly changesLrEachBatch?: boolean;
  onTrainBegin?(ctx: TrainContext): MaybePromise;
  onEpochBegin?(epoch: number, ctx: TrainContext): MaybePromise;
  onBatchEnd?(logs: BatchLogs, ctx: TrainContext): MaybePromise;
  onEpochEnd?(logs: EpochLogs, ctx: TrainContext): MaybePromise;
  onTrainEnd?(history: EpochLogs[], ctx: TrainContext): MaybePromise;
}
