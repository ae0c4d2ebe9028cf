/**
 * Shared by the server tests: a small classification set, the models they train, and the checks that a
 * worker fit left nothing behind (no worker, port or timer still open in the process).
 */
import { BatchNorm1d, Dense, Dropout, Sequential, type Tensor, manualSeed } from '../../lib/index.js';
import { gaussianBlobs } from '../helpers/blobs.js';

export const FEATURES = 16;
export const CLASSES = 4;

/** Gaussian blobs: class c centred at 2·e_c in FEATURES dimensions. */
export function blobs(rows: number, seed = 11): { x: Tensor; y: Int32Array } {
  return gaussianBlobs(rows, FEATURES, CLASSES, seed, 1);
}

/** Dense → BatchNorm → Dropout → Dense: parameters, buffers and the dropout generator all have to follow the model. */
export function makeModel(seed: number, hidden = 64): Sequential {
  manualSeed(seed);
  return new Sequential([
    new Dense(FEATURES, hidden, { activation: 'relu' }),
    new BatchNorm1d(hidden),
    new Dropout(0.2),
    new Dense(hidden, CLASSES),
  ]);
}

/**
 * The process's open handles other than the test runner's own (its pipes and timers): a running worker shows up
 * here as a 'MessagePort', so a worker fit that left one behind would too.
 */
export function openHandles(): string[] {
  const runner = new Set(['TTYWrap', 'PipeWrap', 'FSReqCallback', 'Timeout', 'Immediate']);
  return process
    .getActiveResourcesInfo()
    .filter((r) => !runner.has(r))
    .sort();
}
