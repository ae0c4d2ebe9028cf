/**
 * A training job as plain data (it travels through Redis as JSON): the data file and its SHA-256, the model, the
 * optimizer, epochs, batch size, seed and where checkpoints go, named like `neuroblas train`'s flags. Checked here,
 * once, by whoever submits it and again by the worker that runs it (a job can be written to Redis by anyone).
 *
 * The job id is derived from the content, so submitting the same job twice is a no-op (BullMQ keeps one job per id).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { checkKnownKeys, nonNegative, oneOf, optionsObject, positiveInteger } from '../check.js';
import { ACTIVATION_KINDS, type ActivationKind } from '../backend/contract.js';
import { fail, NeuroblasError } from '../errors.js';
import { isPlainObject } from '../plain-data.js';
import { OPTIMIZERS, type OptimizerName } from '../cli/model-spec.js';

export const NORMALIZE_KINDS = ['none', 'standardize', 'minmax'] as const;

export interface TrainingJob {
  /** A label for people (`jobs` lists it); part of the content, so two names are two jobs. */
  name?: string;
  /** A CSV file (label in the last column unless labelColumn) on storage every worker reads at the same path. */
  data: string;
  /** The data file's SHA-256 (hex); submitTraining fills it in, the worker checks it before training. */
  sha256?: string;
  labelColumn?: string | number;
  /** Keep a seeded random sample of at most this many rows of each split. */
  limit?: number;
  /** 'mlp' (default, with layers and activation) or a layer-config array / Sequential config (checkpoints' format). */
  model?: 'mlp' | unknown[] | Record<string, unknown>;
  layers?: number[];
  activation?: ActivationKind;
  optimizer?: OptimizerName;
  lr?: number;
  momentum?: number;
  l2?: number;
  /** Gradient clipping: the total gradient norm is scaled down to at most this before each step. */
  clipNorm?: number;
  epochs: number;
  batchSize?: number;
  seed?: number;
  normalize?: (typeof NORMALIZE_KINDS)[number];
  /** Where this job's checkpoint goes (shared storage); default: the worker's checkpointDir. */
  checkpointDir?: string;
}

const KEYS: readonly (keyof TrainingJob)[] = [
  'name',
  'data',
  'sha256',
  'labelColumn',
  'limit',
  'model',
  'layers',
  'activation',
  'optimizer',
  'lr',
  'momentum',
  'l2',
  'clipNorm',
  'epochs',
  'batchSize',
  'seed',
  'normalize',
  'checkpointDir',
];

/** The job, checked: every key known, every value of its type. Throws ERR_INVALID_ARG naming the field. */
export function checkTrainingJob(where: string, job: unknown): TrainingJob {
  const j = optionsObject(where, job) as Record<string, unknown>;
  checkKnownKeys(where, j, KEYS);
  if (typeof j.data !== 'string' || j.data === '')
    fail('ERR_INVALID_ARG', `${where}: data must be the path of a CSV file, got ${String(j.data)}`);
  if (j.sha256 !== undefined && !(typeof j.sha256 === 'string' && /^[0-9a-f]{64}$/.test(j.sha256)))
    fail('ERR_INVALID_ARG', `${where}: sha256 must be 64 lowercase hex digits, got ${String(j.sha256)}`);
  positiveInteger(where, 'epochs', j.epochs);
  for (const k of ['limit', 'batchSize'] as const) if (j[k] !== undefined) positiveInteger(where, k, j[k]);
  if (j.seed !== undefined && !(Number.isSafeInteger(j.seed) && (j.seed as number) >= 0))
    fail('ERR_INVALID_ARG', `${where}: seed must be a non-negative integer, got ${String(j.seed)}`);
  for (const k of ['lr', 'momentum', 'l2'] as const) if (j[k] !== undefined) nonNegative(where, k, j[k]);
  if (j.clipNorm !== undefined && !(typeof j.clipNorm === 'number' && j.clipNorm > 0 && Number.isFinite(j.clipNorm)))
    fail('ERR_INVALID_ARG', `${where}: clipNorm must be a finite number > 0, got ${String(j.clipNorm)}`);
  if (j.optimizer !== undefined) oneOf(where, 'optimizer', j.optimizer, OPTIMIZERS);
  if (j.activation !== undefined) oneOf(where, 'activation', j.activation, ACTIVATION_KINDS);
  if (j.normalize !== undefined) oneOf(where, 'normalize', j.normalize, NORMALIZE_KINDS);
  if (j.layers !== undefined && !(Array.isArray(j.layers) && j.layers.length >= 2 && j.layers.every((w) => Number.isInteger(w) && w > 0)))
    fail(
      'ERR_INVALID_ARG',
      `${where}: layers must be at least two positive integer widths, input to output, got ${JSON.stringify(j.layers)}`,
    );
  if (j.model !== undefined && j.model !== 'mlp' && !Array.isArray(j.model) && !isPlainObject(j.model))
    fail('ERR_INVALID_ARG', `${where}: model must be 'mlp', an array of layer configs or a Sequential config`);
  for (const k of ['name', 'checkpointDir'] as const)
    if (j[k] !== undefined && typeof j[k] !== 'string') fail('ERR_INVALID_ARG', `${where}: ${k} must be a string`);
  if (j.labelColumn !== undefined && typeof j.labelColumn !== 'string' && !Number.isInteger(j.labelColumn))
    fail('ERR_INVALID_ARG', `${where}: labelColumn must be a column name or index`);
  return j as unknown as TrainingJob;
}

/** JSON with object keys sorted, so the same content always gives the same text (and id). */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (isPlainObject(v)) {
    const keys = Object.keys(v)
      .filter((k) => v[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** The job's id: a digest of its content (BullMQ ids must not be plain integers; the prefix sees to that). */
export function trainingJobId(job: TrainingJob): string {
  return `train-${createHash('sha256').update(canonicalJson(job)).digest('hex').slice(0, 32)}`;
}

/** The SHA-256 of a file, read in chunks (never the whole file at once). Rejects with the fs error (ENOENT, …). */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The data file is the one the job names: a different hash is an ERR_BAD_DATA (the file changed under the job). */
export async function checkDataHash(job: TrainingJob): Promise<void> {
  if (job.sha256 === undefined) return;
  const actual = await sha256File(job.data);
  if (actual !== job.sha256)
    throw new NeuroblasError(
      'ERR_BAD_DATA',
      `${job.data}: SHA-256 is ${actual}, but the job was submitted for ${job.sha256}; the file changed after submission ` +
        '(submit the job again for the new data)',
    );
}
