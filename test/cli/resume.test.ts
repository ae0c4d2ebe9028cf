/**
 * `neuroblas train --resume`, the checkpoint written at every epoch end, and Ctrl-C. The contract: training N
 * epochs, or k epochs and then --resume to N, gives the same weights, optimizer state and history, bit for bit
 * (on both backends; with a schedule, early stopping, dropout, a validation split and CSV normalization too); a
 * SIGINT stops training, keeps the last epoch's checkpoint, says where it is and exits 130.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadModel, saveModel } from '../../lib/io/checkpoint.js';
import { Dense } from '../../lib/layers/dense.js';
import { Sequential } from '../../lib/layers/sequential.js';
import { SGD } from '../../lib/optim/index.js';
import { writeCarsCsv } from '../helpers/cars-csv.js';
import { backends } from '../helpers/backends.js';
import { expectOneLineError, ROOT, runInProcess, type CliResult } from './run-cli.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'neuroblas-cli-resume-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const QUICK = ['--data', 'digits', '--limit', '200', '--batch-size', '50'];

/** The epoch records, without the timings (which no two runs share). */
function epochs(r: CliResult): Record<string, unknown>[] {
  expect(r.code, r.stderr).toBe(0);
  return r.stdout
    .trimEnd()
    .split('\n')
    .map((line) => {
      const { seconds: _s, samplesPerSecond: _r, epochs: _e, ...rest } = JSON.parse(line);
      return rest;
    });
}

/** Everything a checkpoint holds that training determines: weights, optimizer state, epoch, history, callback states. */
function contents(file: string) {
  const c = loadModel(file, { restoreRandom: false });
  return {
    weights: c.model.getWeights().map((w) => Array.from(w)),
    optimizer: c.optimizer?.state(),
    epoch: c.epoch,
    history: c.history.map(({ seconds: _s, ...rest }) => rest),
    callbacks: c.callbackStates,
    random: c.randomState,
  };
}

function file(name: string): string {
  return path.join(dir, name);
}

async function expectSameRun(args: string[], total: number, first: number, tag: string, resumeArgs = args): Promise<void> {
  const whole = file(`${tag}-whole.safetensors`);
  const part = file(`${tag}-part.safetensors`);
  const all = epochs(await runInProcess(['train', ...args, '--epochs', String(total), '--save', whole]));
  const before = epochs(await runInProcess(['train', ...args, '--epochs', String(first), '--save', part]));
  // The flags again (they must agree with the checkpoint's), or none: the run's own come from the file.
  const rest = await runInProcess(['train', '--resume', part, '--epochs', String(total), ...resumeArgs]);
  expect(rest.stderr).toMatch(new RegExp(`resuming .*${tag}-part\\.safetensors after epoch ${first}`));
  expect([...before, ...epochs(rest)]).toEqual(all);
  const [a, b] = [contents(whole), contents(part)];
  expect(b.epoch).toBe(total);
  expect(b).toEqual(a);
}

describe.each(backends.map((b) => [b.name] as const))('--resume on %s', (backend) => {
  it('4 epochs, or 2 and --resume to 4: the same weights, optimizer state, history and lr, bit for bit', async () => {
    await expectSameRun([...QUICK, '--backend', backend], 4, 2, `plain-${backend}`);
  });

  it('the same with a schedule, early stopping, dropout and a validation split, resumed without repeating the flags', async () => {
    const spec = file('dropout.json');
    fs.writeFileSync(
      spec,
      JSON.stringify([
        { type: 'Dense', in: 784, out: 24, activation: 'relu' },
        { type: 'Dropout', rate: 0.3 },
        { type: 'Dense', in: 24, out: 10 },
      ]),
    );
    const args = [...QUICK, '--backend', backend, '--model', spec, '--optimizer', 'adam', '--validation-split', '0.2'];
    await expectSameRun([...args, '--lr-schedule', 'step:2:0.5', '--early-stopping', '5'], 5, 3, `full-${backend}`, ['--backend', backend]);
  });

  it('--clip-norm clips (the run differs from an unclipped one) and resumes bit for bit', async () => {
    const args = [...QUICK, '--backend', backend, '--lr', '0.5'];
    await expectSameRun([...args, '--clip-norm', '0.05'], 3, 1, `clip-${backend}`);
    const clipped = epochs(await runInProcess(['train', ...args, '--clip-norm', '0.05', '--epochs', '1']));
    const free = epochs(await runInProcess(['train', ...args, '--epochs', '1']));
    expect(clipped[0].loss).not.toBe(free[0].loss);
    expect((await runInProcess(['train', ...args, '--clip-norm', '0', '--epochs', '1'])).code).toBe(2);
  });

  it('warm-up, cosine with warm restarts and one-cycle schedules resume bit for bit (one-cycle steps every batch)', async () => {
    for (const schedule of ['warmup:3:0.1', 'restarts:1:2'])
      await expectSameRun([...QUICK, '--backend', backend, '--lr-schedule', schedule], 4, 2, `${schedule.split(':')[0]}-${backend}`);
    // One cycle spans the run's epochs: a 4-epoch run, or the same run interrupted (Ctrl-C) and resumed, are the same.
    const args = [...QUICK, '--backend', backend, '--lr-schedule', 'onecycle:0.5', '--epochs', '4', '--json'];
    const whole = file(`onecycle-${backend}-whole.safetensors`);
    const part = file(`onecycle-${backend}-part.safetensors`);
    const all = epochs(await runInProcess(['train', ...args, '--save', whole]));
    const stopped = await trainAndInterrupt(['train', ...args, '--save', part]);
    expect(stopped.code, stopped.stderr).toBe(130);
    const saved = loadModel(part, { restoreRandom: false }).epoch;
    const rest = await runInProcess(['train', '--resume', part, '--json', '--backend', backend]);
    expect(epochs(rest)).toEqual(all.slice(saved));
    // Longer than the cycle it was started with: refused, saying how to resume it.
    expectOneLineError(
      await runInProcess(['train', '--resume', part, '--epochs', '6']),
      1,
      /onecycle spans the run's 4 epochs; resume it with --epochs 4 \(a one-cycle run cannot be made longer\)/,
    );
    expect(contents(part)).toEqual(contents(whole));
  });

  it('CSV data with standardization folded into the saved model: resumes on the unfolded weights, bit for bit', async () => {
    const csv = file('blobs.csv');
    const lines = ['a,b,c,label'];
    for (let i = 0; i < 90; i++)
      lines.push(`${100 + (i % 3) * 40 + (i % 7)},${1000 * (i % 3) + i},${0.01 * (i % 5)},${['x', 'y', 'z'][i % 3]}`);
    fs.writeFileSync(csv, `${lines.join('\n')}\n`);
    await expectSameRun(['--data', csv, '--batch-size', '16', '--backend', backend, '--layers', '3-8-3'], 4, 1, `csv-${backend}`);
    // The saved file takes raw rows: evaluate scores it as the run's last epoch did.
    const r = await runInProcess(['evaluate', file(`csv-${backend}-whole.safetensors`), '--data', csv, '--json', '--backend', backend]);
    expect(r.code, r.stderr).toBe(0);
  });
});

describe.each(backends.map((b) => [b.name] as const))('--resume of a regression on %s', (backend) => {
  it('cars → mpg, with the target scaling and a --loss: 3 epochs, or 1 and --resume to 3, bit for bit', async () => {
    const csv = file('cars.csv');
    writeCarsCsv(csv);
    const args = ['--data', csv, '--batch-size', '32', '--backend', backend, '--optimizer', 'adam', '--loss', 'huber'];
    await expectSameRun(args, 3, 1, `cars-${backend}`);
  });
});

describe('--resume refuses what would not continue the run exactly', () => {
  const part = file('refuse.safetensors');

  it('a flag that differs from the run, epochs already done, a foreign checkpoint, a missing file', async () => {
    expect((await runInProcess(['train', ...QUICK, '--epochs', '2', '--save', part])).code).toBe(0);
    expectOneLineError(
      await runInProcess(['train', '--resume', part, '--batch-size', '64']),
      1,
      /--resume .*refuse\.safetensors continues a run trained with --batch-size 50; drop --batch-size 64/,
    );
    expectOneLineError(
      await runInProcess(['train', '--resume', part, '--lr-schedule', 'cosine:3']),
      1,
      /continues a run trained without --lr-schedule; drop --lr-schedule cosine:3:0/,
    );
    expectOneLineError(
      await runInProcess(['train', '--resume', part, '--epochs', '2']),
      1,
      /the run has trained 2 epochs already; give --epochs above 2 to train on/,
    );
    const api = file('api.safetensors');
    const model = new Sequential([new Dense(784, 10)]);
    saveModel(api, model, { optimizer: new SGD(model.parameters(), { lr: 0.1 }), epoch: 1 });
    expectOneLineError(
      await runInProcess(['train', '--resume', api]),
      1,
      /--resume .*api\.safetensors: this checkpoint was not written by neuroblas train/,
    );
    expectOneLineError(await runInProcess(['train', '--resume', file('none.safetensors')]), 1, /^neuroblas: --resume .*none\.safetensors/);
  });
});

/** Runs the CLI in a child process and sends SIGINT once the first epoch's JSON line is out. */
function trainAndInterrupt(args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'lib/cli/main.ts'), ...args], {
      cwd: ROOT,
      env: { ...process.env, NEUROBLAS_DEBUG: '' },
    });
    let stdout = '',
      stderr = '',
      sent = false;
    child.stdout.on('data', (chunk) => {
      stdout += String(chunk);
      if (!sent && stdout.includes('\n')) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    child.stderr.on('data', (chunk) => {
      stderr += String(chunk);
    });
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

describe('a checkpoint at every epoch end, and Ctrl-C', () => {
  it('SIGINT after the first epoch: exit 130, one line saying where the last epoch is; resuming gives the uninterrupted run', async () => {
    const ckpt = file('interrupted.safetensors');
    const r = await trainAndInterrupt(['train', ...QUICK, '--epochs', '1000', '--save', ckpt]);
    expect(r.code, r.stderr).toBe(130);
    const last = r.stderr.trimEnd().split('\n').at(-1)!;
    const m = /^neuroblas: interrupted; the model after epoch (\d+) is in (.*) \(resume with --resume (.*)\)$/.exec(last);
    expect(m, r.stderr).not.toBeNull();
    const n = Number(m![1]);
    expect(m![2]).toBe(ckpt);
    expect(m![3]).toBe(ckpt);
    expect(n).toBeGreaterThanOrEqual(1);
    expect(r.stdout.trimEnd().split('\n')).toHaveLength(n); // every finished epoch was reported, and checkpointed
    expect(loadModel(ckpt, { restoreRandom: false }).epoch).toBe(n);

    const whole = file('uninterrupted.safetensors');
    expect((await runInProcess(['train', ...QUICK, '--epochs', String(n + 2), '--save', whole])).code).toBe(0);
    const resumed = await runInProcess(['train', '--resume', ckpt, '--epochs', String(n + 2)]);
    expect(resumed.code, resumed.stderr).toBe(0);
    const a = contents(whole);
    const b = contents(ckpt);
    expect(b.weights).toEqual(a.weights);
    expect(b.history.map((h) => h.loss)).toEqual(a.history.map((h) => h.loss));
  });

  it('without --save, Ctrl-C says that nothing was saved', async () => {
    const r = await trainAndInterrupt(['train', ...QUICK, '--epochs', '1000']);
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr.trimEnd().split('\n').at(-1)).toMatch(
      /^neuroblas: interrupted after epoch \d+; nothing was saved \(--save <file> keeps a checkpoint of every epoch\)$/,
    );
  });
});
