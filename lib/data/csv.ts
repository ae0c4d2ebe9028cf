/**
 * CSV of numbers with a label column, for a user's own tabular data. One row per line, fields separated by
 * commas (surrounding spaces and double quotes are dropped), blank lines skipped. Every error names
 * `file:line:column` (1-based, as editors count) so the user can jump to the bad field.
 *
 * Labels become class indices by one rule, and `labelsToClasses` says which way it went (`LabelInference`, for
 * the one line the CLI prints): integers that are exactly 0..k−1 are the class indices; any other set of integers
 * (100/200/300, −1/0/1, 1..k, 0/1/3) are class *names*, in numeric order (one integer written two ways, "1" and
 * "1.0", is one class); other labels are names too, numbers in numeric order, text in sorted order. Pass
 * `classNames` (or `classes`, for a model trained on indices) to map onto a model's classes instead, so a test file
 * that lacks a class maps the same way as the training file did.
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
  /**
   * Map labels onto these classes (a trained model's): by name (an integer by its value), or by index when the names
   * are not integers themselves.
   */
  classNames?: readonly string[];
  /** A model's class count, when it has no class names: every label must then be a class index below it. */
  classes?: number;
  /**
   * What the label column is: 'classification' (classes), 'regression' (numbers, read as float targets), or 'auto'
   * (the default): regression when the labels are numbers that are not all integers, else classification.
   */
  task?: 'auto' | 'classification' | 'regression';
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
  options: Omit<CsvOptions, 'labelColumn' | 'classNames' | 'classes'> & { labelColumn?: string | number | null } = {},
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

/**
 * How the labels became classes: 'indices' (integers exactly 0..k−1), 'integers' (other integers, names in numeric
 * order), 'numbers' (numbers not all integers, names in numeric order), 'names' (text, sorted), 'model' (mapped
 * onto a model's classes).
 */
export interface LabelInference {
  /** 'targets': a regression's numbers (`range` says which). */
  kind: 'indices' | 'integers' | 'numbers' | 'names' | 'model' | 'targets';
  /** The label column as the user would name it: "'species'" from the header, else its 1-based number. */
  column: string;
  classes: number;
  rows: number;
  /** Class names in index order (all but 'indices'). */
  classNames?: string[];
  /** 'numbers': the first label that is not an integer, and where it is. */
  example?: { text: string; line: number; column: number };
  /** 'targets': the smallest and largest target, and whether the task was inferred (not asked for with task). */
  range?: { min: number; max: number; inferred: boolean };
}

function labelError(t: CsvTable, row: number, problem: string): never {
  throw new NeuroblasError('ERR_LABEL', `${t.file}:${t.labelLines[row]}:${t.labelColumns[row]}: ${problem}`);
}

/** The label as an integer, or null when it is not a number with an integer value ("3", "+3", "3.0", "3e0"). */
function integerValue(s: string): number | null {
  if (!isNumber(s)) return null;
  const v = Number(s);
  return Number.isInteger(v) ? v : null;
}

function labelColumnName(t: CsvTable): string {
  const i = t.labelIndex ?? 0;
  return t.header ? `'${t.header[i]}'` : String(i + 1);
}

function toModelClasses(t: CsvTable, classNames: readonly string[] | undefined, classes: number | undefined) {
  const y = new Int32Array(t.rows);
  if (classNames === undefined) {
    const n = classes!;
    for (let r = 0; r < t.rows; r++) {
      const v = integerValue(t.labels[r]);
      if (v === null || v < 0 || v >= n)
        labelError(
          t,
          r,
          `label "${t.labels[r]}" is not a class index of the model (0..${n - 1}): it was trained on class indices, without names`,
        );
      y[r] = v;
    }
    return y;
  }
  const index = new Map(classNames.map((n, i) => [n, i]));
  // Integer names ("100", "-1") match by value; a position would be a different class, so only text names take one.
  const integerNames = classNames.every((n) => integerValue(n) !== null);
  const byValue = new Map(integerNames ? classNames.map((n, i) => [integerValue(n)!, i]) : []);
  for (let r = 0; r < t.rows; r++) {
    const s = t.labels[r];
    const v = integerValue(s);
    const named = index.get(s) ?? (v === null ? undefined : byValue.get(v));
    if (named !== undefined) y[r] = named;
    else if (!integerNames && v !== null && v >= 0 && v < classNames.length) y[r] = v;
    else labelError(t, r, `label "${s}" is not one of the model's ${classNames.length} classes (${classNames.join(', ')})`);
  }
  return y;
}

/** Maps the label fields of a table to class indices (see the module comment for the rule) and says how. */
export function labelsToClasses(
  t: CsvTable,
  classNames?: readonly string[],
  classes?: number,
): { y: Int32Array; classes: number; classNames?: string[]; inference: LabelInference } {
  const column = labelColumnName(t);
  if (classNames !== undefined || classes !== undefined) {
    const y = toModelClasses(t, classNames, classes);
    const n = classNames?.length ?? classes!;
    const names = classNames ? [...classNames] : undefined;
    return { y, classes: n, classNames: names, inference: { kind: 'model', column, classes: n, rows: t.rows, classNames: names } };
  }
  const y = new Int32Array(t.rows);
  const values = t.labels.map(integerValue);
  if (values.every((v) => v !== null)) {
    const distinct = [...new Set(values as number[])].sort((a, b) => a - b);
    if (distinct.every((v, i) => v === i)) {
      for (let r = 0; r < t.rows; r++) y[r] = values[r]!;
      return { y, classes: distinct.length, inference: { kind: 'indices', column, classes: distinct.length, rows: t.rows } };
    }
    const index = new Map(distinct.map((v, i) => [v, i]));
    for (let r = 0; r < t.rows; r++) y[r] = index.get(values[r]!)!;
    const names = distinct.map(String);
    return {
      y,
      classes: names.length,
      classNames: names,
      inference: { kind: 'integers', column, classes: names.length, rows: t.rows, classNames: names },
    };
  }
  const distinct = [...new Set(t.labels)];
  const numeric = distinct.every(isNumber);
  distinct.sort(numeric ? (a, b) => Number(a) - Number(b) : undefined);
  const index = new Map(distinct.map((n, i) => [n, i]));
  for (let r = 0; r < t.rows; r++) y[r] = index.get(t.labels[r])!;
  const inference: LabelInference = { kind: numeric ? 'numbers' : 'names', column, classes: distinct.length, rows: t.rows };
  inference.classNames = distinct;
  if (numeric) {
    const r = values.indexOf(null);
    inference.example = { text: t.labels[r], line: t.labelLines[r], column: t.labelColumns[r] };
  }
  return { y, classes: distinct.length, classNames: distinct, inference };
}

/** A regression's targets: every label field as a number (ERR_LABEL naming the first that is not one). */
export function labelsToTargets(t: CsvTable, inferred: boolean): { targets: Float32Array; inference: LabelInference } {
  const targets = new Float32Array(t.rows);
  let min = Infinity;
  let max = -Infinity;
  for (let r = 0; r < t.rows; r++) {
    const s = t.labels[r];
    if (!isNumber(s)) labelError(t, r, `target "${s}" is not a number (a regression's label column holds numbers)`);
    const v = Number(s);
    if (!Number.isFinite(Math.fround(v))) labelError(t, r, `target "${s}" does not fit in a float32`);
    targets[r] = v;
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  return { targets, inference: { kind: 'targets', column: labelColumnName(t), classes: 0, rows: t.rows, range: { min, max, inferred } } };
}

/** A labelled dataset from CSV text, and how its labels became classes (or, for a regression, targets). */
export function parseCsvLabelled(text: string, file = 'CSV data', options: CsvOptions = {}): { data: Dataset; labels: LabelInference } {
  const t = parseCsvTable(text, file, options);
  const task = options.task ?? 'auto';
  const modelClasses = options.classNames !== undefined || options.classes !== undefined;
  if (task === 'regression' && modelClasses)
    fail('ERR_INVALID_ARG', `${file}: a regression has targets, not classes; classNames and classes are for classification`);
  const autoRegression =
    task === 'auto' && !modelClasses && t.rows > 0 && t.labels.every(isNumber) && t.labels.some((s) => integerValue(s) === null);
  if (task === 'regression' || autoRegression) {
    const { targets, inference } = labelsToTargets(t, autoRegression);
    const data: Dataset = { x: t.x, y: new Int32Array(t.rows), rows: t.rows, features: t.features, classes: 0, sampleShape: [t.features] };
    data.targets = targets;
    return { data, labels: inference };
  }
  const { y, classes, classNames, inference } = labelsToClasses(t, options.classNames, options.classes);
  const data: Dataset = { x: t.x, y, rows: t.rows, features: t.features, classes, sampleShape: [t.features] };
  if (classNames) data.classNames = classNames;
  return { data, labels: inference };
}

export function parseCsv(text: string, file = 'CSV data', options: CsvOptions = {}): Dataset {
  return parseCsvLabelled(text, file, options).data;
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

/** A labelled dataset from a CSV file, and how its labels became classes. */
export function readCsvLabelled(file: string, options: CsvOptions = {}): { data: Dataset; labels: LabelInference } {
  return parseCsvLabelled(readCsvText(file), file, options);
}
