/**
 * What the caller's thread and the training worker say to each other (caller.ts ↔ thread.ts).
 *
 * The worker runs the loop without yielding (fitBlocking's), which never returns to its event loop between batches,
 * so it cannot receive messages while it trains. Hence two channels: the abort request is a flag in shared memory
 * the worker reads after every batch; everything else waits for a hook (epoch end, …) where the worker awaits an
 * acknowledgment.
 */
import type { BackendName } from '../../backend/load.js';
import type { LayerConfig } from '../../layers/layer.js';
import type { OptimizerState } from '../../optim/optimizer.js';
import type { RandomState } from '../../random.js';
import type { BatchLogs, EpochLogs } from '../callbacks.js';
import type { TrainingWarning } from '../loop.js';
import type { SharedInputs, SharedTargets } from './shared.js';

/** Index in `WorkerStart.control` (an Int32Array over a SharedArrayBuffer): 1 = stop at the next batch. */
export const ABORT_FLAG = 0;
export const CONTROL_SLOTS = 1;

/** The fit options that travel as they are (the worker checks them exactly as fitBlocking does). */
export interface PlainFitOptions {
  epochs?: number;
  initialEpoch?: number;
  batchSize?: number;
  shuffle?: boolean;
  l2?: number;
  validationSplit?: number;
  validationSeed?: number;
  /** A loss by name: built-in loss functions are sent by their name. */
  loss?: string;
  /** fit's classWeight as plain data (an array, or an object of class → weight); the worker's fit checks it. */
  classWeight?: readonly number[] | Readonly<Record<number, number>>;
  /** fit's metrics by name; their values come back in the EpochLogs. */
  metrics?: string[];
  /** fit's gradient clipping (one or the other), as numbers. */
  clipNorm?: number;
  clipValue?: number;
}

/** Which hooks the caller's callbacks implement: the worker only stops to wait for the ones that exist. */
export interface HookSet {
  trainBegin: boolean;
  epochBegin: boolean;
  batchEnd: boolean;
}

/** Everything the worker needs for one fit, in a StartMessage (SharedArrayBuffers are shared, not copied). */
export interface WorkerStart {
  backend: BackendName;
  optimizerBackend: BackendName;
  model: LayerConfig;
  /** The model's parameters and buffers, SharedArrayBuffer-backed, in namedState() order (shared.ts). */
  weights: Float32Array[];
  /** The caller's optimizer state with its buffers themselves (on shared memory): the worker updates them in place. */
  optimizer: { type: string; state: OptimizerState; paramIndex: number[] };
  x: SharedInputs;
  y: SharedTargets;
  validationData: [SharedInputs, SharedTargets] | null;
  options: PlainFitOptions;
  /** The library generator's state (shuffles, dropout masks), and fit's own generator when it is another one. */
  random: RandomState;
  fitRandom: RandomState | null;
  control: Int32Array;
  hooks: HookSet;
}

/** Starts a fit. A worker (kept between fits by pool.ts) runs one fit at a time. */
export interface StartMessage {
  type: 'start';
  start: WorkerStart;
}

/** Optimizer and generators as they are when the worker stops: the caller's copies are set from them. */
export interface FinalState {
  optimizer: OptimizerState;
  random: RandomState;
  fitRandom: RandomState | null;
}

export type HookName = 'trainBegin' | 'epochBegin' | 'epochEnd' | 'trainEnd';

export type WorkerMessage =
  /** Fire-and-forget: the worker does not wait for the caller's onBatchEnd. */
  | { type: 'batch'; logs: BatchLogs }
  /** Fire-and-forget: a warning of the loop (an exploding loss), emitted once on the caller's thread, not the worker's. */
  | { type: 'warning'; warning: TrainingWarning }
  /**
   * The worker waits for an Ack. epochEnd and trainEnd carry the state so far, so the caller's callbacks see the
   * optimizer and generators as fitBlocking's would at that point (and a checkpoint saved there is exact).
   */
  | { type: 'hook'; hook: HookName; epoch?: number; logs?: EpochLogs; history?: EpochLogs[]; state?: FinalState }
  | { type: 'done'; history: EpochLogs[] }
  | { type: 'failed'; error: { code: string | undefined; name: string; message: string }; state: FinalState | null };

/** What the caller's thread sends: a fit to run, or the answer to a hook of the running one. */
export type ToWorker = StartMessage | Ack;

/** The caller's answer to a hook: its optimizer's lr (schedules change it), whether to stop, whether a callback threw. */
export interface Ack {
  type: 'ack';
  lr: number;
  stop: boolean;
  failed: boolean;
}
