/**
 * Hyper-parameter sweeps as a BullMQ flow: one child job per trial (ordinary training jobs, spread over the
 * workers like any other) under a parent 'sweep' job that a worker runs once every child has finished. Children are
 * added with ignoreDependencyOnFailure, so a failed trial does not hold up the parent; the parent collects the
 * completed trials' results and the failed ones' reasons, and names the best trial (lowest validation loss) and
 * its checkpoint.
 */
import type { Job } from 'bullmq';
import { fail } from '../errors.js';
import { Random } from '../random.js';
import type { JobResult } from './run.js';
import { checkTrainingJob, type TrainingJob, trainingJobId } from './spec.js';

export const SWEEP_JOB = 'sweep';
export const TRAIN_JOB = 'train';

/** The job keys a sweep may vary (numbers and names; the data, checkpoint place and model stay fixed). */
export const SWEEP_KEYS = [
  'lr',
  'momentum',
  'l2',
  'batchSize',
  'epochs',
  'seed',
  'optimizer',
  'activation',
  'layers',
  'normalize',
] as const;
export type SweepKey = (typeof SWEEP_KEYS)[number];
export type Grid = Partial<Record<SweepKey, unknown[]>>;

export interface Trial {
  jobId: string;
  params: Partial<Record<SweepKey, unknown>>;
}

export interface SweepSummary {
  status: 'completed';
  trials: (Trial & { status: 'completed' | 'cancelled' | 'failed'; valLoss: number | null; valAccuracy: number | null; error?: string })[];
  best: (Trial & { valLoss: number; valAccuracy: number | null; checkpoint: string }) | null;
}

/** Every combination of the grid's values (in order: the first key varies slowest), or `random` of them, seeded. */
export function sweepTrials(
  base: TrainingJob,
  grid: Grid,
  options: { random?: number; seed?: number } = {},
): { job: TrainingJob; trial: Trial }[] {
  const keys = Object.keys(grid) as SweepKey[];
  if (keys.length === 0) fail('ERR_INVALID_ARG', 'sweep: the grid is empty (give at least one key with values)');
  for (const k of keys) {
    if (!SWEEP_KEYS.includes(k)) fail('ERR_INVALID_ARG', `sweep: cannot vary ${k}; the keys a sweep varies are ${SWEEP_KEYS.join(', ')}`);
    if (!Array.isArray(grid[k]) || grid[k]!.length === 0) fail('ERR_INVALID_ARG', `sweep: ${k} needs at least one value`);
  }
  let combos: Partial<Record<SweepKey, unknown>>[] = [{}];
  for (const k of keys) combos = combos.flatMap((c) => grid[k]!.map((v) => ({ ...c, [k]: v })));
  if (options.random !== undefined) {
    if (!(Number.isInteger(options.random) && options.random > 0)) fail('ERR_INVALID_ARG', 'sweep: random must be a positive integer');
    const order = new Random(options.seed ?? 1).permutation(combos.length);
    combos = Array.from(order.subarray(0, Math.min(options.random, combos.length)), (i) => combos[i]);
  }
  return combos.map((params) => {
    const job = checkTrainingJob('sweep trial', { ...base, ...params });
    return { job, trial: { jobId: trainingJobId(job), params } };
  });
}

/** The parent's work: read the children's results and failures, and pick the best completed trial. */
export async function summarizeSweep(job: Job): Promise<SweepSummary> {
  const trials = (job.data?.trials ?? []) as Trial[];
  const values = await job.getChildrenValues<JobResult>();
  const failures = await job.getIgnoredChildrenFailures();
  const byId = (map: Record<string, unknown>, id: string) => {
    const key = Object.keys(map).find((k) => k.endsWith(`:${id}`));
    return key === undefined ? undefined : map[key];
  };
  const rows: SweepSummary['trials'] = trials.map((t) => {
    const r = byId(values, t.jobId) as JobResult | undefined;
    if (r !== undefined) return { ...t, status: r.status, valLoss: r.valLoss, valAccuracy: r.metrics.valAccuracy };
    const error = byId(failures, t.jobId) as string | undefined;
    return { ...t, status: 'failed', valLoss: null, valAccuracy: null, error: error ?? 'no result' };
  });
  let best: SweepSummary['best'] = null;
  for (const t of trials) {
    const r = byId(values, t.jobId) as JobResult | undefined;
    if (r === undefined || r.status !== 'completed' || r.valLoss === null || !Number.isFinite(r.valLoss)) continue;
    if (best === null || r.valLoss < best.valLoss)
      best = { ...t, valLoss: r.valLoss, valAccuracy: r.metrics.valAccuracy, checkpoint: r.checkpoint };
  }
  return { status: 'completed', trials: rows, best };
}
