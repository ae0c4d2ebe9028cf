/**
 * CSV of numbers with a label column, for a user's own tabular data. One row per line, fields separated by
 * commas (surrounding spaces and double quotes are dropped), blank lines skipped. Every error names
 * `file:line:column` (1-based, as editors count) so the user can jump to the bad field.
 *
 * Labels become class indices: when every label is a non-negative integer it *is* the class index (so a test
 * file that lacks a class still maps the same way as the training file); otherwise the distinct labels, sorted,
 * are the class names and their positions the indices. Pass `classNames` to map onto a model's classes instead.
 */
import fs from 'node:fs';
import { NeuroblasError, describeFsError, fail } from '../errors.js';
import type { Dataset } from './dataset.js';

export interface CsvOptions {
  /** The label column: its header name, or its 0-based index (negative counts from the end). Default: the last. */
  labelColumn?: string | number;
  /**
   * Whether the first line names the columns. Default: detected — a first line with a field outside the label
   * column that is not a number is a header (pass `true` when the names are themselves numbers).
   */
  header?: boolean;
  /** Map labels onto these classes (a trained model's), by exact name or, when they are integers, by index. */
  classNames?: readonly string[];
}

/** The parsed table before labels are mapped: feature values row-major, the label fields as text. */
export interface CsvTable {
  file: string;
  header: string[] | null;
  /** Names of the feature columns (from the header, else "column N"). */
  featureNames: string[];
  rows: number;
  features: number;
  x: Float32Array;
  /** The label column's index in the file, or null when read without labels. */
  labelIndex: number | null;
  labels: string[];
  /** Where each label sits, for error messages: its line and 1-based column. */
  labelLines: Int32Array;
  labelColumns: Int32Array;
}

interface Field {
  text: string;
  column: number; // 1-based character position of the field's first character
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function splitLine(line: string): Field[] {
  const fields: Field[] = [];
  let start = 0;
  for (;;) {
    const comma = line.indexOf(',', start);
    const end = comma === -1 ? line.length : comma;
    let text = line.slice(start, end).trim();
    if (text.length >= 2 && text.startsWith('"') && text.endsWith('"')) text = text.slice(1, -1).trim();
    const lead = line.slice(start, end).search(/\S/);
    fields.push({ text, column: start + 1 + Math.max(lead, 0) });
    if (comma === -1) return fields;
    start = comma + 1;
  }
}

function isNumber(text: string): boolean {
  return NUMBER.test(text);
}

function resolveLabelIndex(file: string, spec: string | number | undefined, header: string[] | null, width: number): number {
  if (spec === undefined) return width - 1;
  if (typeof spec === 'number') {
    if (!Number.isInteger(spec) || spec >= width || spec < -width) {
      fail(
        'ERR_INVALID_ARG',
        `${file}: label column ${spec} is outside the ${width} columns (use 0..${width - 1}, or negative from the end)`,
      );
    }
    return spec < 0 ? width + spec : spec;
  }
  if (header === null) fail('ERR_INVALID_ARG', `${file}: label column "${spec}" is a name, but the file has no header line`);
  const i = header.indexOf(spec);
  if (i === -1) fail('ERR_INVALID_ARG', `${file}: no column named "${spec}" in the header (${header.join(', ')})`);
  return i;
}

/**
 * Parses CSV text into features and label fields. `labelColumn: null` reads every column as a feature
 * (for files of inputs to predict on).
 */
export function parseCsvTable(
  text: string,
  file = 'CSV data',
  options: Omit<CsvOptions, 'labelColumn' | 'classNames'> & { labelColumn?: string | number | null } = {},
): CsvTable {
  const lines = text.split(/\r?\n/);
  let first = lines.findIndex((l) => l.trim() !== '');
  if (first === -1) fail('ERR_IO', `${file}: no data (the file is empty)`);
  const firstFields = splitLine(lines[first]);
  const width = firstFields.length;
  const withLabels = options.labelColumn !== null;
  if (withLabels && width < 2) fail('ERR_IO', `${file}:${first + 1}: a single column; expected features and a label column`);

  // A label given by name implies a header; else a non-number outside the label column marks one.
  let header: string[] | null = null;
  const names = firstFields.map((f) => f.text);
  const byName = typeof options.labelColumn === 'string';
  const guessLabel = withLabels && !byName ? resolveLabelIndex(file, options.labelColumn ?? undefined, names, width) : -1;
  const hasHeader = options.header ?? (byName || firstFields.some((f, i) => i !== guessLabel && !isNumber(f.text)));
  if (hasHeader) {
    header = names;
    first++;
  }
  const labelIndex = withLabels ? resolveLabelIndex(file, options.labelColumn ?? undefined, header, width) : null;
  const features = labelIndex === null ? width : width - 1;
  const featureNames = Array.from({ length: width }, (_, i) => (header ? header[i] : `column ${i + 1}`)).filter((_, i) => i !== labelIndex);

  const capacity = lines.length - first;
  let x = new Float32Array(capacity * features);
  const labels: string[] = [];
  const labelLines = new Int32Array(capacity);
  const labelColumns = new Int32Array(capacity);
  let rows = 0;
  let widthLine = first + 1;
  for (let li = first; li < lines.length; li++) {
    const line = lines[li];
    if (line.trim() === '') continue;
    const lineNo = li + 1;
    const fields = splitLine(line);
    if (fields.length !== width) {
      const column = fields.length > width ? fields[width].column : line.length + 1;
      fail('ERR_IO', `${file}:${lineNo}:${column}: ${fields.length} fields, expected ${width} (as on line ${widthLine})`);
    }
    let k = rows * features;
    for (let c = 0; c < width; c++) {
      const f = fields[c];
      if (c === labelIndex) {
        if (f.text === '') fail('ERR_IO', `${file}:${lineNo}:${f.column}: empty label`);
        labels.push(f.text);
        labelLines[rows] = lineNo;
        labelColumns[rows] = f.column;
        continue;
      }
      if (!isNumber(f.text)) {
        const what = f.text === '' ? 'an empty field' : `"${f.text}"`;
        fail('ERR_IO', `${file}:${lineNo}:${f.column}: ${what} in column ${c + 1}${header ? ` (${header[c]})` : ''} is not a number`);
      }
      const v = Number(f.text);
      if (!Number.isFinite(v) || Math.abs(v) > 3.4028234663852886e38)
        fail('ERR_IO', `${file}:${lineNo}:${f.column}: ${f.text} does not fit a 32-bit float`);
      x[k++] = v;
    }
    rows++;
    widthLine = lineNo;
  }
  if (rows === 0) fail('ERR_IO', `${file}: a header but no data rows`);
  if (rows < capacity) x = x.slice(0, rows * features); // blank lines were skipped
  return {
    file,
    header,
    featureNames,
    rows,
    features,
    x,
    labelIndex,
    labels,
    labelLines: labelLines.slice(0, rows),
    labelColumns: labelColumns.slice(0, rows),
  };
}

const INTEGER = /^\+?\d+$/;
/** Integer labels above this are surely not class indices (a 1e6-wide output layer is no classifier). */
const MAX_INTEGER_CLASSES = 100_000;

function labelError(t: CsvTable, row: number, problem: string): never {
  throw new NeuroblasError('ERR_LABEL', `${t.file}:${t.labelLines[row]}:${t.labelColumns[row]}: ${problem}`);
}

/** Maps the label fields of a table to class indices (see the module comment for the rules). */
export function labelsToClasses(t: CsvTable, classNames?: readonly string[]): { y: Int32Array; classes: number; classNames?: string[] } {
  const y = new Int32Array(t.rows);
  if (classNames !== undefined) {
    const index = new Map(classNames.map((n, i) => [n, i]));
    for (let r = 0; r < t.rows; r++) {
      const s = t.labels[r];
      const named = index.get(s);
      if (named !== undefined) y[r] = named;
      else if (INTEGER.test(s) && Number(s) < classNames.length) y[r] = Number(s);
      else labelError(t, r, `label "${s}" is not one of the model's ${classNames.length} classes (${classNames.join(', ')})`);
    }
    return { y, classes: classNames.length, classNames: [...classNames] };
  }
  if (t.labels.every((s) => INTEGER.test(s))) {
    let classes = 0;
    for (let r = 0; r < t.rows; r++) {
      const v = Number(t.labels[r]);
      if (v >= MAX_INTEGER_CLASSES)
        labelError(t, r, `integer label ${v} is too large to be a class index (at most ${MAX_INTEGER_CLASSES - 1})`);
      y[r] = v;
      if (v + 1 > classes) classes = v + 1;
    }
    return { y, classes };
  }
  const distinct = [...new Set(t.labels)];
  const numeric = distinct.every(isNumber);
  distinct.sort(numeric ? (a, b) => Number(a) - Number(b) : undefined);
  const index = new Map(distinct.map((n, i) => [n, i]));
  for (let r = 0; r < t.rows; r++) y[r] = index.get(t.labels[r])!;
  return { y, classes: distinct.length, classNames: distinct };
}

export function parseCsv(text: string, file = 'CSV data', options: CsvOptions = {}): Dataset {
  const t = parseCsvTable(text, file, options);
  const { y, classes, classNames } = labelsToClasses(t, options.classNames);
  const ds: Dataset = { x: t.x, y, rows: t.rows, features: t.features, classes, sampleShape: [t.features] };
  if (classNames) ds.classNames = classNames;
  return ds;
}

/** Fields on the first non-blank line (0 for an empty text): tells a file of features from one with labels. */
export function csvColumnCount(text: string): number {
  const line = text.split(/\r?\n/).find((l) => l.trim() !== '');
  return line === undefined ? 0 : splitLine(line).length;
}

/** A file's text; ERR_IO naming the file when it cannot be read. */
export function readCsvText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const reason = code === 'EISDIR' ? 'is a directory, expected a CSV file' : describeFsError(e);
    throw new NeuroblasError('ERR_IO', `${file}: ${reason}`, { cause: e });
  }
}

/** A labelled dataset from a CSV file. */
export function readCsv(file: string, options: CsvOptions = {}): Dataset {
  return parseCsv(readCsvText(file), file, options);
}
