/**
 * One training job, start to end, with neuroblas only (no BullMQ here: lib/queue/worker.ts feeds jobs in): reads
 * and checks the data, builds the model and optimizer from the job (seeded), or continues from the job's checkpoint
 * when one exists, trains with a checkpoint written atomically at every epoch's end, and reports each epoch.
 *
 * Exact resume, as `neuroblas train --resume` does it: the checkpoint holds the weights, the optimizer's state, the
 * epoch, the history and the job's own shuffling generator; fit continues with initialEpoch, so a run resumed after
 * a crash ends with the weights of the uninterrupted run, bit for bit (same library version and kernel set).
 * The job's generator is its own (not the library's), so several jobs can train at once in one process.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { LayerConfig } from '../layers/layer.js';
import { Sequential } from '../layers/sequential.js';
import { normalizeSplit } from '../data/normalize.js';
import { resolveTrainingData } from '../data/resolve.js';
import type { Split } from '../data/dataset.js';
import { fail } from '../errors.js';
import { loadModel, saveModel } from '../io/checkpoint.js';
import type { Optimizer } from '../optim/optimizer.js';
import { manualSeed, Random } from '../random.js';
import { Tensor } from '../tensor.js';
import type { EpochLogs } from '../train/callbacks.js';
import { fit } from '../train/fit.js';
import { buildMlp, buildOptimizer, layerWidths } from '../cli/model-spec.js';
import { checkModelFitsData } from '../cli/model-presets.js';
import { checkDataHash, type TrainingJob } from './spec.js';

export const DEFAULT_JOB_SEED = 1;
export const DEFAULT_JOB_BATCH_SIZE = 32;

/** What a job reports at every epoch's end (BullMQ's job.updateProgress). */
export interface JobProgress {
  epoch: number;
  epochs: number;
  loss: number;
  valLoss: number | null;
  metrics: { accuracy: number | null; valAccuracy: number | null };
  samplesPerSecond: number | null;
  checkpoint: string;
}

/** A finished job's result (its BullMQ return value). */
export interface JobResult {
  status: 'completed' | 'cancelled';
  /** The epochs trained in all, across resumes. */
  epoch: number;
  loss: number | null;
  valLoss: number | null;
  metrics: { accuracy: number | null; valAccuracy: number | null };
  checkpoint: string;
  /** The epoch this run started from (0 unless it resumed a checkpoint). */
  resumedFrom: number;
}

export interface RunOptions {
  /** The checkpoint file of this job: resumed from when it exists, written at every epoch. */
  checkpoint: string;
  signal?: AbortSignal;
  onEpoch?: (p: JobProgress) => void | Promise<void>;
}

function buildJobModel(job: TrainingJob, split: Split): Sequential {
  const shape = { features: split.train.features, classes: split.train.classes, name: job.data };
  if (job.model === undefined || job.model === 'mlp') {
    const widths = layerWidths(job.layers, shape.features, shape.classes, job.data);
    return buildMlp(widths, job.activation ?? 'relu');
  }
  const config = Array.isArray(job.model) ? { type: 'Sequential', layers: job.model } : job.model;
  const model = Sequential.fromConfig(config as unknown as LayerConfig, 'job model');
  checkModelFitsData(model, 'job model', shape);
  return model;
}

function resultOf(history: EpochLogs[], checkpoint: string, resumedFrom: number, status: JobResult['status']): JobResult {
  const last = history.at(-1);
  return {
    status,
    epoch: last?.epoch ?? resumedFrom,
    loss: last?.loss ?? null,
    valLoss: last?.valLoss ?? null,
    metrics: { accuracy: last?.accuracy ?? null, valAccuracy: last?.valAccuracy ?? null },
    checkpoint,
    resumedFrom,
  };
}

/** Trains the job (continuing its checkpoint when there is one). A cancelled run resolves with status 'cancelled'. */
export async function runTrainingJob(job: TrainingJob, o: RunOptions): Promise<JobResult> {
  await checkDataHash(job);
  const seed = job.seed ?? DEFAULT_JOB_SEED;
  const batchSize = job.batchSize ?? DEFAULT_JOB_BATCH_SIZE;
  const resolved = resolveTrainingData(job.data, { seed, limit: job.limit, labelColumn: job.labelColumn });
  // A label column of non-integer numbers is a regression, which `neuroblas train` runs; queue jobs train classifiers.
  if (resolved.train.targets !== undefined)
    fail(
      'ERR_INVALID_ARG',
      `${job.data}: the label column holds non-integer numbers (a regression); queue jobs train classifiers for now: ` +
        'train it with neuroblas train, or choose the class column with labelColumn',
    );
  const split: Split = job.normalize === undefined || job.normalize === 'none' ? resolved : normalizeSplit(job.normalize, resolved);
  const rng = new Random(seed);
  let model: Sequential;
  let optimizer: Optimizer;
  let previous: EpochLogs[] = [];
  if (fs.existsSync(o.checkpoint)) {
    // Weights, optimizer state, epoch, history and the job's generator as the last whole epoch left them.
    const ckpt = loadModel(o.checkpoint, { random: rng });
    if (ckpt.optimizer === null) fail('ERR_IO', `${o.checkpoint}: the job's checkpoint has no optimizer state to continue with`);
    model = ckpt.model;
    optimizer = ckpt.optimizer;
    previous = ckpt.history;
  } else {
    // Building is synchronous, so no other job in this process draws from the library's generator in between.
    manualSeed(seed);
    model = buildJobModel(job, split);
    optimizer = buildOptimizer(model.parameters(), { optimizer: job.optimizer ?? 'sgd', lr: job.lr, momentum: job.momentum });
  }
  const initialEpoch = previous.at(-1)?.epoch ?? 0;
  if (initialEpoch >= job.epochs) return resultOf(previous, o.checkpoint, initialEpoch, 'completed');
  fs.mkdirSync(path.dirname(o.checkpoint), { recursive: true });
  const { train, test } = split;
  const history = [...previous];
  try {
    await fit(model, new Tensor(train.x, [train.rows, train.features]), train.y, {
      optimizer,
      epochs: job.epochs - initialEpoch,
      initialEpoch,
      batchSize,
      l2: job.l2,
      clipNorm: job.clipNorm,
      rng,
      validationData: [new Tensor(test.x, [test.rows, test.features]), test.y],
      signal: o.signal,
      callbacks: {
        async onEpochEnd(l) {
          history.push(l);
          saveModel(o.checkpoint, model, { optimizer, epoch: l.epoch, history, random: rng, classes: train.classNames });
          await o.onEpoch?.({
            epoch: l.epoch,
            epochs: job.epochs,
            loss: l.loss,
            valLoss: l.valLoss ?? null,
            metrics: { accuracy: l.accuracy ?? null, valAccuracy: l.valAccuracy ?? null },
            samplesPerSecond: l.seconds > 0 ? train.rows / l.seconds : null,
            checkpoint: o.checkpoint,
          });
        },
      },
    });
  } catch (e) {
    if (o.signal?.aborted && (e as { code?: string }).code === 'ERR_ABORTED')
      return resultOf(history, o.checkpoint, initialEpoch, 'cancelled');
    throw e;
  }
  return resultOf(history, o.checkpoint, initialEpoch, 'completed');
}
