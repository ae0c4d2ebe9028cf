/**
 * Load: 200 small training jobs over 3 `neuroblas worker` processes (concurrency 2 each) on a real Redis. Every job
 * completes exactly once: one 'completed' event per job id, each started once, none lost, none duplicated. Prints
 * the wall time and jobs per second.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Queue, QueueEvents } from 'bullmq';
import { afterAll, expect, it } from 'vitest';
import { redisConnection, submitTraining } from '../../lib/queue/index.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';
import { startWorker, stopWorkers, type WorkerProcess, writeBlobsCsv } from '../helpers/queue.js';

const JOBS = 200;
let dir: string | undefined;
let redis: RedisServer | undefined;
let workers: WorkerProcess[] = [];

afterAll(async () => {
  await stopWorkers(workers);
  await redis?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}, 30_000);

it(`runs ${JOBS} jobs across 3 worker processes, each exactly once`, async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nb-load-'));
  redis = await startRedis();
  const csv = writeBlobsCsv(path.join(dir, 'tiny.csv'), 80, 4, 3, 3);
  const args = ['--redis', redis.url, '--queue', 'load', '--checkpoint-dir', path.join(dir, 'ck'), '--concurrency', '2'];
  workers = [0, 1, 2].map(() => startWorker(args));
  await Promise.all(workers.map((w) => w.ready));
  const connection = redisConnection(redis.url);
  const queue = new Queue('load', { connection });
  const events = new QueueEvents('load', { connection });
  await events.waitUntilReady();
  const completions = new Map<string, number>();
  const byWorker = new Map<string, number>();
  let done: () => void = () => {};
  const all = new Promise<void>((resolve) => {
    done = resolve;
  });
  events.on('completed', ({ jobId, returnvalue }) => {
    completions.set(jobId, (completions.get(jobId) ?? 0) + 1);
    const w = (returnvalue as unknown as { worker: string }).worker;
    byWorker.set(w, (byWorker.get(w) ?? 0) + 1);
    if (completions.size === JOBS) done();
  });

  const started = performance.now();
  const jobs = await Promise.all(
    Array.from({ length: JOBS }, (_, i) =>
      submitTraining(queue, { name: `load-${i}`, data: csv, epochs: 1, layers: [4, 8, 3], batchSize: 16 }),
    ),
  );
  await all;
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `load: ${JOBS} jobs on 3 workers (concurrency 2) in ${seconds.toFixed(1)} s, ${(JOBS / seconds).toFixed(1)} jobs/s; ` +
      `per worker ${[...byWorker.values()].join(', ')}`,
  );
  await new Promise((r) => setTimeout(r, 500)); // a duplicate completion would arrive after the last one
  expect(new Set(jobs.map((j) => j.id)).size).toBe(JOBS);
  for (const j of jobs) expect(completions.get(j.id!), j.id).toBe(1);
  expect(completions.size).toBe(JOBS);
  const finished = await queue.getJobs(['completed'], 0, JOBS);
  expect(finished).toHaveLength(JOBS);
  for (const j of finished) expect(j.attemptsStarted, j.id).toBe(1);
  expect(byWorker.size).toBe(3);
  await events.close();
  await queue.close();
}, 120_000);
