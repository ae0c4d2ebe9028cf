/**
 * Item 12: a save killed mid-write leaves `<file>.tmp-<pid>-<hex>` behind (it cannot clean up); the next save to the
 * same path removes the leftovers of processes that no longer run, and only those. The SVG curves are written the
 * same atomic way.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadModel, saveModel, writeCurvesSvg, writeFileAtomic } from '../../lib/index.js';
import { makeModel } from './checkpoint-fixtures.js';
import { scratchDir, tempLeftovers } from './scratch-dir.js';

const file = scratchDir('stale');
const here = path.dirname(fileURLToPath(import.meta.url));

/** Saves to `target` in a child process that is killed before the rename; returns the temporary file it left. */
function killedSave(target: string): string {
  const child = spawnSync(process.execPath, ['--import', 'tsx', path.join(here, 'save-then-crash.ts'), target], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  expect(child.signal, child.stderr).toBe('SIGKILL');
  return JSON.parse(child.stdout.trim().split('\n').at(-1)!).temp;
}

describe('stale temporary files', () => {
  it('the next save to the same path removes those of dead processes, keeps those of live ones and anything else', () => {
    const target = file('model.safetensors');
    saveModel(target, makeModel(1));
    const first = killedSave(target);
    expect(tempLeftovers(target)).toEqual([path.basename(first)]);
    // The second killed save removed the first one's leftover before it was killed in turn.
    const second = killedSave(target);
    expect(tempLeftovers(target)).toEqual([path.basename(second)]);
    // A save in progress in a live process (this one's parent), another file's temporary, and a file of the user's.
    const live = `${target}.tmp-${process.ppid}-0123456789ab`;
    const otherTarget = `${file('other.safetensors')}.tmp-999999999-0123456789ab`;
    const notes = `${target}.tmp-notes`;
    for (const f of [live, otherTarget, notes]) fs.writeFileSync(f, 'x');

    saveModel(target, makeModel(2));
    expect(tempLeftovers(target).sort()).toEqual([path.basename(live), path.basename(notes)].sort());
    expect(fs.existsSync(otherTarget)).toBe(true);
    expect(loadModel(target, { restoreRandom: false }).model.layers).toHaveLength(5);
  });

  it('writeFileAtomic does the same for any file', () => {
    const target = file('data.bin');
    const stale = `${target}.tmp-999999999-abcdef012345`;
    fs.writeFileSync(stale, 'partial');
    writeFileAtomic(target, new Uint8Array([1, 2, 3]), 'test');
    expect(fs.existsSync(stale)).toBe(false);
    expect([...fs.readFileSync(target)]).toEqual([1, 2, 3]);
  });
});

describe('writeCurvesSvg (--plot)', () => {
  const history = [
    { epoch: 1, loss: 1, accuracy: 0.5, valLoss: 1.1, valAccuracy: 0.45, lr: 0.1, seconds: 1 },
    { epoch: 2, loss: 0.5, accuracy: 0.8, valLoss: 0.6, valAccuracy: 0.75, lr: 0.1, seconds: 1 },
  ];

  it('writes the SVG atomically: a failed write leaves the previous plot, and no temporary file', () => {
    const target = file('curves.svg');
    writeCurvesSvg(target, history.slice(0, 1), { title: 'old' });
    const before = fs.readFileSync(target, 'utf8');
    expect(before).toMatch(/<svg[\s\S]*old[\s\S]*<\/svg>/);
    expect(() =>
      writeCurvesSvg(target, history, {
        title: 'new',
        where: '--plot',
        beforeRename: () => {
          throw new Error('disk full');
        },
      }),
    ).toThrow(/--plot: cannot finish saving .*curves\.svg \(disk full\)/);
    expect(fs.readFileSync(target, 'utf8')).toBe(before);
    expect(tempLeftovers(target)).toEqual([]);
    writeCurvesSvg(target, history, { title: 'new' });
    expect(fs.readFileSync(target, 'utf8')).toMatch(/new/);
  });
});
