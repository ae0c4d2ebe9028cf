/**
 * The CSV reader: header detection, the label column by name or index, how labels become class indices,
 * and errors that point at file:line:column.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { csvColumnCount, labelsToClasses, parseCsv, parseCsvLabelled, parseCsvTable, readCsv } from '../../lib/data/csv.js';
import { expectError } from '../helpers/errors.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'neuroblas-csv-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('parseCsv', () => {
  it('reads numbers row-major with the label in the last column by default; no header detected', () => {
    const d = parseCsv('1,2,0\n3.5,-4e1,2\n5,6,1\n', 'a.csv');
    expect(d.rows).toBe(3);
    expect(d.features).toBe(2);
    expect(Array.from(d.x)).toEqual([1, 2, 3.5, -40, 5, 6]);
    expect(Array.from(d.y)).toEqual([0, 2, 1]);
    expect(d.classes).toBe(3); // integer labels that are exactly 0..2 are class indices
    expect(d.classNames).toBeUndefined();
  });

  it('detects a header, skips blank lines, accepts CRLF, spaces and quotes', () => {
    const d = parseCsv('"a", b ,label\r\n\r\n 1 , "2", 1\r\n3,4,0\r\n\r\n', 'h.csv');
    expect(d.rows).toBe(2);
    expect(Array.from(d.x)).toEqual([1, 2, 3, 4]);
    expect(Array.from(d.y)).toEqual([1, 0]);
  });

  it('text labels become sorted class names; their positions the indices', () => {
    const d = parseCsv('x,species\n1,virginica\n2,setosa\n3,versicolor\n4,setosa\n', 'iris.csv');
    expect(d.classNames).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(Array.from(d.y)).toEqual([2, 0, 1, 0]);
    expect(d.classes).toBe(3);
  });

  it('a first data line with a text label is not mistaken for a header', () => {
    const d = parseCsv('1,2,cat\n3,4,dog\n', 'pets.csv');
    expect(d.rows).toBe(2);
    expect(d.classNames).toEqual(['cat', 'dog']);
  });

  it("non-integer numeric labels are a regression's targets by default, and classes in numeric order when asked", () => {
    const auto = parseCsvLabelled('1,10.5\n2,2.5\n3,-1\n', 'n.csv');
    expect(Array.from(auto.data.targets!)).toEqual([10.5, 2.5, -1]);
    expect(auto.data.classes).toBe(0);
    expect(auto.labels).toMatchObject({ kind: 'targets', range: { min: -1, max: 10.5, inferred: true } });
    const d = parseCsv('1,10.5\n2,2.5\n3,-1\n', 'n.csv', { task: 'classification' });
    expect(d.classNames).toEqual(['-1', '2.5', '10.5']);
    expect(Array.from(d.y)).toEqual([2, 1, 0]);
    expect(d.targets).toBeUndefined();
  });

  it("task 'regression' reads integer labels as numbers too, and refuses a label that is not a number, naming where", () => {
    const r = parseCsvLabelled('a,b,y\n1,2,3750\n2,3,4000\n', 'p.csv', { task: 'regression' });
    expect(Array.from(r.data.targets!)).toEqual([3750, 4000]);
    expect(r.labels.range).toEqual({ min: 3750, max: 4000, inferred: false });
    // Integer labels stay classes unless a regression is asked for.
    expect(parseCsvLabelled('a,b,y\n1,2,3750\n2,3,4000\n', 'p.csv').data.targets).toBeUndefined();
    expect(() => parseCsvLabelled('a,b,y\n1,2,3.5\n2,3,heavy\n', 'p.csv', { task: 'regression' })).toThrow(
      /p\.csv:3:5: target "heavy" is not a number/,
    );
  });

  it('the label column by name, by index and by negative index', () => {
    const text = 'label,f1,f2\n1,10,20\n0,30,40\n';
    for (const labelColumn of ['label', 0, -3] as const) {
      const d = parseCsv(text, 't.csv', { labelColumn });
      expect(Array.from(d.x)).toEqual([10, 20, 30, 40]);
      expect(Array.from(d.y)).toEqual([1, 0]);
    }
  });

  it('header: true reads a header of numeric names; header: false refuses a text line', () => {
    const d = parseCsv('0,1,2\n5,6,1\n', 'p.csv', { header: true });
    expect(d.rows).toBe(1);
    expectError(() => parseCsv('a,b,c\n5,6,1\n', 'q.csv', { header: false }), 'ERR_IO', /q\.csv:1:1: "a" in column 1 is not a number/);
  });

  it("classNames maps labels onto a model's classes, by name or integer index", () => {
    const d = parseCsv('1,b\n2,a\n3,1\n', 'm.csv', { classNames: ['a', 'b', 'c'] });
    expect(Array.from(d.y)).toEqual([1, 0, 1]);
    expect(d.classes).toBe(3);
    expectError(
      () => parseCsv('1,b\n2,zebra\n', 'm.csv', { classNames: ['a', 'b'] }),
      'ERR_LABEL',
      /m\.csv:2:3: label "zebra" is not one of the model's 2 classes \(a, b\)/,
    );
  });

  it('a non-number names file:line:column and the column header', () => {
    expectError(
      () => parseCsv('h1,h2,y\n1,2,0\n3,  x4,1\n', 'bad.csv'),
      'ERR_IO',
      /^bad\.csv:3:5: "x4" in column 2 \(h2\) is not a number$/,
    );
    expectError(() => parseCsv('1,2,0\n1,,0\n', 'empty.csv'), 'ERR_IO', /empty\.csv:2:3: an empty field in column 2 is not a number/);
    expectError(() => parseCsv('1,2,0\n1,NaN,0\n', 'nan.csv'), 'ERR_IO', /nan\.csv:2:3: "NaN" in column 2 is not a number/);
    expectError(() => parseCsv('1,1e39,0\n', 'big.csv'), 'ERR_IO', /big\.csv:1:3: 1e39 does not fit a 32-bit float/);
  });

  it('ragged rows name the line, where it goes wrong, and the expected width', () => {
    expectError(() => parseCsv('1,2,0\n3,4,5,1\n', 'r.csv'), 'ERR_IO', /^r\.csv:2:7: 4 fields, expected 3 \(as on line 1\)$/);
    expectError(() => parseCsv('1,2,0\n\n3,4\n', 'r.csv'), 'ERR_IO', /^r\.csv:3:4: 2 fields, expected 3 \(as on line 1\)$/);
  });

  it('bad label columns and empty files are named', () => {
    expectError(
      () => parseCsv('a,b\n1,2\n', 'c.csv', { labelColumn: 'nope' }),
      'ERR_INVALID_ARG',
      /c\.csv: no column named "nope" in the header \(a, b\)/,
    );
    expectError(() => parseCsv('1,2\n', 'c.csv', { labelColumn: 5 }), 'ERR_INVALID_ARG', /c\.csv: label column 5 is outside the 2 columns/);
    expectError(() => parseCsv('1,2\n', 'c.csv', { labelColumn: 'y', header: false }), 'ERR_INVALID_ARG', /no header line/);
    expectError(() => parseCsv('\n\n', 'e.csv'), 'ERR_IO', /e\.csv: no data/);
    expectError(() => parseCsv('a,b\n', 'e.csv'), 'ERR_IO', /e\.csv: a header but no data rows/);
    expectError(() => parseCsv('1\n2\n', 'one.csv'), 'ERR_IO', /one\.csv:1: a single column/);
    expectError(() => parseCsv('1,2,0\n1,2,\n', 'l.csv'), 'ERR_IO', /l\.csv:2:5: empty label/);
  });
});

describe('parseCsvTable without labels, and readCsv', () => {
  it('labelColumn: null reads every column as a feature', () => {
    const t = parseCsvTable('a,b\n1,2\n3,4\n', 'f.csv', { labelColumn: null });
    expect(t.features).toBe(2);
    expect(t.featureNames).toEqual(['a', 'b']);
    expect(Array.from(t.x)).toEqual([1, 2, 3, 4]);
    expect(csvColumnCount('\n a,b,c\n1,2,3')).toBe(3);
  });

  it('readCsv reads a file; a missing file or a directory is ERR_IO naming it', () => {
    const file = path.join(dir, 'ok.csv');
    fs.writeFileSync(file, 'x1,x2,y\n0.5,1,1\n');
    const d = readCsv(file);
    expect(Array.from(d.x)).toEqual([0.5, 1]);
    expectError(() => readCsv(path.join(dir, 'missing.csv')), 'ERR_IO', /missing\.csv: no such file/);
    expectError(() => readCsv(dir), 'ERR_IO', /is a directory, expected a CSV file/);
  });
});

describe('how labels become classes (issue 12, item 7): one rule, stated', () => {
  const table = (labels: string[], header = 'f,species') =>
    parseCsvTable(`${header}\n${labels.map((l, i) => `${i},${l}`).join('\n')}\n`, 'l.csv');

  it('integers that are exactly 0..k−1 are class indices', () => {
    const { y, classes, classNames, inference } = labelsToClasses(table(['2', '0', '1', '1']));
    expect([Array.from(y), classes, classNames]).toEqual([[2, 0, 1, 1], 3, undefined]);
    expect(inference).toMatchObject({ kind: 'indices', column: "'species'", classes: 3, rows: 4 });
  });

  it('other integer sets (100/200/300, −1/0/1, 1..k, gaps) are class names in numeric order, not 301 classes', () => {
    const hundreds = labelsToClasses(table(['300', '100', '200', '100']));
    expect([Array.from(hundreds.y), hundreds.classes, hundreds.classNames]).toEqual([[2, 0, 1, 0], 3, ['100', '200', '300']]);
    expect(hundreds.inference.kind).toBe('integers');
    const signs = labelsToClasses(table(['1', '-1', '0', '+1']));
    expect([Array.from(signs.y), signs.classNames]).toEqual([
      [2, 0, 1, 2],
      ['-1', '0', '1'],
    ]);
    const oneBased = labelsToClasses(table(['1', '2', '3']));
    expect([Array.from(oneBased.y), oneBased.classNames]).toEqual([
      [0, 1, 2],
      ['1', '2', '3'],
    ]);
    const gap = labelsToClasses(table(['0', '1', '3']));
    expect([Array.from(gap.y), gap.classes, gap.classNames]).toEqual([[0, 1, 2], 3, ['0', '1', '3']]);
    // The same integer written two ways is one class.
    const written = labelsToClasses(table(['1.0', '1', '2', '2e0']));
    expect([Array.from(written.y), written.classNames]).toEqual([
      [0, 0, 1, 1],
      ['1', '2'],
    ]);
  });

  it('non-integer numbers and text say so, with where the first non-integer is', () => {
    const floats = labelsToClasses(table(['5', '0.2', '1.5']));
    expect(floats.inference).toMatchObject({ kind: 'numbers', classes: 3, example: { text: '0.2', line: 3 } });
    expect(labelsToClasses(table(['cat', 'dog'])).inference).toMatchObject({ kind: 'names', classNames: ['cat', 'dog'] });
    expect(labelsToClasses(parseCsvTable('1,0\n2,1\n', 'n.csv')).inference.column).toBe('2');
  });

  it("a model's classes: integer class names match by value, never by position; a model without names takes indices only", () => {
    const names = ['100', '200', '300'];
    expect(Array.from(labelsToClasses(table(['300', '100.0']), names).y)).toEqual([2, 0]);
    expectError(() => labelsToClasses(table(['2']), names), 'ERR_LABEL', /l\.csv:2:3: label "2" is not one of the model's 3 classes/);
    // Text names still accept an index.
    expect(Array.from(labelsToClasses(table(['1', 'a']), ['a', 'b']).y)).toEqual([1, 0]);
    // A model trained on indices 0..2: a file holding only 0 and 2 maps as indices, not as names.
    const indices = labelsToClasses(table(['2', '0']), undefined, 3);
    expect([Array.from(indices.y), indices.classes]).toEqual([[2, 0], 3]);
    expectError(
      () => labelsToClasses(table(['0', '3']), undefined, 3),
      'ERR_LABEL',
      /l\.csv:3:3: label "3" is not a class index of the model \(0\.\.2\)/,
    );
    expectError(() => labelsToClasses(table(['cat']), undefined, 3), 'ERR_LABEL', /label "cat" is not a class index/);
  });
});
