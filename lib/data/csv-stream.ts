/**
 * A CSV file as a source of batches for `model.fit(source, options)`, read from disk in chunks on every pass, so
 * memory stays bounded (one chunk, one batch and the shuffle buffer) whatever the file's size. Numbers only, one
 * row per line, the label an integer class index in [0, classes); a header is detected (a first line that is not all
 * numbers). Every bad value is an error naming the file, line and column, as readCsv's are.
 */
import fs from 'node:fs';
import { nonNegativeInteger, positiveInteger } from '../check.js';
import { describeFsError, fail, NeuroblasError } from '../errors.js';
import { Random } from '../random.js';
import { readFileHead } from './file-head.js';
import type { SourceBatch } from './source.js';
import { assembleBatches, type Row, type StreamBatchOptions } from './stream-batches.js';

export interface CsvStreamOptions extends StreamBatchOptions {
  /** Number of classes: labels must be integers in [0, classes). */
  classes: number;
  /** The label column's 0-based index; negative counts from the end (default -1, the last). */
  labelColumn?: number;
  /** Seed of the shuffle buffer's generator (default 1); each pass draws on from where the last ended. */
  seed?: number;
  /** Bytes read at a time (default 1 MiB). */
  chunkBytes?: number;
}

/** The lines of a file, read in chunks; the last line may lack its newline. */
async function* lines(file: string, chunkBytes: number): AsyncGenerator<string, void, undefined> {
  let rest = '';
  let stream: fs.ReadStream;
  try {
    stream = fs.createReadStream(file, { encoding: 'utf8', highWaterMark: chunkBytes });
    for await (const chunk of stream) {
      const text = rest + (chunk as string);
      let start = 0;
      for (let nl = text.indexOf('\n', start); nl >= 0; nl = text.indexOf('\n', start)) {
        yield text.slice(start, nl);
        start = nl + 1;
      }
      rest = text.slice(start);
    }
  } catch (e) {
    if (e instanceof NeuroblasError) throw e;
    throw new NeuroblasError('ERR_IO', `${file}: ${describeFsError(e)}`, { cause: e });
  }
  if (rest !== '') yield rest;
}

/** A CSV file's batches, pass after pass (a new read of the file each time). */
export function csvBatches(file: string, options: CsvStreamOptions): AsyncIterable<SourceBatch> & { features: number } {
  const classes = positiveInteger('csvBatches', 'classes', options.classes);
  const chunkBytes = positiveInteger('csvBatches', 'chunkBytes', options.chunkBytes ?? 1 << 20);
  const rng = new Random(nonNegativeInteger('csvBatches', 'seed', options.seed ?? 1));
  const features = csvFeatureCount(file);

  async function* rows(width: number): AsyncGenerator<Row, void, undefined> {
    const labelAt = (options.labelColumn ?? -1) < 0 ? width + 1 + (options.labelColumn ?? -1) : options.labelColumn!;
    if (labelAt < 0 || labelAt > width)
      fail('ERR_INVALID_ARG', `csvBatches: labelColumn ${options.labelColumn} is outside ${file}'s ${width + 1} columns`);
    const values = new Float32Array(width);
    let lineNo = 0;
    for await (const raw of lines(file, chunkBytes)) {
      lineNo++;
      const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      if (line.trim() === '') continue;
      const cells = line.split(',');
      if (cells.length !== width + 1)
        fail('ERR_BAD_DATA', `${file}:${lineNo}: ${cells.length} columns, expected ${width + 1} (as on the first line)`);
      let label = -1;
      let header = false;
      for (let c = 0, f = 0; c < cells.length; c++) {
        const v = Number(cells[c]);
        if (cells[c].trim() === '' || !Number.isFinite(v)) {
          if (lineNo === 1) {
            header = true;
            break;
          }
          fail('ERR_BAD_DATA', `${file}:${lineNo}:${c + 1}: ${JSON.stringify(cells[c])} in column ${c + 1} is not a finite number`);
        }
        if (c === labelAt) label = v;
        else values[f++] = v;
      }
      if (header) continue;
      if (!Number.isInteger(label) || label < 0 || label >= classes)
        fail('ERR_LABEL', `${file}:${lineNo}:${labelAt + 1}: label ${label} is not a class index in [0, ${classes})`);
      yield { values, label };
    }
  }

  return {
    features,
    [Symbol.asyncIterator]() {
      return assembleBatches(rows(features), features, [features], options, rng);
    },
  };
}

/** The number of feature columns (all but the label), from the file's first line (a few bytes read). */
function csvFeatureCount(file: string): number {
  const head = readFileHead(file, 1 << 16);
  const first = head.toString('utf8').split('\n')[0];
  if (head.length === 0 || first.trim() === '') fail('ERR_BAD_DATA', `${file}: empty (expected a header or a row of numbers)`);
  if (head.length === 1 << 16 && !head.includes(10)) fail('ERR_BAD_DATA', `${file}: first line longer than 64 KiB`);
  const columns = first.split(',').length;
  if (columns < 2) fail('ERR_BAD_DATA', `${file}: one column; expected features and a label`);
  return columns - 1;
}
