/**
 * The queue commands: `neuroblas worker` (trains jobs from a BullMQ queue on Redis), `submit` (one job, described
 * by `train`'s flags; --wait streams its progress), `sweep` (a grid or random search as a flow of jobs) and `jobs`
 * (list, status, cancel). The queue module (lib/queue/, BullMQ and ioredis) is loaded only when one of them runs,
 * so `neuroblas train` works without either installed.
 */
import fs from 'node:fs';
import path from 'node:path';
import cliProgress from 'cli-progress';
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { Queue, QueueEvents } from 'bullmq';
import { fail } from '../errors.js';
import { BUILTIN_DATASETS } from '../data/resolve.js';
import { DEFAULT_MODEL, lenetForRows, modelFromSpecFile } from './model-presets.js';
import type { ModelFlags } from './model-spec.js';
import { CliExit } from './interrupt.js';
import { parseColumn, parseLayers, parseNumber, parsePositiveInt, parseSeed } from './options.js';
import { Output, pct } from './output.js';
import { applyRuntime, BACKEND_CHOICES } from './runtime.js';
import { addModelFlags, DEFAULT_BATCH_SIZE, DEFAULT_EPOCHS, DEFAULT_SEED } from './train.js';

const DEFAULT_QUEUE = 'neuroblas';
const DEFAULT_REDIS = 'redis://127.0.0.1:6379';
const CONNECT_TIMEOUT_MS = 5000;
/** A command's connection retries (about 200 ms apart) before giving up: a Redis restart of a few seconds is ridden out. */
const CONNECT_RETRIES = 25;

type QueueModule = typeof import('../queue/index.js');
type TrainingJob = import('../queue/index.js').TrainingJob;

async function queueModule(): Promise<QueueModule> {
  try {
    return await import('../queue/index.js');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND')
      fail('ERR_INVALID_ARG', `the queue commands need bullmq and ioredis: npm install bullmq ioredis (${(e as Error).message})`);
    throw e;
  }
}

interface RedisFlags {
  redis: string;
  queue: string;
}

function addRedisFlags(command: Command): Command {
  return command
    .option('--redis <url>', 'the Redis server of the queue', DEFAULT_REDIS)
    .option('--queue <name>', 'the queue', DEFAULT_QUEUE);
}

/** The queue, once Redis answers; a command (not a worker, which waits for Redis) fails at once when it does not. */
async function openQueue(q: QueueModule, flags: RedisFlags): Promise<Queue> {
  const { Queue } = await import('bullmq');
  const queue = new Queue(flags.queue, { connection: q.redisConnection(flags.redis, { retries: CONNECT_RETRIES }) });
  let lastError = 'no answer';
  queue.on('error', (e) => {
    lastError = e.message;
  });
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), CONNECT_TIMEOUT_MS);
  });
  const ready = await Promise.race([queue.waitUntilReady().then(() => true), late]);
  clearTimeout(timer);
  if (!ready) {
    // Its connection gives up retrying by itself (CONNECT_RETRIES), which lets the process exit.
    fail('ERR_IO', `--redis ${flags.redis}: cannot reach Redis within ${CONNECT_TIMEOUT_MS / 1000} s (${lastError})`);
  }
  return queue;
}

// ---- worker ----------------------------------------------------------------------------------------------------

interface WorkerFlags extends RedisFlags {
  concurrency: number;
  threads: number;
  checkpointDir: string;
  backend?: (typeof BACKEND_CHOICES)[number];
  lockDuration?: number;
  stalledInterval?: number;
}

async function runWorker(flags: WorkerFlags): Promise<void> {
  const q = await queueModule();
  const runtime = applyRuntime({ backend: flags.backend, threads: flags.threads });
  fs.mkdirSync(flags.checkpointDir, { recursive: true });
  const w = await q.trainingWorker(flags.queue, {
    connection: flags.redis,
    concurrency: flags.concurrency,
    threads: flags.threads,
    checkpointDir: flags.checkpointDir,
    lockDuration: flags.lockDuration,
    stalledInterval: flags.stalledInterval,
  });
  const say = (line: string) => process.stdout.write(`${line}\n`);
  w.worker.on('active', (job) => say(`job ${job.id} started (attempt ${job.attemptsStarted})`));
  w.worker.on('completed', (job, r: { status: string; epoch: number }) => say(`job ${job.id} ${r.status} after epoch ${r.epoch}`));
  w.worker.on('failed', (job, e) => say(`job ${job?.id} failed: ${e.message}`));
  say(
    `neuroblas: worker ${w.name} on queue ${flags.queue} at ${flags.redis}: concurrency ${flags.concurrency}, ` +
      `${runtime.threads} thread${runtime.threads === 1 ? '' : 's'}, ${runtime.backend} backend, ` +
      `checkpoints in ${path.resolve(flags.checkpointDir)}`,
  );
  // Runs until SIGINT or SIGTERM; then waits for the running jobs' current step to end (BullMQ's graceful close).
  await new Promise<void>((resolve) => {
    const stop = () => {
      say('neuroblas: worker closing (waiting for running jobs)');
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await w.close();
}

// ---- submit and sweep ------------------------------------------------------------------------------------------

interface SubmitFlags extends RedisFlags, ModelFlags {
  epochs: number;
  batchSize: number;
  seed: number;
  normalize: 'none' | 'standardize' | 'minmax';
  labelColumn?: string | number;
  limit?: number;
  checkpointDir?: string;
  name?: string;
  wait?: boolean;
  json?: boolean;
  grid?: [string, unknown[]][];
  random?: number;
}

function addJobFlags(command: Command): Command {
  return addModelFlags(addRedisFlags(command))
    .option('--epochs <n>', 'epochs', parsePositiveInt, DEFAULT_EPOCHS)
    .option('--batch-size <n>', 'rows per batch', parsePositiveInt, DEFAULT_BATCH_SIZE)
    .option('--seed <n>', 'seed for initialization, shuffling and sampling', parseSeed, DEFAULT_SEED)
    .addOption(
      new Option('--normalize <kind>', 'feature scaling fitted on the training rows')
        .choices(['none', 'minmax', 'standardize'])
        .default('standardize'),
    )
    .option('--label-column <name|index>', 'CSV: the label column (default: the last)', parseColumn)
    .option('--limit <n>', 'use at most n rows of each split (a seeded random sample)', parsePositiveInt)
    .option('--checkpoint-dir <dir>', "where the job's checkpoint goes (default: the worker's --checkpoint-dir)")
    .option('--name <label>', 'a label for the job (part of its content: another label is another job)')
    .option('--wait', 'wait for the end, showing progress')
    .option('--json', 'JSON lines on stdout (progress and the result)');
}

/** The model part of a job: an MLP by its flags, LeNet-5's config, or a spec file's config (read here, sent with the job). */
function jobModel(flags: SubmitFlags): Pick<TrainingJob, 'model' | 'layers' | 'activation'> {
  const spec = flags.model ?? DEFAULT_MODEL;
  if (spec === 'mlp') return { layers: flags.layers, activation: flags.activation };
  if (spec === 'lenet') return { model: lenetForRows().toConfig() as unknown as Record<string, unknown> };
  return { model: modelFromSpecFile(spec).toConfig() as unknown as Record<string, unknown> };
}

function jobFromFlags(flags: SubmitFlags, command: Command): TrainingJob {
  if (flags.data === undefined) command.error("error: required option '--data <source>' not specified");
  if ((BUILTIN_DATASETS as readonly string[]).includes(flags.data) || !fs.existsSync(flags.data) || fs.statSync(flags.data).isDirectory())
    fail('ERR_INVALID_ARG', `--data ${flags.data}: a queued job trains on a CSV file, on storage every worker reads at the same path`);
  const job: TrainingJob = {
    name: flags.name,
    data: path.resolve(flags.data),
    labelColumn: flags.labelColumn,
    limit: flags.limit,
    ...jobModel(flags),
    optimizer: flags.optimizer,
    lr: flags.lr,
    momentum: flags.momentum,
    l2: flags.l2,
    clipNorm: flags.clipNorm,
    epochs: flags.epochs,
    batchSize: flags.batchSize,
    seed: flags.seed,
    normalize: flags.normalize,
    checkpointDir: flags.checkpointDir === undefined ? undefined : path.resolve(flags.checkpointDir),
  };
  for (const k of Object.keys(job) as (keyof TrainingJob)[]) if (job[k] === undefined) delete job[k];
  return job;
}

interface Progress {
  epoch: number;
  epochs: number;
  loss: number;
  valLoss: number | null;
  metrics: { valAccuracy: number | null };
  samplesPerSecond: number | null;
  worker: string;
}

/** Follows jobs through the queue's events until each has completed or failed: a bar per job on a terminal, else lines. */
async function follow(
  events: QueueEvents,
  queue: Queue,
  ids: string[],
  out: Output,
): Promise<Map<string, { ok: boolean; value: unknown }>> {
  const results = new Map<string, { ok: boolean; value: unknown }>();
  const bars =
    !out.json && process.stderr.isTTY
      ? new cliProgress.MultiBar(
          {
            stream: process.stderr,
            format: '{id} {bar} epoch {value}/{total} | loss {loss} | val {val} | {worker}',
            barsize: 20,
            hideCursor: true,
            clearOnComplete: false,
          },
          cliProgress.Presets.shades_classic,
        )
      : null;
  const bar = new Map<string, cliProgress.SingleBar>();
  const wanted = new Set(ids);
  let done: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    done = resolve;
  });
  const settle = (id: string, ok: boolean, value: unknown) => {
    if (!wanted.has(id) || results.has(id)) return;
    results.set(id, { ok, value });
    if (results.size === wanted.size) done();
  };
  events.on('progress', ({ jobId, data }) => {
    if (!wanted.has(jobId)) return;
    const p = data as unknown as Progress;
    const val = p.valLoss === null ? '—' : `${p.valLoss.toFixed(4)} (${pct(p.metrics.valAccuracy ?? undefined)})`;
    out.record({ jobId, ...p });
    if (bars) {
      if (!bar.has(jobId)) bar.set(jobId, bars.create(p.epochs, 0, { id: jobId }));
      bar.get(jobId)!.update(p.epoch, { loss: p.loss.toFixed(4), val, worker: p.worker });
    } else if (!out.json)
      process.stdout.write(`${jobId} epoch ${p.epoch}/${p.epochs}  loss ${p.loss.toFixed(4)}  val ${val}  · ${p.worker}\n`);
  });
  events.on('completed', ({ jobId, returnvalue }) => settle(jobId, true, returnvalue));
  events.on('failed', async ({ jobId, failedReason }) => {
    const job = await queue.getJob(jobId);
    // A failure that will be retried is not the end.
    if (job && (await job.getState()) !== 'failed') return;
    settle(jobId, false, failedReason);
  });
  // Jobs that ended before we listened.
  for (const id of ids) {
    const job = await queue.getJob(id);
    const state = await job?.getState();
    if (state === 'completed') settle(id, true, job!.returnvalue);
    else if (state === 'failed') settle(id, false, job!.failedReason);
  }
  await finished;
  bars?.stop();
  return results;
}

async function submit(flags: SubmitFlags, command: Command): Promise<void> {
  const q = await queueModule();
  const out = new Output(flags.json === true);
  const job = jobFromFlags(flags, command);
  const queue = await openQueue(q, flags);
  const { QueueEvents } = await import('bullmq');
  const events = flags.wait
    ? new QueueEvents(flags.queue, { connection: q.redisConnection(flags.redis, { retries: CONNECT_RETRIES }) })
    : null;
  try {
    await events?.waitUntilReady();
    const added = await q.submitTraining(queue, job);
    out.record({ jobId: added.id, submitted: true });
    out.say(`neuroblas: job ${added.id} on queue ${flags.queue}`);
    if (events === null) return;
    const r = (await follow(events, queue, [added.id!], out)).get(added.id!)!;
    out.record({ jobId: added.id, ok: r.ok, result: r.value });
    if (!r.ok) {
      out.say(`neuroblas: job ${added.id} failed: ${String(r.value)}`);
      throw new CliExit(1);
    }
    const v = r.value as {
      status: string;
      epoch: number;
      valLoss: number | null;
      metrics: { valAccuracy: number | null };
      checkpoint: string;
    };
    out.say(
      `neuroblas: job ${added.id} ${v.status} after epoch ${v.epoch}: val loss ${v.valLoss?.toFixed(4) ?? '—'}, ` +
        `val accuracy ${pct(v.metrics.valAccuracy ?? undefined)}; checkpoint ${v.checkpoint}`,
    );
  } finally {
    await events?.close();
    await queue.close();
  }
}

/** `--grid lr=0.1,0.01`: a sweep key (a train flag's name) and its values. */
function parseGrid(text: string, previous: [string, unknown[]][] = []): [string, unknown[]][] {
  const m = /^([a-z0-9-]+)=(.+)$/.exec(text);
  if (m === null) throw new InvalidArgumentError('expected <flag>=<v1>,<v2>,…, e.g. lr=0.1,0.01');
  const key = m[1].replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
  const values = m[2].split(',').map((v) => {
    if (key === 'layers') return parseLayers(v);
    if (['optimizer', 'activation', 'normalize'].includes(key)) return v;
    return parseNumber(v);
  });
  return [...previous, [key, values]];
}

async function sweep(flags: SubmitFlags, command: Command): Promise<void> {
  const q = await queueModule();
  const out = new Output(flags.json === true);
  if (flags.grid === undefined) command.error("error: required option '--grid <flag=values>' not specified");
  const job = jobFromFlags(flags, command);
  const grid = Object.fromEntries(flags.grid) as import('../queue/index.js').Grid;
  const queue = await openQueue(q, flags);
  const { QueueEvents } = await import('bullmq');
  const events = flags.wait
    ? new QueueEvents(flags.queue, { connection: q.redisConnection(flags.redis, { retries: CONNECT_RETRIES }) })
    : null;
  try {
    await events?.waitUntilReady();
    const s = await q.submitSweep(queue, job, grid, { connection: flags.redis, random: flags.random, seed: flags.seed });
    out.record({ sweepId: s.id, trials: s.trials });
    out.say(`neuroblas: sweep ${s.id}: ${s.trials.length} trials on queue ${flags.queue}`);
    for (const t of s.trials) out.human(`  ${t.jobId}  ${JSON.stringify(t.params)}`);
    if (events === null) return;
    const r = (await follow(events, queue, [s.id, ...s.trials.map((t) => t.jobId)], out)).get(s.id)!;
    const summary = r.value as import('../queue/index.js').SweepSummary;
    out.record({ sweepId: s.id, summary });
    if (!r.ok) {
      out.say(`neuroblas: sweep ${s.id} failed: ${String(r.value)}`);
      throw new CliExit(1);
    }
    for (const t of summary.trials)
      out.human(
        `  ${t.status.padEnd(9)} ${JSON.stringify(t.params)}  val loss ${t.valLoss?.toFixed(4) ?? '—'}${t.error ? `  (${t.error})` : ''}`,
      );
    out.say(
      summary.best === null
        ? `neuroblas: sweep ${s.id}: no trial completed`
        : `neuroblas: best trial ${summary.best.jobId} ${JSON.stringify(summary.best.params)}: ` +
            `val loss ${summary.best.valLoss.toFixed(4)}, ` +
            `val accuracy ${pct(summary.best.valAccuracy ?? undefined)}; checkpoint ${summary.best.checkpoint}`,
    );
  } finally {
    await events?.close();
    await queue.close();
  }
}

// ---- jobs ------------------------------------------------------------------------------------------------------

async function jobsList(flags: RedisFlags & { json?: boolean }): Promise<void> {
  const q = await queueModule();
  const out = new Output(flags.json === true);
  const queue = await openQueue(q, flags);
  try {
    const jobs = await queue.getJobs(['active', 'waiting', 'delayed', 'waiting-children', 'prioritized', 'completed', 'failed'], 0, 999);
    for (const job of jobs) {
      const state = await job.getState();
      const status = state === 'completed' ? (job.returnvalue?.status ?? state) : state;
      const p = job.progress as Partial<Progress> | number;
      const epoch = typeof p === 'object' && p.epoch !== undefined ? `epoch ${p.epoch}/${p.epochs}` : '';
      out.record({ jobId: job.id, name: job.name, status, progress: job.progress, attempts: job.attemptsMade });
      out.human(`${String(job.id).padEnd(40)} ${job.name.padEnd(6)} ${String(status).padEnd(16)} ${epoch}`);
    }
    if (jobs.length === 0) out.say(`neuroblas: no jobs on queue ${flags.queue}`);
  } finally {
    await queue.close();
  }
}

async function jobStatus(id: string, flags: RedisFlags): Promise<void> {
  const q = await queueModule();
  const queue = await openQueue(q, flags);
  try {
    const job = await queue.getJob(id);
    if (job === undefined) fail('ERR_INVALID_ARG', `jobs status: no job ${id} on queue ${flags.queue}`);
    const state = await job.getState();
    const status = state === 'completed' ? (job.returnvalue?.status ?? state) : state;
    const record = {
      jobId: job.id,
      name: job.name,
      status,
      attemptsMade: job.attemptsMade,
      progress: job.progress,
      checkpoint: job.data?.checkpoint ?? null,
      result: job.returnvalue ?? null,
      failedReason: job.failedReason ?? null,
    };
    process.stdout.write(`${JSON.stringify(record, null, 2)}\n`);
  } finally {
    await queue.close();
  }
}

async function jobCancel(id: string, flags: RedisFlags): Promise<void> {
  const q = await queueModule();
  const queue = await openQueue(q, flags);
  try {
    const what = await q.cancelTraining(queue, id, flags.redis);
    const words = {
      removed: 'removed before it started',
      cancelling: 'cancelling: its worker stops it within one batch and keeps the last checkpoint',
      finished: 'already finished',
      unknown: `no such job on queue ${flags.queue}`,
    }[what];
    process.stdout.write(`neuroblas: job ${id}: ${words}\n`);
    if (what === 'unknown') throw new CliExit(1);
  } finally {
    await queue.close();
  }
}

export function registerQueue(program: Command): void {
  addRedisFlags(program.command('worker').description('train jobs from a queue (BullMQ on Redis) until stopped'))
    .option('--concurrency <n>', 'jobs trained at once', parsePositiveInt, 1)
    .option('--threads <n>', 'OpenBLAS threads (concurrency × threads should not exceed the cores)', parsePositiveInt, 1)
    .option('--checkpoint-dir <dir>', "where jobs' checkpoints go: storage every worker shares", 'checkpoints')
    .addOption(new Option('--backend <name>', 'kernel backend (default: native when the addon loads)').choices(BACKEND_CHOICES))
    .option('--lock-duration <ms>', "how long a dead worker's job waits before another takes it (BullMQ lockDuration)", parsePositiveInt)
    .option('--stalled-interval <ms>', 'how often jobs of dead workers are looked for (BullMQ stalledInterval)', parsePositiveInt)
    .action(async (flags: WorkerFlags) => {
      await runWorker(flags);
    });
  addJobFlags(program.command('submit').description('queue a training job (train flags); --wait to follow it')).action(
    async (flags: SubmitFlags, command: Command) => {
      await submit(flags, command);
    },
  );
  addJobFlags(program.command('sweep').description('queue a hyper-parameter sweep: a job per trial, and a summary naming the best'))
    .option('--grid <flag=values>', 'a flag and its values, e.g. lr=0.1,0.01 (repeat for more flags)', parseGrid)
    .option('--random <n>', 'run n trials drawn at random from the grid (seeded by --seed) instead of all', parsePositiveInt)
    .action(async (flags: SubmitFlags, command: Command) => {
      await sweep(flags, command);
    });
  const jobs = addRedisFlags(program.command('jobs').description('list the jobs of a queue; `jobs status <id>`, `jobs cancel <id>`'))
    .option('--json', 'one JSON object per job')
    .action(async (flags: RedisFlags & { json?: boolean }) => {
      await jobsList(flags);
    });
  // --redis and --queue belong to `jobs` (commander gives a parent's options to it wherever they are written).
  jobs
    .command('status')
    .argument('<id>')
    .description("a job's state, progress, checkpoint and result (--redis, --queue as for jobs)")
    .action(async (id: string, _flags: unknown, command: Command) => {
      await jobStatus(id, command.optsWithGlobals() as RedisFlags);
    });
  jobs
    .command('cancel')
    .argument('<id>')
    .description('cancel a job: a running one stops within one batch (--redis, --queue as for jobs)')
    .action(async (id: string, _flags: unknown, command: Command) => {
      await jobCancel(id, command.optsWithGlobals() as RedisFlags);
    });
}
