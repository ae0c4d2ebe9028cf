/**
 * The queue commands end to end: `neuroblas worker` (a process), `submit --wait`, `jobs`, `jobs status`,
 * `jobs cancel`, `sweep --grid … --wait`, on a real Redis server.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';
import { startWorker, stopWorkers, type WorkerProcess, writeBlobsCsv } from '../helpers/queue.js';

let dir: string;
let redis: RedisServer;
let worker: WorkerProcess;
let csv: string;
let q: string[];

const lines = (stdout: string) =>
  stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l));

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nb-queue-cli-'));
  redis = await startRedis();
  csv = writeBlobsCsv(path.join(dir, 'blobs.csv'), 500, 8, 3, 4);
  q = ['--redis', redis.url, '--queue', 'cli'];
  // concurrency 2 × as many threads as cores: over the budget on any machine.
  const threads = String(os.availableParallelism());
  worker = startWorker([...q, '--checkpoint-dir', path.join(dir, 'ck'), '--concurrency', '2', '--threads', threads]);
  await worker.ready;
}, 60_000);

afterAll(async () => {
  await stopWorkers([worker]);
  await redis.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}, 30_000);

describe('queue commands', () => {
  it('worker warns when concurrency × threads exceeds the cores', () => {
    expect(worker.output()).toMatch(/NEUROBLAS_THREAD_BUDGET.*concurrency 2 × threads \d+ = \d+ kernel threads on \d+ cores/);
  });

  it('submit --wait follows the job to its result; jobs and jobs status report it', async () => {
    const r = await runCli(['submit', ...q, '--data', csv, '--layers', '8-16-3', '--epochs', '2', '--wait', '--json']);
    expect(r.stderr).toMatch(/neuroblas: job train-[0-9a-f]+ on queue cli/);
    expect(r.code).toBe(0);
    const records = lines(r.stdout);
    const progress = records.filter((x) => x.epoch !== undefined);
    expect(progress.map((p) => p.epoch)).toEqual([1, 2]);
    expect(progress[0]).toMatchObject({ epochs: 2, worker: expect.any(String), checkpoint: expect.stringContaining('.safetensors') });
    const end = records.at(-1);
    expect(end).toMatchObject({ ok: true, result: { status: 'completed', epoch: 2 } });
    const id = end.jobId as string;

    const again = await runCli(['submit', ...q, '--data', csv, '--layers', '8-16-3', '--epochs', '2', '--json']);
    expect(lines(again.stdout)[0].jobId).toBe(id);

    const list = await runCli(['jobs', ...q, '--json']);
    expect(list.code).toBe(0);
    expect(lines(list.stdout)).toContainEqual(expect.objectContaining({ jobId: id, status: 'completed' }));
    const status = await runCli(['jobs', 'status', id, ...q]);
    expect(JSON.parse(status.stdout)).toMatchObject({ jobId: id, status: 'completed', checkpoint: { epoch: 2 } });
  }, 120_000);

  it('sweep --grid runs every trial and names the best', async () => {
    const r = await runCli([
      'sweep',
      ...q,
      '--data',
      csv,
      '--layers',
      '8-16-3',
      '--epochs',
      '2',
      '--grid',
      'lr=0.1,0.01',
      '--grid',
      'batch-size=16,64',
      '--wait',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/sweep sweep-[0-9a-f]+-4: 4 trials/);
    expect(r.stdout).toMatch(/neuroblas: best trial train-[0-9a-f]+ \{"lr":0\.\d+,"batchSize":\d+\}: val loss \d\.\d{4}/);
  }, 120_000);

  it('jobs cancel says when there is no such job; submit refuses data that is not a CSV file', async () => {
    const r = await runCli(['jobs', 'cancel', 'train-nope', ...q]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('no such job on queue cli');
    const d = await runCli(['submit', ...q, '--data', 'digits']);
    expect(d.code).toBe(1);
    expect(d.stderr).toContain('a queued job trains on a CSV file');
  }, 60_000);
});
