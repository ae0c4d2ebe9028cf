/**
 * Small things a user reads (issue 12, item 18): file-system errors in words ("no such file", not "(ENOENT)"), a
 * `--plot` path that is not an .svg refused before training, and counts in the singular when there is one
 * ("1 epoch", "1 row").
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { plural } from '../../lib/check.js';
import { writeCurvesSvg } from '../../lib/plot/svg-curves.js';
import { BatchLoader } from '../../lib/data/batches.js';
import { readCsvText } from '../../lib/data/csv.js';
import { readIdx } from '../../lib/data/idx.js';
import { describeFsError, NeuroblasError } from '../../lib/errors.js';
import { expectOneLineError, runInProcess } from './run-cli.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'neuroblas-messages-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function errno(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: something, open 'x'`), { code });
}

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(NeuroblasError);
    return (e as Error).message;
  }
  throw new Error('expected an error');
}

describe('describeFsError', () => {
  it('says what an fs error code means, in words', () => {
    expect(describeFsError(errno('ENOENT'))).toBe('no such file');
    expect(describeFsError(errno('ENOENT'), 'write')).toBe('no such directory');
    expect(describeFsError(errno('EACCES'))).toBe('permission denied');
    expect(describeFsError(errno('EPERM'))).toBe('permission denied');
    expect(describeFsError(errno('EISDIR'))).toBe('is a directory');
    expect(describeFsError(errno('ENOTDIR'))).toBe('a part of the path is not a directory');
    expect(describeFsError(errno('ENOSPC'), 'write')).toBe('no space left on the device');
    expect(describeFsError(errno('EIO'))).toBe('cannot read (EIO)');
    expect(describeFsError(new Error('odd'), 'write')).toBe('cannot write (odd)');
  });

  it('is what the data readers and the CLI say', () => {
    expect(messageOf(() => readIdx(dir))).toBe(`${dir}: is a directory`);
    expect(messageOf(() => readIdx(path.join(dir, 'missing-idx3-ubyte')))).toBe(`${path.join(dir, 'missing-idx3-ubyte')}: no such file`);
    expect(messageOf(() => readCsvText(dir))).toBe(`${dir}: is a directory, expected a CSV file`);
    const file = path.join(dir, 'a-file');
    fs.writeFileSync(file, 'x');
    const history = [{ epoch: 1, loss: 1, accuracy: 0.5, seconds: 1, samplesPerSecond: 1, lr: 0.1 }];
    expect(messageOf(() => writeCurvesSvg(path.join(file, 'curves.svg'), history, { where: '--plot' }))).toBe(
      `--plot: cannot create a temporary file next to ${path.join(file, 'curves.svg')} ` +
        '(ENOTDIR: a part of the path is not a directory); the previous file, if any, is unchanged',
    );
  });
});

describe('--plot', () => {
  it('refuses a file name that does not end in .svg, before any training (exit 2)', async () => {
    const r = await runInProcess(['train', '--data', 'digits', '--plot', path.join(dir, 'curves.png')]);
    expectOneLineError(r, 2, /--plot.*curves\.png.*\.svg/);
    expect(fs.existsSync(path.join(dir, 'curves.png'))).toBe(false);
  });
});

describe('counts in the singular when there is one', () => {
  it('plural()', () => {
    expect(plural(1, 'epoch')).toBe('1 epoch');
    expect(plural(0, 'epoch')).toBe('0 epochs');
    expect(plural(2, 'entry', 'entries')).toBe('2 entries');
  });

  it('the CLI says "1 epoch", never "1 epochs"', async () => {
    const r = await runInProcess(['train', '--data', 'digits', '--layers', '784-10', '--epochs', '1', '--limit', '40', '--no-progress']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/, 1 epoch, seed/);
    expect(r.stderr).toMatch(/after 1 epoch, /);
    expect(r.stderr).not.toMatch(/\b1 epochs\b/);
  });

  it('data messages say "1 row"', () => {
    const one = { x: new Float32Array(2), y: new Int32Array(2), rows: 1, features: 2 };
    expect(messageOf(() => new BatchLoader(one))).toBe('batches: y has 2 labels for 1 row');
  });
});
