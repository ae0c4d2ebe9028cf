/**
 * The submitting side: training jobs and sweeps onto a queue, their status, and cancellation.
 *
 * A job's id is a digest of its content (trainingJobId), so submitting the same job again while it exists is a
 * no-op: BullMQ keeps one job per id. The data file's SHA-256 is taken here (the submitter sees the shared storage
 * too) and checked by the worker before it trains.
 */
import { FlowProducer, type Job, type JobsOptions, type Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { cancelKey, type RedisConnection, redisConnection } from './connection.js';
import { checkTrainingJob, sha256File, type TrainingJob, trainingJobId } from './spec.js';
import { type Grid, SWEEP_JOB, sweepTrials, TRAIN_JOB } from './sweep.js';
import type { TrainingJobData } from './worker.js';

/** Retries of a transient failure (storage briefly missing), with exponential backoff from 1 s. */
export const JOB_OPTIONS: JobsOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: false,
  removeOnFail: false,
};

/** The job with its data file's SHA-256 filled in (when not given), checked. */
async function prepared(job: TrainingJob): Promise<TrainingJob> {
  const checked = checkTrainingJob('submitTraining', job);
  if (checked.sha256 !== undefined) return checked;
  return { ...checked, sha256: await sha256File(checked.data) };
}

/** Adds a training job (a no-op when the same job is already there) and returns it. */
export async function submitTraining(queue: Queue, job: TrainingJob, options: JobsOptions = {}): Promise<Job<TrainingJobData>> {
  const spec = await prepared(job);
  const data: TrainingJobData = { job: spec };
  return queue.add(TRAIN_JOB, data, { ...JOB_OPTIONS, ...options, jobId: trainingJobId(spec) }) as Promise<Job<TrainingJobData>>;
}

/** Adds a sweep: one training job per trial under a parent that names the best; returns the parent's id and the trials. */
export async function submitSweep(
  queue: Queue,
  base: TrainingJob,
  grid: Grid,
  options: { connection: string | RedisConnection; random?: number; seed?: number },
) {
  const spec = await prepared(base);
  const trials = sweepTrials(spec, grid, { random: options.random, seed: options.seed });
  const parentId = `sweep-${trialDigest(trials.map((t) => t.trial.jobId))}`;
  const producer = new FlowProducer({ connection: redisConnection(options.connection) });
  try {
    await producer.add({
      name: SWEEP_JOB,
      queueName: queue.name,
      data: { trials: trials.map((t) => t.trial) },
      opts: { ...JOB_OPTIONS, jobId: parentId },
      children: trials.map(({ job, trial }) => ({
        name: TRAIN_JOB,
        queueName: queue.name,
        data: { job } satisfies TrainingJobData,
        opts: { ...JOB_OPTIONS, jobId: trial.jobId, ignoreDependencyOnFailure: true },
      })),
    });
  } finally {
    await producer.close();
  }
  return { id: parentId, trials: trials.map((t) => t.trial) };
}

function trialDigest(ids: string[]): string {
  let h = 0x811c9dc5;
  for (const c of ids.join(',')) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
  return `${h.toString(16).padStart(8, '0')}-${ids.length}`;
}

/**
 * Cancels a job: a waiting one is removed; a running one is told over Redis to stop (its worker aborts the fit
 * within one batch, keeps the last checkpoint and completes it with status 'cancelled'). Returns what happened.
 */
export async function cancelTraining(
  queue: Queue,
  jobId: string,
  connection: string | RedisConnection,
): Promise<'removed' | 'cancelling' | 'finished' | 'unknown'> {
  const job = await queue.getJob(jobId);
  if (job === undefined) return 'unknown';
  const state = await job.getState();
  if (state === 'completed' || state === 'failed') return 'finished';
  if (state === 'waiting' || state === 'delayed' || state === 'prioritized' || state === 'waiting-children') {
    try {
      await job.remove();
      return 'removed';
    } catch {
      // Taken by a worker in between: cancel it where it runs.
    }
  }
  const c = redisConnection(connection);
  const client = new Redis(c.url, { maxRetriesPerRequest: 3 });
  try {
    await client.set(cancelKey(queue.name, jobId), '1', 'EX', 7 * 24 * 3600);
    await client.publish(cancelKey(queue.name), jobId);
  } finally {
    await client.quit();
  }
  return 'cancelling';
}
