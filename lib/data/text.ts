/**
 * Labelled text for a text classifier: a UTF-8 file of `label<TAB>text` lines, one example a line (what the CLI
 * reads with `--data file.tsv` or `file.txt`). Blank lines are skipped; the text is everything after the first TAB
 * (it may hold more TABs); a line without a TAB, or with an empty label, is an ERR_BAD_DATA naming `file:line`.
 * Class names are the labels in code-unit order (sorted text), so the same file always gives the same indices.
 */
import fs from 'node:fs';
import { describeFsError, fail, NeuroblasError } from '../errors.js';

export interface LabelledText {
  texts: string[];
  /** Class index per text. */
  y: Int32Array;
  /** Class names by index, sorted. */
  classNames: string[];
}

/** The texts and labels of `label<TAB>text` lines. */
export function parseLabelledText(content: string, file = 'text data', classNames?: readonly string[]): LabelledText {
  const texts: string[] = [];
  const labels: string[] = [];
  const lines = content.split(/\r?\n/);
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    const tab = line.indexOf('\t');
    if (tab < 0) fail('ERR_BAD_DATA', `${file}:${i + 1}: no TAB; each line is label<TAB>text`);
    const label = line.slice(0, tab).trim();
    if (label === '') fail('ERR_BAD_DATA', `${file}:${i + 1}: empty label before the TAB; each line is label<TAB>text`);
    labels.push(label);
    texts.push(line.slice(tab + 1));
  });
  if (texts.length === 0) fail('ERR_BAD_DATA', `${file}: no label<TAB>text lines`);
  const names = classNames ? [...classNames] : [...new Set(labels)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const index = new Map(names.map((n, i) => [n, i]));
  const y = new Int32Array(labels.length);
  labels.forEach((l, r) => {
    const c = index.get(l);
    if (c === undefined) fail('ERR_LABEL', `${file}: label ${JSON.stringify(l)} is not one of the model's classes (${names.join(', ')})`);
    y[r] = c;
  });
  return { texts, y, classNames: names };
}

/** parseLabelledText on a file's content (ERR_IO when it cannot be read, ERR_BAD_DATA when it is not UTF-8). */
export function readLabelledText(file: string, classNames?: readonly string[]): LabelledText {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new NeuroblasError('ERR_IO', `${file}: ${code === 'EISDIR' ? 'is a directory, expected a text file' : describeFsError(e)}`, {
      cause: e,
    });
  }
  let content: string;
  try {
    content = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (e) {
    throw new NeuroblasError('ERR_BAD_DATA', `${file}: not UTF-8 text`, { cause: e });
  }
  return parseLabelledText(content.replace(/^\uFEFF/, ''), file, classNames);
}

/** Whether `--data` names a labelled-text file (by its extension). */
export function isTextDataFile(file: string): boolean {
  return /\.(tsv|txt)$/i.test(file);
}
