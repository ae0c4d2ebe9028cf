/**
 * Threads: setNumThreads/getNumThreads through the package, a training worker that neither resets nor changes
 * the process-wide OpenBLAS thread count, and the documented default (1 thread unless the environment asks).
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { SGD, fit, getNumThreads, setNumThreads } from '../../lib/index.js';
import { addonFile } from '../helpers/addon.js';
import { backendNames, nativeOrStub } from '../helpers/backends.js';
import { onBackend } from '../helpers/async.js';
import { blobs, makeModel } from './fixtures.js';

/** getNumThreads() in a fresh process that loads the addon with `env` (and no inherited thread variables). */
function threadsInFreshProcess(env: Record<string, string>): number {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => k !== 'NEUROBLAS_NUM_THREADS' && k !== 'OPENBLAS_NUM_THREADS'),
  );
  const addon = JSON.stringify(addonFile);
  const script = `const a = require(${addon}); a.setErrorClass(Error); process.stdout.write(String(a.getNumThreads()));`;
  return Number(execFileSync(process.execPath, ['-e', script], { env: { ...clean, ...env } }).toString());
}

describe.skipIf(!backendNames.includes('native'))('threads', () => {
  it('defaults to 1 OpenBLAS thread; NEUROBLAS_NUM_THREADS and OPENBLAS_NUM_THREADS override it', () => {
    expect(threadsInFreshProcess({})).toBe(1);
    expect(threadsInFreshProcess({ NEUROBLAS_NUM_THREADS: '2' })).toBe(2);
    expect(threadsInFreshProcess({ OPENBLAS_NUM_THREADS: '2' })).toBe(2);
  });

  it('setNumThreads round-trips, and a training worker keeps the count the caller set', async () => {
    await onBackend(nativeOrStub(), async () => {
      const before = getNumThreads();
      try {
        for (const n of [2, 1, 3]) {
          setNumThreads(n);
          expect(getNumThreads()).toBe(n);
        }
        setNumThreads(2);
        const { x, y } = blobs(200);
        const model = makeModel(1);
        await fit(model, x, y, { optimizer: new SGD(model.parameters(), { lr: 0.1 }), epochs: 1, worker: true });
        expect(getNumThreads()).toBe(2);
        expect(() => setNumThreads(0)).toThrow(/setNumThreads/);
        expect(getNumThreads()).toBe(2);
      } finally {
        setNumThreads(before);
      }
    });
  });
});
