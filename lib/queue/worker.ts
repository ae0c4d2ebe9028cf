/**
 * trainingWorker: a BullMQ worker that runs training jobs (lib/queue/run.ts) and sweep summaries (sweep.ts).
 *
 * Per job: progress at every epoch (`job.updateProgress`), the checkpoint path and epoch recorded in the job's
 * data, the final metrics and checkpoint as its return value. A worker that dies mid-job stops renewing the job's
 * lock; BullMQ's stalled-job check then gives the job to another worker, which finds the checkpoint at the same
 * path (shared storage) and continues from it. Cancellation (`cancelTraining`) reaches the worker running the job
 * over a Redis channel and aborts its fit within one batch; the job then completes with status 'cancelled'.
 */
import os from 'node:os';
import path from 'node:path';
import { type Job, Worker, type WorkerOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { positiveInteger } from '../check.js';
import { fail } from '../errors.js';
import { currentBackend } from '../ops/current-backend.js';
import { cancelKey, type RedisConnection, redisConnection } from './connection.js';
import { classifyJobError } from './errors.js';
import { type JobProgress, type JobResult, runTrainingJob } from './run.js';
import { checkTrainingJob, type TrainingJob } from './spec.js';
import { SWEEP_JOB, summarizeSweep } from './sweep.js';

/** A training job's data in Redis: the job, and the last checkpoint written (set by the worker). */
export interface TrainingJobData {
  job: TrainingJob;
  checkpoint?: { path: string; epoch: number };
}

export interface TrainingWorkerOptions {
  /** A redis:// URL, or connection options. */
  connection: string | RedisConnection;
  /** Jobs this process trains at once (default 1). */
  concurrency?: number;
  /** Where checkpoints go, unless a job names its own checkpointDir: storage every worker shares. */
  checkpointDir: string;
  /** OpenBLAS threads of this process (default 1); concurrency × threads should not exceed the cores. */
  threads?: number;
  /** How long a job's lock lasts without renewal (BullMQ's lockDuration, default 30 s): a dead worker's job waits this long. */
  lockDuration?: number;
  /** How often stalled jobs are looked for (BullMQ's stalledInterval, default 30 s). */
  stalledInterval?: number;
  /** How many times a job may be recovered from a dead worker before it fails (default 5). */
  maxStalledCount?: number;
  /** This worker's name in progress reports and job results (default hostname:pid). */
  name?: string;
}

export interface TrainingWorker {
  readonly worker: Worker;
  readonly name: string;
  close(): Promise<void>;
}

/** The warning, or null, for `concurrency` jobs of `threads` OpenBLAS threads each on `cores` cores. */
export function threadBudgetWarning(concurrency: number, threads: number, cores: number): string | null {
  if (concurrency * threads <= cores) return null;
  return (
    `worker: concurrency ${concurrency} × threads ${threads} = ${concurrency * threads} kernel threads on ${cores} cores; ` +
    `jobs will slow each other down: lower --concurrency or --threads so that their product is at most ${cores}`
  );
}

/** Starts a worker on `queueName`. It runs until close(). */
export async function trainingWorker(queueName: string, o: TrainingWorkerOptions): Promise<TrainingWorker> {
  if (typeof queueName !== 'string' || queueName === '') fail('ERR_INVALID_ARG', 'trainingWorker: queueName must be a non-empty string');
  const concurrency = positiveInteger('trainingWorker', 'concurrency', o.concurrency ?? 1);
  const threads = positiveInteger('trainingWorker', 'threads', o.threads ?? 1);
  if (typeof o.checkpointDir !== 'string' || o.checkpointDir === '')
    fail('ERR_INVALID_ARG', 'trainingWorker: checkpointDir (shared storage for checkpoints) is required');
  const connection = redisConnection(o.connection);
  const name = o.name ?? `${os.hostname()}:${process.pid}`;
  const budget = threadBudgetWarning(concurrency, threads, os.availableParallelism());
  if (budget !== null) process.emitWarning(budget, { code: 'NEUROBLAS_THREAD_BUDGET' });
  currentBackend().setNumThreads(threads);
  // Checked before any connection is opened (an open connection would keep a failed process alive).
  const options: WorkerOptions = {
    connection,
    concurrency,
    name,
    maxStalledCount: positiveInteger('trainingWorker', 'maxStalledCount', o.maxStalledCount ?? 5),
    // Given only when set: BullMQ takes an undefined value as the setting, not as "use the default".
    ...(o.lockDuration === undefined ? {} : { lockDuration: positiveInteger('trainingWorker', 'lockDuration', o.lockDuration) }),
    ...(o.stalledInterval === undefined
      ? {}
      : { stalledInterval: positiveInteger('trainingWorker', 'stalledInterval', o.stalledInterval) }),
  };

  // Cancellations: a channel every worker listens on, plus a key per job for a job between workers when it is sent.
  const running = new Map<string, AbortController>();
  const subscriber = new Redis(connection.url, { maxRetriesPerRequest: null, retryStrategy: connection.retryStrategy });
  const keys = new Redis(connection.url, { maxRetriesPerRequest: null, retryStrategy: connection.retryStrategy });
  subscriber.on('error', () => {}); // reconnects on its own; BullMQ's clients report the outage
  keys.on('error', () => {});
  await subscriber.subscribe(cancelKey(queueName));
  subscriber.on('message', (_channel: string, jobId: string) => running.get(jobId)?.abort(new Error(`job ${jobId} cancelled`)));

  const train = async (job: Job<TrainingJobData>, signal: AbortSignal | undefined): Promise<JobResult> => {
    let spec: TrainingJob;
    try {
      spec = checkTrainingJob(`job ${job.id}`, job.data?.job);
    } catch (e) {
      throw classifyJobError(e);
    }
    const id = job.id!;
    const checkpoint = job.data.checkpoint?.path ?? path.resolve(spec.checkpointDir ?? o.checkpointDir, `${id}.safetensors`);
    const controller = new AbortController();
    const forward = () => controller.abort(signal?.reason);
    signal?.addEventListener('abort', forward);
    running.set(id, controller);
    try {
      if ((await keys.exists(cancelKey(queueName, id))) === 1) controller.abort(new Error(`job ${id} cancelled`));
      return await runTrainingJob(spec, {
        checkpoint,
        signal: controller.signal,
        onEpoch: async (p: JobProgress) => {
          await job.updateData({ ...job.data, checkpoint: { path: checkpoint, epoch: p.epoch } });
          await job.updateProgress({ ...p, worker: name });
        },
      });
    } catch (e) {
      throw classifyJobError(e);
    } finally {
      running.delete(id);
      signal?.removeEventListener('abort', forward);
    }
  };

  const worker = new Worker(
    queueName,
    async (job: Job, _token?: string, signal?: AbortSignal) => {
      const result = job.name === SWEEP_JOB ? await summarizeSweep(job) : await train(job as Job<TrainingJobData>, signal);
      return { ...result, worker: name };
    },
    options,
  );
  worker.on('error', () => {}); // connection errors while Redis restarts: the worker reconnects by itself
  await worker.waitUntilReady();
  return {
    worker,
    name,
    async close() {
      await worker.close();
      await Promise.allSettled([subscriber.quit(), keys.quit()]);
    },
  };
}
