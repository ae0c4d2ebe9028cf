/**
 * Batch sources streamed from disk (csvBatches, idxBatches), the seeded shuffle buffer, and training on a source
 * with model.fit(source, options): the same weights as fitBlocking on the same batches in memory.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { csvBatches, Dense, idxBatches, manualSeed, Random, Sequential, SGD, Tensor, type SourceBatch } from '../../lib/index.js';
import { assembleBatches, type Row } from '../../lib/data/stream-batches.js';
import { writeBlobsCsv } from '../helpers/queue.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nb-stream-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function collect(source: AsyncIterable<SourceBatch>): Promise<{ x: number[][]; y: number[]; sizes: number[] }> {
  const x: number[][] = [];
  const y: number[] = [];
  const sizes: number[] = [];
  for await (const b of source) {
    const n = b.x.shape[0];
    const f = b.x.size / n;
    sizes.push(n);
    for (let i = 0; i < n; i++) x.push(Array.from(b.x.data.subarray(i * f, (i + 1) * f)));
    y.push(...Array.from(b.y as Int32Array));
  }
  return { x, y, sizes };
}

async function* numbered(n: number): AsyncGenerator<Row> {
  const values = new Float32Array(1);
  for (let i = 0; i < n; i++) {
    values[0] = i;
    yield { values, label: i % 3 };
  }
}

describe('shuffle buffer', () => {
  it('emits every row once, in a seeded order that stays near the file order', async () => {
    const run = async (seed: number) =>
      (await collect(assembleBatches(numbered(1000), 1, [1], { batchSize: 64, shuffleBuffer: 50 }, new Random(seed)))).x.map((r) => r[0]);
    const a = await run(1);
    expect([...a].sort((p, q) => p - q)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(a).not.toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(await run(1)).toEqual(a);
    expect(await run(2)).not.toEqual(a);
    // Row v cannot leave before the buffer has taken rows up to v, and each row taken sends one out: position ≥ v − 50.
    for (const [pos, v] of a.entries()) expect(pos).toBeGreaterThanOrEqual(v - 50);
  });
});

describe('csvBatches', () => {
  const file = writeBlobsCsv(path.join(dir, 'blobs.csv'), 103, 5, 3, 1);

  it('reads every row in file order, in batches, with the header skipped, pass after pass', async () => {
    const source = csvBatches(file, { classes: 3, batchSize: 25, chunkBytes: 97 });
    const first = await collect(source);
    expect(first.sizes).toEqual([25, 25, 25, 25, 3]);
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n').slice(1);
    expect(first.y).toEqual(lines.map((l) => Number(l.split(',').at(-1))));
    expect(first.x[7]).toEqual(
      lines[7]
        .split(',')
        .slice(0, 5)
        .map((v) => Math.fround(Number(v))),
    );
    expect(await collect(source)).toEqual(first);
  });

  it('names the line and column of a bad value and a bad label', async () => {
    const bad = path.join(dir, 'bad.csv');
    fs.writeFileSync(bad, 'a,b,label\n1,2,0\n3,x,1\n');
    await expect(collect(csvBatches(bad, { classes: 2 }))).rejects.toThrow(`${bad}:3:2: "x" in column 2 is not a finite number`);
    fs.writeFileSync(bad, '1,2,0\n3,4,7\n');
    await expect(collect(csvBatches(bad, { classes: 2 }))).rejects.toThrow(`${bad}:2:3: label 7 is not a class index in [0, 2)`);
    await expect(async () => csvBatches(path.join(dir, 'none.csv'), { classes: 2 })).rejects.toThrow(/no such file/);
  });
});

describe('idxBatches', () => {
  function writeIdx(rows: number, gz: boolean): [string, string] {
    const images = Buffer.alloc(16 + rows * 4);
    images.set([0, 0, 8, 3]);
    images.writeUInt32BE(rows, 4);
    images.writeUInt32BE(2, 8);
    images.writeUInt32BE(2, 12);
    for (let i = 0; i < rows * 4; i++) images[16 + i] = (i * 37) % 256;
    const labels = Buffer.alloc(8 + rows);
    labels.set([0, 0, 8, 1]);
    labels.writeUInt32BE(rows, 4);
    for (let i = 0; i < rows; i++) labels[8 + i] = i % 10;
    const pi = path.join(dir, `img-${rows}${gz ? '.gz' : ''}`);
    const pl = path.join(dir, `lab-${rows}${gz ? '.gz' : ''}`);
    fs.writeFileSync(pi, gz ? zlib.gzipSync(images) : images);
    fs.writeFileSync(pl, gz ? zlib.gzipSync(labels) : labels);
    return [pi, pl];
  }

  it('streams images as [n, 2, 2] scaled to 0..1, plain or gzip, the same rows', async () => {
    const plain = await collect(idxBatches(...writeIdx(21, false), { batchSize: 8 }));
    expect(plain.sizes).toEqual([8, 8, 5]);
    expect(plain.y).toEqual(Array.from({ length: 21 }, (_, i) => i % 10));
    expect(plain.x[1]).toEqual([4, 5, 6, 7].map((i) => Math.fround(((i * 37) % 256) * (1 / 255))));
    expect(await collect(idxBatches(...writeIdx(21, true), { batchSize: 8 }))).toEqual(plain);
  });

  it('refuses a truncated file and mismatched counts, naming the file', async () => {
    const [pi, pl] = writeIdx(5, false);
    fs.writeFileSync(pi, fs.readFileSync(pi).subarray(0, 16 + 10));
    await expect(collect(idxBatches(pi, pl))).rejects.toThrow(`${pi}: truncated in image 2`);
    const [qi] = writeIdx(6, false);
    await expect(collect(idxBatches(qi, pl))).rejects.toThrow(`${qi} holds 6 images but ${pl} 5 labels`);
  });
});

describe('model.fit(source)', () => {
  it('trains on streamed batches to the weights fitBlocking gives on the same batches in memory', async () => {
    const file = writeBlobsCsv(path.join(dir, 'train.csv'), 200, 4, 3, 2);
    const build = () => {
      manualSeed(5);
      const m = new Sequential([new Dense(4, 8, { activation: 'relu' }), new Dense(8, 3)]);
      return { m, opt: new SGD(m.parameters(), { lr: 0.1 }) };
    };
    const a = build();
    const epochs: number[] = [];
    const history = await a.m.fit(csvBatches(file, { classes: 3, batchSize: 32 }), {
      optimizer: a.opt,
      epochs: 2,
      callbacks: { onEpochEnd: (l) => void epochs.push(l.epoch) },
    });
    expect(history).toHaveLength(2);
    expect(epochs).toEqual([1, 2]);

    const b = build();
    const all = await collect(csvBatches(file, { classes: 3, batchSize: 200 }));
    const x = new Tensor(Float32Array.from(all.x.flat()), [200, 4]);
    await b.m.fitBlocking(x, Int32Array.from(all.y), { optimizer: b.opt, epochs: 2, batchSize: 32, shuffle: false });
    const wb = b.m.getWeights();
    for (const [i, w] of a.m.getWeights().entries()) expect(Array.from(w)).toEqual(Array.from(wb[i]));
  });

  it('clips gradients as fit does (clipNorm), the same weights as fitBlocking with it, and refuses a bad value', async () => {
    const file = writeBlobsCsv(path.join(dir, 'clip.csv'), 120, 4, 3, 3);
    const build = () => {
      manualSeed(6);
      const m = new Sequential([new Dense(4, 8, { activation: 'relu' }), new Dense(8, 3)]);
      return { m, opt: new SGD(m.parameters(), { lr: 0.5 }) };
    };
    const a = build();
    await a.m.fit(csvBatches(file, { classes: 3, batchSize: 30 }), { optimizer: a.opt, epochs: 2, clipNorm: 0.01 });
    const all = await collect(csvBatches(file, { classes: 3, batchSize: 120 }));
    const x = new Tensor(Float32Array.from(all.x.flat()), [120, 4]);
    const b = build();
    await b.m.fitBlocking(x, Int32Array.from(all.y), { optimizer: b.opt, epochs: 2, batchSize: 30, shuffle: false, clipNorm: 0.01 });
    const c = build();
    await c.m.fitBlocking(x, Int32Array.from(all.y), { optimizer: c.opt, epochs: 2, batchSize: 30, shuffle: false });
    const [wa, wb, wc] = [a, b, c].map((r) => r.m.getWeights().map((w) => Array.from(w)));
    expect(wa).toEqual(wb);
    expect(wa).not.toEqual(wc);
    const d = build();
    await expect(d.m.fit(csvBatches(file, { classes: 3, batchSize: 30 }), { optimizer: d.opt, clipNorm: 0 })).rejects.toThrow(/clipNorm/);
  });

  it('stops at a batch when aborted, and says a one-shot generator ran dry', async () => {
    const file = writeBlobsCsv(path.join(dir, 'abort.csv'), 100, 4, 3, 3);
    const m = new Sequential([new Dense(4, 3)]);
    const controller = new AbortController();
    let batches = 0;
    const run = m.fit(csvBatches(file, { classes: 3, batchSize: 10 }), {
      optimizer: new SGD(m.parameters(), { lr: 0.1 }),
      epochs: 3,
      signal: controller.signal,
      callbacks: {
        onBatchEnd: () => {
          if (++batches === 4) controller.abort();
        },
      },
    });
    await expect(run).rejects.toMatchObject({ code: 'ERR_ABORTED' });
    expect(batches).toBe(4);
    async function* once() {
      yield { x: new Tensor(new Float32Array(8), [2, 4]), y: new Int32Array(2) };
    }
    await expect(m.fit(once(), { optimizer: new SGD(m.parameters(), { lr: 0.1 }), epochs: 2 })).rejects.toThrow(
      /no rows in epoch 2; a generator runs once/,
    );
  });
});
