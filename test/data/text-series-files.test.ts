/**
 * The two file readers behind `neuroblas train` on text and series: label<TAB>text lines (sorted class names, errors
 * at file:line, UTF-8 only) and one numeric column of a CSV as a series (header detected, a gap named by its line).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseSeriesColumn } from '../../lib/data/series-csv.js';
import { isTextDataFile, parseLabelledText, readLabelledText } from '../../lib/data/text.js';
import { expectError } from '../helpers/errors.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'neuroblas-textfiles-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('labelled text', () => {
  it('reads label<TAB>text lines: classes sorted, text after the first TAB kept whole, blank lines skipped', () => {
    const d = parseLabelledText('es\tHola\r\n\nde\tGuten\tTag\nes\t\n');
    expect(d.classNames).toEqual(['de', 'es']);
    expect(d.texts).toEqual(['Hola', 'Guten\tTag', '']);
    expect(Array.from(d.y)).toEqual([1, 0, 1]);
    expect(Array.from(parseLabelledText('x\ta\ny\tb', 'f', ['y', 'x']).y)).toEqual([1, 0]);
  });

  it('names the line of a mistake, and refuses labels outside given classes', () => {
    expectError(() => parseLabelledText('a\tfine\nno tab', 'f.tsv'), 'ERR_BAD_DATA', /^f\.tsv:2: no TAB/);
    expectError(() => parseLabelledText(' \tx', 'f.tsv'), 'ERR_BAD_DATA', /f\.tsv:1: empty label/);
    expectError(() => parseLabelledText('\n\n', 'f.tsv'), 'ERR_BAD_DATA', /no label<TAB>text lines/);
    expectError(() => parseLabelledText('z\tx', 'f.tsv', ['a', 'b']), 'ERR_LABEL', /"z" is not one of the model's classes/);
  });

  it('reads UTF-8 files (a BOM dropped) and refuses other encodings', () => {
    const good = path.join(dir, 'good.tsv');
    fs.writeFileSync(good, '\uFEFFpt\tAção e reação\n');
    expect(readLabelledText(good).texts).toEqual(['Ação e reação']);
    const latin1 = path.join(dir, 'latin1.txt');
    fs.writeFileSync(latin1, Buffer.from([0x70, 0x74, 0x09, 0x41, 0xe7, 0xe3, 0x6f]));
    expectError(() => readLabelledText(latin1), 'ERR_BAD_DATA', /not UTF-8/);
    expectError(() => readLabelledText(path.join(dir, 'none.tsv')), 'ERR_IO', /no such file/);
    expect([isTextDataFile('a.TSV'), isTextDataFile('a.txt'), isTextDataFile('a.csv')]).toEqual([true, true, false]);
  });
});

describe('a CSV column as a series', () => {
  const csv = 'date,temp,sky\n2015-01-01,5.6,"sun"\n2015-01-02,-1e1,rain\n2015-01-03,+7.25,fog\n';

  it('reads the column by name or index, in file order, with or without a header', () => {
    expect(Array.from(parseSeriesColumn(csv, 'f', 'temp').values)).toEqual([5.6, -10, 7.25]);
    expect(parseSeriesColumn(csv, 'f', -2).name).toBe('temp');
    const bare = parseSeriesColumn('1,2\n3,4\n', 'f', 1);
    expect([Array.from(bare.values), bare.name]).toEqual([[2, 4], '1']);
  });

  it('names a gap or a word by its line, and an unknown column', () => {
    expectError(() => parseSeriesColumn('t\n1\n\n,\n', 'f.csv', 't'), 'ERR_BAD_DATA', /f\.csv:4: no value in column "t"/);
    expectError(() => parseSeriesColumn(csv, 'f.csv', 'sky'), 'ERR_BAD_DATA', /f\.csv:2: "sun" in column "sky", not a number/);
    expectError(
      () => parseSeriesColumn(csv, 'f.csv', 'rain'),
      'ERR_INVALID_ARG',
      /no column named "rain" in the header \(date, temp, sky\)/,
    );
    expectError(() => parseSeriesColumn(csv, 'f.csv', 5), 'ERR_INVALID_ARG', /outside the 3 columns/);
  });
});
