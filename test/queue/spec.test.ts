/**
 * The queue module's parts that need no Redis: job checks and content ids, the data hash, sweep grids, the thread
 * budget, which errors are unrecoverable, and runTrainingJob's exact resume (an aborted run continued from its
 * checkpoint ends with the uninterrupted run's weights, bit for bit).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UnrecoverableError } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import { NeuroblasError } from '../../lib/errors.js';
import { loadModel } from '../../lib/io/checkpoint.js';
import { classifyJobError } from '../../lib/queue/errors.js';
import {
  checkTrainingJob,
  runTrainingJob,
  sweepTrials,
  threadBudgetWarning,
  trainingJobId,
  type TrainingJob,
} from '../../lib/queue/index.js';
import { checkDataHash, sha256File } from '../../lib/queue/spec.js';
import { writeBlobsCsv } from '../helpers/queue.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nb-queue-spec-'));
const csv = writeBlobsCsv(path.join(dir, 'blobs.csv'), 400, 6, 3, 5);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('training jobs as data', () => {
  it('derives the id from the content, whatever the key order', () => {
    const a: TrainingJob = { data: csv, epochs: 3, lr: 0.1, layers: [6, 8, 3] };
    const b = { layers: [6, 8, 3], lr: 0.1, epochs: 3, data: csv } as TrainingJob;
    expect(trainingJobId(a)).toBe(trainingJobId(b));
    expect(trainingJobId(a)).toMatch(/^train-[0-9a-f]{32}$/);
    expect(trainingJobId({ ...a, lr: 0.01 })).not.toBe(trainingJobId(a));
    expect(trainingJobId({ ...a, name: 'x' })).not.toBe(trainingJobId(a));
  });

  it('refuses unknown keys and bad values, naming them', () => {
    expect(() => checkTrainingJob('job', { data: csv, epochs: 1, epoch: 2 })).toThrow(/epoch.*did you mean "epochs"/);
    expect(() => checkTrainingJob('job', { data: csv, epochs: 0 })).toThrow(/epochs/);
    expect(() => checkTrainingJob('job', { data: csv, epochs: 1, optimizer: 'lbfgs' })).toThrow(/optimizer must be one of/);
    expect(() => checkTrainingJob('job', { data: csv, epochs: 1, layers: [6] })).toThrow(/layers/);
    expect(() => checkTrainingJob('job', { data: csv, epochs: 1, sha256: 'abc' })).toThrow(/sha256/);
    expect(() => checkTrainingJob('job', { epochs: 1 })).toThrow(/data must be the path of a CSV file/);
    expect(() => checkTrainingJob('job', { data: csv, epochs: 1, clipNorm: 0 })).toThrow(/clipNorm must be a finite number > 0/);
    expect(checkTrainingJob('job', { data: csv, epochs: 1, clipNorm: 1 }).clipNorm).toBe(1);
  });

  it('refuses a regression CSV (float labels) rather than training a classifier on nothing', async () => {
    const floats = path.join(dir, 'floats.csv');
    const rows = Array.from({ length: 60 }, (_, i) => `${i % 7},${(i * 0.37).toFixed(2)},${(i * 1.5 + 0.25).toFixed(2)}`);
    fs.writeFileSync(floats, `a,b,y\n${rows.join('\n')}\n`);
    await expect(runTrainingJob({ data: floats, epochs: 1 }, { checkpoint: path.join(dir, 'floats.safetensors') })).rejects.toThrow(
      /holds non-integer numbers \(a regression\); queue jobs train classifiers for now/,
    );
  });

  it('checks the data file against its SHA-256', async () => {
    const sha = await sha256File(csv);
    await expect(checkDataHash({ data: csv, epochs: 1, sha256: sha })).resolves.toBeUndefined();
    const other = `${'0'.repeat(63)}1`;
    await expect(checkDataHash({ data: csv, epochs: 1, sha256: other })).rejects.toMatchObject({ code: 'ERR_BAD_DATA' });
  });

  it("makes the library's errors unrecoverable and leaves others to be retried", () => {
    const bad = classifyJobError(new NeuroblasError('ERR_BAD_DATA', 'fit: the loss became NaN'));
    expect(bad).toBeInstanceOf(UnrecoverableError);
    expect(bad.message).toBe('ERR_BAD_DATA: fit: the loss became NaN');
    const missing = Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT' });
    expect(classifyJobError(missing)).toBe(missing);
    // The library's ERR_IO for a file that storage failed to give (the data file briefly missing) is retried too;
    // one for what the file holds is not.
    const gone = Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT' });
    const unreadable = new NeuroblasError('ERR_IO', 'data.csv: no such file', { cause: gone });
    expect(classifyJobError(unreadable)).toBe(unreadable);
    expect(classifyJobError(new NeuroblasError('ERR_IO', 'data.csv: not a CSV')).name).toBe('UnrecoverableError');
  });
});

describe('sweeps', () => {
  const base: TrainingJob = { data: csv, epochs: 1 };
  it('expands a grid into every combination, each its own job', () => {
    const trials = sweepTrials(base, { lr: [0.1, 0.01, 0.001], batchSize: [16, 64] });
    expect(trials.map((t) => t.trial.params)).toEqual([
      { lr: 0.1, batchSize: 16 },
      { lr: 0.1, batchSize: 64 },
      { lr: 0.01, batchSize: 16 },
      { lr: 0.01, batchSize: 64 },
      { lr: 0.001, batchSize: 16 },
      { lr: 0.001, batchSize: 64 },
    ]);
    expect(new Set(trials.map((t) => t.trial.jobId)).size).toBe(6);
    expect(trials[3].job).toMatchObject({ data: csv, epochs: 1, lr: 0.01, batchSize: 64 });
  });

  it('draws a seeded random subset', () => {
    const a = sweepTrials(base, { lr: [1, 2, 3, 4], seed: [1, 2, 3] }, { random: 4, seed: 9 });
    const b = sweepTrials(base, { lr: [1, 2, 3, 4], seed: [1, 2, 3] }, { random: 4, seed: 9 });
    expect(a).toHaveLength(4);
    expect(a.map((t) => t.trial.jobId)).toEqual(b.map((t) => t.trial.jobId));
    expect(new Set(a.map((t) => t.trial.jobId)).size).toBe(4);
  });

  it('refuses a key it cannot vary and an empty list', () => {
    expect(() => sweepTrials(base, { data: ['x'] } as never)).toThrow(/cannot vary data/);
    expect(() => sweepTrials(base, { lr: [] })).toThrow(/lr needs at least one value/);
  });
});

describe('thread budget', () => {
  it('warns when concurrency × threads exceeds the cores, saying what to lower', () => {
    expect(threadBudgetWarning(2, 1, 2)).toBeNull();
    expect(threadBudgetWarning(2, 2, 2)).toMatch(/concurrency 2 × threads 2 = 4 kernel threads on 2 cores.*at most 2/);
  });
});

describe('runTrainingJob', () => {
  const job: TrainingJob = { data: csv, epochs: 4, layers: [6, 16, 3], batchSize: 8, seed: 3, optimizer: 'adam', lr: 0.01 };

  it('continues an interrupted run from its checkpoint to the weights of the uninterrupted one, bit for bit', async () => {
    const whole = path.join(dir, 'whole.safetensors');
    const full = await runTrainingJob(job, { checkpoint: whole });
    expect(full).toMatchObject({ status: 'completed', epoch: 4, resumedFrom: 0 });

    const parted = path.join(dir, 'parted.safetensors');
    const controller = new AbortController();
    const first = await runTrainingJob(job, {
      checkpoint: parted,
      signal: controller.signal,
      onEpoch: (p) => {
        if (p.epoch === 2) controller.abort();
      },
    });
    expect(first).toMatchObject({ status: 'cancelled', epoch: 2 });
    const rest = await runTrainingJob(job, { checkpoint: parted });
    expect(rest).toMatchObject({ status: 'completed', epoch: 4, resumedFrom: 2 });

    const a = loadModel(whole, { restoreRandom: false });
    const b = loadModel(parted, { restoreRandom: false });
    const wb = new Map(b.model.namedParameters());
    for (const [name, t] of a.model.namedParameters())
      expect(Buffer.from(wb.get(name)!.data.buffer).equals(Buffer.from(t.data.buffer)), name).toBe(true);
    expect(b.history).toHaveLength(4);
    expect(b.history.map((h) => h.loss)).toEqual(a.history.map((h) => h.loss));
  }, 60_000);
});
