/**
 * A pair of IDX files (images and labels, the MNIST format; plain or gzip) as a source of batches for
 * `model.fit(source, options)`, read from disk in chunks on every pass: memory stays bounded (a chunk, a batch and
 * the shuffle buffer) whatever the files' size. The headers are checked first (magic, type, dimensions, the same
 * count of images and labels), and a file that ends early is an ERR_IO naming it, as readIdx's checks are.
 */
import fs from 'node:fs';
import zlib from 'node:zlib';
import { nonNegativeInteger, positiveInteger } from '../check.js';
import { describeFsError, fail, NeuroblasError } from '../errors.js';
import { Random } from '../random.js';
import type { SourceBatch } from './source.js';
import { assembleBatches, type Row, type StreamBatchOptions } from './stream-batches.js';

export interface IdxStreamOptions extends StreamBatchOptions {
  /** Multiplies every pixel (default 1/255: 0..1). */
  scale?: number;
  /** Seed of the shuffle buffer's generator (default 1). */
  seed?: number;
  /** Number of classes the labels must be below (default 10). */
  classes?: number;
}

/** Reads exact byte counts from a file's chunks (gunzipped when it starts with the gzip magic). */
class ByteReader {
  private chunks: AsyncIterator<Buffer>;
  private buf: Buffer = Buffer.alloc(0);

  constructor(private readonly file: string) {
    let gz = false;
    try {
      const fd = fs.openSync(file, 'r');
      const magic = Buffer.alloc(2);
      gz = fs.readSync(fd, magic, 0, 2, 0) === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
      fs.closeSync(fd);
    } catch (e) {
      throw new NeuroblasError('ERR_IO', `${file}: ${describeFsError(e)}`, { cause: e });
    }
    const raw = fs.createReadStream(file, { highWaterMark: 1 << 20 });
    const stream = gz ? raw.pipe(zlib.createGunzip()) : raw;
    if (gz) raw.on('error', (e) => stream.destroy(e));
    this.chunks = (stream as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  }

  /** Exactly n bytes, or null at the end of the file; ERR_IO when it ends inside them. */
  async read(n: number, what: string): Promise<Buffer | null> {
    while (this.buf.length < n) {
      let next: IteratorResult<Buffer>;
      try {
        next = await this.chunks.next();
      } catch (e) {
        throw new NeuroblasError('ERR_IO', `${this.file}: ${(e as Error).message}`, { cause: e });
      }
      if (next.done) {
        if (this.buf.length === 0) return null;
        fail('ERR_IO', `${this.file}: truncated in ${what} (${this.buf.length} of ${n} bytes)`);
      }
      this.buf = this.buf.length === 0 ? next.value : Buffer.concat([this.buf, next.value]);
    }
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }

  async close(): Promise<void> {
    await this.chunks.return?.();
  }
}

/** An IDX header: magic 0, 0, 0x08 (unsigned bytes), the number of dimensions, then the dimensions. */
async function readHeader(r: ByteReader, file: string): Promise<number[]> {
  const magic = await r.read(4, 'the header');
  if (magic === null) fail('ERR_IO', `${file}: empty (expected an IDX header)`);
  if (magic[0] !== 0 || magic[1] !== 0) fail('ERR_IO', `${file}: not an IDX file (bad magic number)`);
  if (magic[2] !== 0x08) fail('ERR_IO', `${file}: unsupported IDX data type 0x${magic[2].toString(16)} (only unsigned bytes, 0x08)`);
  const ndim = magic[3];
  if (ndim < 1 || ndim > 4) fail('ERR_IO', `${file}: unsupported number of dimensions ${ndim}`);
  const dims = await r.read(4 * ndim, 'the header');
  if (dims === null) fail('ERR_IO', `${file}: truncated header`);
  return Array.from({ length: ndim }, (_, i) => dims.readUInt32BE(4 * i));
}

/** The images' and labels' batches, pass after pass; x is [n, ...image dims] (e.g. [n, 28, 28]), scaled. */
export function idxBatches(imagesFile: string, labelsFile: string, options: IdxStreamOptions = {}): AsyncIterable<SourceBatch> {
  const scale = options.scale ?? 1 / 255;
  if (!Number.isFinite(scale)) fail('ERR_INVALID_ARG', `idxBatches: scale must be a finite number, got ${scale}`);
  const classes = positiveInteger('idxBatches', 'classes', options.classes ?? 10);
  const rng = new Random(nonNegativeInteger('idxBatches', 'seed', options.seed ?? 1));

  async function* pass(): AsyncGenerator<SourceBatch, void, undefined> {
    const images = new ByteReader(imagesFile);
    const labels = new ByteReader(labelsFile);
    try {
      const dims = await readHeader(images, imagesFile);
      const ldims = await readHeader(labels, labelsFile);
      if (dims.length < 2) fail('ERR_IO', `${imagesFile}: ${dims.length} dimension; images need a count and a shape`);
      if (ldims.length !== 1) fail('ERR_IO', `${labelsFile}: ${ldims.length} dimensions; labels have one`);
      if (ldims[0] !== dims[0]) fail('ERR_IO', `${imagesFile} holds ${dims[0]} images but ${labelsFile} ${ldims[0]} labels`);
      const sample = dims.slice(1);
      const features = sample.reduce((a, b) => a * b, 1);
      async function* rows(): AsyncGenerator<Row, void, undefined> {
        const values = new Float32Array(features);
        for (let i = 0; i < dims[0]; i++) {
          const px = await images.read(features, `image ${i}`);
          const lb = await labels.read(1, `label ${i}`);
          if (px === null) fail('ERR_IO', `${imagesFile}: truncated: ${dims[0]} images declared, ${i} found`);
          if (lb === null) fail('ERR_IO', `${labelsFile}: truncated: ${dims[0]} labels declared, ${i} found`);
          if (lb[0] >= classes) fail('ERR_LABEL', `${labelsFile}: label ${i} is ${lb[0]}, not a class index below ${classes}`);
          for (let j = 0; j < features; j++) values[j] = px[j] * scale;
          yield { values, label: lb[0] };
        }
        if ((await images.read(1, 'the end')) !== null) fail('ERR_IO', `${imagesFile}: more data than its ${dims[0]} images`);
      }
      yield* assembleBatches(rows(), features, sample, options, rng);
    } finally {
      await Promise.all([images.close(), labels.close()]);
    }
  }

  return { [Symbol.asyncIterator]: pass };
}
