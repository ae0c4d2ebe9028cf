/**
 * Atomic saves: whatever goes wrong during a save — an error after the temporary file is written, a
 * process killed at that moment, a target that cannot be replaced, weights that must not be written —
 * the previous checkpoint still loads with its own weights, and no temporary file is left (except by a
 * killed process, which cannot clean up; its leftover is never the target).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SGD, Sequential, loadModel, saveModel } from '../../lib/index.js';
import { expectError } from '../helpers/errors.js';
import { blobs, makeModel, sameBits } from './checkpoint-fixtures.js';
import { scratchDir, tempLeftovers } from './scratch-dir.js';

const file = scratchDir('atomic');
const { x } = blobs(32);
const here = path.dirname(fileURLToPath(import.meta.url));

/** Writes the "old" checkpoint and returns its predictions, to recognise it later. */
function oldCheckpoint(target: string): Float32Array {
  const model = makeModel(1);
  saveModel(target, model);
  return model.predict(x).data;
}

const predictionsOf = (target: string) => loadModel(target, { restoreRandom: false }).model.predict(x).data;

describe('atomic save', () => {
  it('replaces the file when the save succeeds, leaving no temporary file', () => {
    const target = file('ok.safetensors');
    const oldPredictions = oldCheckpoint(target);
    const newer = makeModel(2);
    saveModel(target, newer);
    expect(sameBits(predictionsOf(target), newer.predict(x).data)).toBe(true);
    expect(sameBits(predictionsOf(target), oldPredictions)).toBe(false);
    expect(tempLeftovers(target)).toEqual([]);
  });

  it('a save that fails after writing the temporary file leaves the old file loadable and removes the temporary', () => {
    const target = file('fail.safetensors');
    const oldPredictions = oldCheckpoint(target);
    let seen: { temp: string; size: number } | null = null;
    const err = expectError(
      () =>
        saveModel(target, makeModel(2), {
          beforeRename: (temp) => {
            seen = { temp, size: fs.statSync(temp).size };
            throw new Error('disk pulled out');
          },
        }),
      'ERR_IO',
      /saveModel: cannot finish saving .*fail\.safetensors \(disk pulled out\); the previous file, if any, is unchanged/,
    );
    expect(err.cause).toBeInstanceOf(Error);
    // The failure really came after a complete write, next to the target.
    expect(seen).not.toBeNull();
    expect(path.dirname(seen!.temp)).toBe(path.dirname(target));
    expect(seen!.size).toBeGreaterThan(fs.statSync(target).size / 2);
    expect(fs.existsSync(seen!.temp)).toBe(false);
    expect(tempLeftovers(target)).toEqual([]);
    expect(sameBits(predictionsOf(target), oldPredictions)).toBe(true);
  });

  it('a process killed mid-save (SIGKILL after the write, before the rename) leaves the old file loadable', () => {
    const target = file('killed.safetensors');
    const oldPredictions = oldCheckpoint(target);
    const child = spawnSync(process.execPath, ['--import', 'tsx', path.join(here, 'save-then-crash.ts'), target], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(child.signal, child.stderr).toBe('SIGKILL');
    const { temp } = JSON.parse(child.stdout.trim().split('\n').at(-1)!);
    // The killed process could not clean up; its temporary file is complete but was never renamed.
    expect(tempLeftovers(target)).toEqual([path.basename(temp)]);
    expect(sameBits(Sequential.load(temp).predict(x).data, makeModel(99).predict(x).data)).toBe(true);
    expect(sameBits(predictionsOf(target), oldPredictions)).toBe(true);
    fs.unlinkSync(temp);
  });

  it('a target that cannot be replaced (a directory) is an ERR_IO naming it, with the temporary file removed', () => {
    const target = file('is-a-dir.safetensors');
    fs.mkdirSync(target);
    fs.writeFileSync(path.join(target, 'keep'), 'x');
    expectError(() => saveModel(target, makeModel()), 'ERR_IO', /cannot rename the temporary file over .*is-a-dir\.safetensors \(E[A-Z]+/);
    expect(tempLeftovers(target)).toEqual([]);
    expect(fs.readFileSync(path.join(target, 'keep'), 'utf8')).toBe('x');
  });

  it('a directory that does not exist is an ERR_IO naming the path', () => {
    const target = file('no/such/dir/m.safetensors');
    expectError(
      () => saveModel(target, makeModel()),
      'ERR_IO',
      /cannot create a temporary file next to .*no\/such\/dir\/m\.safetensors \(ENOENT/,
    );
  });

  it('weights holding NaN are refused before anything is written (ERR_BAD_DATA naming the weight)', () => {
    const target = file('nan.safetensors');
    const oldPredictions = oldCheckpoint(target);
    const diverged = makeModel(2);
    diverged.layers[3].parameters()[1].data[5] = NaN;
    expectError(() => saveModel(target, diverged), 'ERR_BAD_DATA', /weight 3\.bias holds NaN at index 5/);
    expect(tempLeftovers(target)).toEqual([]);
    expect(sameBits(predictionsOf(target), oldPredictions)).toBe(true);
  });

  it('bad arguments are refused before any write', () => {
    const target = file('args.safetensors');
    expectError(() => saveModel('', makeModel()), 'ERR_INVALID_ARG', /path must be a non-empty string/);
    expectError(() => saveModel(target, {} as Sequential), 'ERR_INVALID_ARG', /model must be a Sequential/);
    expectError(() => saveModel(target, makeModel(), { epoch: -1 }), 'ERR_INVALID_ARG', /epoch must be a non-negative integer/);
    expectError(() => saveModel(target, makeModel(), { metrics: { acc: NaN } }), 'ERR_INVALID_ARG', /metrics\.acc must be a finite number/);
    expectError(() => saveModel(target, makeModel(), { optimiser: 1 } as never), 'ERR_INVALID_ARG', /unknown option "optimiser"/);
    const other = makeModel(3);
    expectError(
      () => saveModel(target, makeModel(), { optimizer: new SGD(other.parameters(), { lr: 0.1 }) }),
      'ERR_INVALID_ARG',
      /the optimizer's parameter 0 is not a parameter of .*; save the optimizer with the model it trains/,
    );
    expectError(
      () => saveModel(target, makeModel(), { optimizer: { state: 1 } as never }),
      'ERR_INVALID_ARG',
      /options\.optimizer must be an optimizer/,
    );
    expect(fs.existsSync(target)).toBe(false);
  });
});
