/**
 * One column of a CSV file as a time series, in file order (the rows are the time steps, oldest first): what
 * `neuroblas train --series-column` and `predict` read. The other columns may hold anything (dates, words); the
 * column read must hold numbers on every row, or the error names `file:line` (a gap in a series is not a value to
 * guess; a line of empty fields is such a gap, a blank line is skipped). A first line whose field in that column is not
 * a number is the header.
 */
import { fail } from '../errors.js';
import { readCsvText } from './csv.js';

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A CSV line's fields, trimmed, surrounding double quotes dropped (as lib/data/csv.ts reads them). */
function fields(line: string): string[] {
  return line.split(',').map((f) => {
    const t = f.trim();
    return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1).trim() : t;
  });
}

export interface SeriesColumn {
  values: Float64Array;
  /** The column's header name, or its index as text when the file has no header. */
  name: string;
}

/** The values of `column` (a header name, or a 0-based index, negative from the end) in `content`. */
export function parseSeriesColumn(content: string, file: string, column: string | number): SeriesColumn {
  const lines = content.replace(/^\uFEFF/, '').split(/\r?\n/);
  // Blank lines are skipped; a line of empty fields (",") is a row with a gap.
  const rows = lines.flatMap((l, i) => (l.trim() === '' ? [] : [{ line: i + 1, f: fields(l) }]));
  if (rows.length === 0) fail('ERR_BAD_DATA', `${file}: no rows`);
  const width = rows[0].f.length;
  let index: number;
  if (typeof column === 'number') {
    if (!Number.isInteger(column) || column >= width || column < -width)
      fail('ERR_INVALID_ARG', `${file}: series column ${column} is outside the ${width} columns (use 0..${width - 1})`);
    index = column < 0 ? width + column : column;
  } else {
    index = rows[0].f.indexOf(column);
    if (index < 0) fail('ERR_INVALID_ARG', `${file}: no column named "${column}" in the header (${rows[0].f.join(', ')})`);
  }
  const header = !NUMBER.test(rows[0].f[index] ?? '');
  const body = header ? rows.slice(1) : rows;
  const values = new Float64Array(body.length);
  body.forEach((r, k) => {
    const text = r.f[index];
    if (text === undefined || !NUMBER.test(text))
      fail(
        'ERR_BAD_DATA',
        `${file}:${r.line}: ${text === undefined || text === '' ? 'no value' : JSON.stringify(text)} in column ` +
          `${header ? `"${rows[0].f[index]}"` : index}, not a number (fill or drop the gap first)`,
      );
    values[k] = Number(text);
  });
  return { values, name: header ? rows[0].f[index] : String(index) };
}

export function readSeriesColumn(file: string, column: string | number): SeriesColumn {
  return parseSeriesColumn(readCsvText(file), file, column);
}
