/**
 * Data bigger than memory: a child process whose V8 heap is limited to HEAP_MB (--max-old-space-size) trains an
 * epoch on a CSV file several times that size, streamed by csvBatches through a shuffle buffer, and its resident set
 * (the whole process: heap, buffers, the addon) grows by far less than the file's size. No cgroup: the check is the
 * process's own peak RSS (getrusage's maxRSS) against its RSS after the first batches.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { Random } from '../../lib/index.js';
import { ROOT } from '../cli/run-cli.js';

const HEAP_MB = 32;
const FILE_MB = 5 * HEAP_MB;
const FEATURES = 64;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nb-big-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Gaussian blobs as CSV, written in 1 MiB pieces until the file passes `bytes`; returns the row count. */
function writeBigCsv(file: string, bytes: number): number {
  const rng = new Random(11);
  const fd = fs.openSync(file, 'w');
  let rows = 0;
  let written = 0;
  try {
    while (written < bytes) {
      const lines: string[] = [];
      for (let i = 0; i < 2048; i++, rows++) {
        const c = rng.int(3);
        const cells = Array.from({ length: FEATURES }, (_, j) => rng.normal(j === c ? 2 : 0, 1).toFixed(5));
        lines.push(`${cells.join(',')},${c}`);
      }
      const chunk = `${lines.join('\n')}\n`;
      fs.writeSync(fd, chunk);
      written += Buffer.byteLength(chunk);
    }
  } finally {
    fs.closeSync(fd);
  }
  return rows;
}

it(`trains on a ${FILE_MB} MB CSV in a process with a ${HEAP_MB} MB heap, its RSS bounded`, async () => {
  const file = path.join(dir, 'big.csv');
  const rows = writeBigCsv(file, FILE_MB * 1e6);
  const size = fs.statSync(file).size;
  const child = path.join(ROOT, 'test/helpers/stream-train-child.ts');
  const out = await new Promise<string>((resolve, reject) =>
    execFile(
      process.execPath,
      [`--max-old-space-size=${HEAP_MB}`, '--import', 'tsx', child, file, String(FEATURES)],
      { cwd: ROOT, timeout: 240_000 },
      (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout)),
    ),
  );
  const r = JSON.parse(out.trim().split('\n').at(-1)!);
  console.log(
    `bigger than memory: ${(size / 1e6).toFixed(0)} MB CSV (${rows} rows), heap limit ${HEAP_MB} MB, peak RSS ` +
      `${(r.maxRss / 1e6).toFixed(0)} MB (${(r.warmRss / 1e6).toFixed(0)} MB after 16 batches), ` +
      `loss ${r.loss.toFixed(4)}, accuracy ${(100 * r.accuracy).toFixed(1)} %`,
  );
  expect(r.rows).toBeGreaterThanOrEqual(rows);
  expect(r.rows - rows).toBeLessThan(512);
  expect(r.accuracy).toBeGreaterThan(0.8);
  // The file is five times the heap limit. Reading all of it adds less than twice the heap limit (the heap filling up
  // to it, and V8's young generation) to what the process held after its first batches (the addon, the compiled
  // code, the buffers): the memory does not grow with the file.
  expect(size).toBeGreaterThan(4.5 * HEAP_MB * 1e6);
  expect(r.maxRss - r.warmRss).toBeLessThan(2 * HEAP_MB * 1e6);
}, 300_000);
