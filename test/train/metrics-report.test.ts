/**
 * Precision/recall/F1 per class with macro and weighted averages, top-k accuracy and ROC AUC, from the package's
 * entry point. Expected values are computed by hand from scikit-learn's definitions (precision_recall_fscore_support
 * with zero_division=0, roc_auc_score; scikit-learn is not installed here) and, for top-k, by torch.topk:
 * test/fixtures/reference/topk.json, written by test/train/metrics-topk-reference.py (PyTorch 1.13).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { accuracy, classificationReport, confusionMatrix, NeuroblasError, Random, rocAuc, topKAccuracy } from '../../lib/index.js';

function code(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e instanceof NeuroblasError ? e.code : e;
  }
  return undefined;
}

describe('classificationReport', () => {
  it('gives per-class precision, recall, F1, support and their macro and weighted averages', () => {
    const labels = new Int32Array([0, 0, 0, 1, 1, 2, 2, 2]);
    const pred = new Int32Array([0, 0, 1, 1, 0, 2, 2, 1]);
    const r = classificationReport(confusionMatrix(pred, labels, 3));
    expect(Array.from(r.precision)).toEqual([2 / 3, 1 / 3, 1]);
    expect(Array.from(r.recall)).toEqual([2 / 3, 1 / 2, 2 / 3]);
    expect(Array.from(r.f1).map((v) => +v.toFixed(12))).toEqual([+(2 / 3).toFixed(12), 0.4, 0.8]);
    expect(Array.from(r.support)).toEqual([3, 2, 3]);
    expect(r.macro.precision).toBeCloseTo(2 / 3, 12);
    expect(r.macro.recall).toBeCloseTo(11 / 18, 12);
    expect(r.macro.f1).toBeCloseTo(28 / 45, 12);
    expect(r.weighted.precision).toBeCloseTo(17 / 24, 12);
    expect(r.weighted.recall).toBeCloseTo(5 / 8, 12); // weighted recall is accuracy
    expect(r.weighted.f1).toBeCloseTo(0.65, 12);
  });

  it('counts 0 for a zero division (no NaN) and averages macro over the classes that occur', () => {
    // Class 1 is predicted but never true, class 2 true but never predicted, class 3 absent from both.
    const r = classificationReport(confusionMatrix(new Int32Array([0, 1, 0]), new Int32Array([0, 0, 2]), 4));
    expect(Array.from(r.precision)).toEqual([0.5, 0, 0, 0]);
    expect(Array.from(r.recall)).toEqual([0.5, 0, 0, 0]);
    expect(Array.from(r.f1)).toEqual([0.5, 0, 0, 0]);
    expect(r.macro).toEqual({ precision: 0.5 / 3, recall: 0.5 / 3, f1: 0.5 / 3 });
    expect(r.weighted.precision).toBeCloseTo(1 / 3, 12);
    expect(r.weighted.f1).toBeCloseTo(1 / 3, 12);
    const empty = classificationReport(confusionMatrix(new Int32Array(0), new Int32Array(0), 2));
    expect(empty.macro).toEqual({ precision: 0, recall: 0, f1: 0 });
    expect(empty.weighted).toEqual({ precision: 0, recall: 0, f1: 0 });
  });
});

describe('topKAccuracy', () => {
  const scores = new Float32Array([0.1, 2.0, -1.0, 3.0, 1.0, 0.0, 0.5, 0.5, 0.2, 0.0, NaN, 9.0]);

  it('counts a row when its label is among the k largest; ties to the lowest index, NaN the largest', () => {
    const labels = new Int32Array([0, 2, 1, 2]);
    expect(topKAccuracy(scores, labels, 4, 3, 1)).toBe(0);
    expect(topKAccuracy(scores, labels, 4, 3, 2)).toBe(0.75);
    expect(topKAccuracy(scores, labels, 4, 3, 3)).toBe(1);
    expect(topKAccuracy(scores, labels, 4, 3, 7)).toBe(1);
    expect(topKAccuracy(scores, new Int32Array([1, 0, 0, 1]), 4, 3, 1)).toBe(1); // NaN label score, tie to index 0
  });

  it('equals accuracy at k = 1', () => {
    for (const labels of [
      [1, 0, 0, 1],
      [0, 1, 2, 2],
      [2, 2, 1, 0],
    ]) {
      const l = Int32Array.from(labels);
      expect(topKAccuracy(scores, l, 4, 3, 1)).toBe(accuracy(scores, l, 4, 3));
    }
  });

  it('matches torch.topk on odd sizes, with NaN', () => {
    const ref = JSON.parse(readFileSync(new URL('../fixtures/reference/topk.json', import.meta.url), 'utf8')) as {
      cases: { rows: number; classes: number; scores: (number | null)[]; labels: number[]; accuracy: Record<string, number> }[];
    };
    expect(ref.cases.length).toBe(3);
    for (const c of ref.cases) {
      const s = Float32Array.from(c.scores, (v) => (v === null ? NaN : v));
      const l = Int32Array.from(c.labels);
      for (const [k, want] of Object.entries(c.accuracy)) expect(topKAccuracy(s, l, c.rows, c.classes, Number(k))).toBeCloseTo(want, 6);
    }
  });

  it('refuses a bad k, short arrays and labels out of range', () => {
    expect(code(() => topKAccuracy(scores, new Int32Array(4), 4, 3, 0))).toBe('ERR_INVALID_ARG');
    expect(code(() => topKAccuracy(scores, new Int32Array(4), 4, 3, 1.5))).toBe('ERR_INVALID_ARG');
    expect(code(() => topKAccuracy(scores, new Int32Array(2), 4, 3, 1))).toBe('ERR_SHAPE');
    expect(code(() => topKAccuracy(scores, new Int32Array([0, 0, 3, 0]), 4, 3, 1))).toBe('ERR_LABEL');
    expect(topKAccuracy(scores, new Int32Array(0), 0, 3, 2)).toBe(0);
  });
});

/** The Mann–Whitney statistic by brute force over every (positive, negative) pair: ties count half. */
function pairwiseAuc(s: number[], labels: number[]): number {
  let sum = 0,
    pairs = 0;
  for (let i = 0; i < s.length; i++)
    for (let j = 0; j < s.length; j++)
      if (labels[i] === 1 && labels[j] === 0) {
        pairs++;
        sum += s[i] > s[j] ? 1 : s[i] === s[j] ? 0.5 : 0;
      }
  return sum / pairs;
}

describe('rocAuc', () => {
  it("gives scikit-learn's value on its documented example, with one score or two per row", () => {
    const labels = new Int32Array([0, 0, 1, 1]);
    expect(rocAuc(new Float32Array([0.1, 0.4, 0.35, 0.8]), labels, 4)).toBe(0.75);
    expect(rocAuc(new Float32Array([0, 0.1, 0, 0.4, 1, 1.35, 0, 0.8]), labels, 4, 2)).toBe(0.75);
    expect(rocAuc(new Float32Array([0.9, 0.1, 0.6, 0.4, 0.65, 0.35, 0.2, 0.8]), labels, 4, 2)).toBe(0.75); // probabilities
    expect(rocAuc(new Float32Array([0.8, 0.9, 0.1, 0.2]), labels, 4)).toBe(0); // perfectly wrong
  });

  it('counts ties half (Mann–Whitney), on odd sizes, as a pairwise count does', () => {
    expect(rocAuc(new Float32Array([0.5, 0.5, 0.5, 0.9]), new Int32Array([0, 1, 0, 1]), 4)).toBe(0.75);
    const rng = new Random(7);
    const rand = () => rng.random();
    for (const rows of [3, 17, 101]) {
      const s = Array.from({ length: rows }, () => Math.round(rand() * 8) / 8); // many ties
      const l = Array.from({ length: rows }, (_, i) => (i < 2 ? i : rand() < 0.4 ? 1 : 0));
      expect(rocAuc(Float32Array.from(s), Int32Array.from(l), rows)).toBeCloseTo(pairwiseAuc(s, l), 12);
    }
  });

  it('ranks NaN above every number, accepts float 0/1 targets, and is NaN with one class only', () => {
    expect(rocAuc(new Float32Array([NaN, 5, 1]), new Float32Array([1, 0, 0]), 3)).toBe(1);
    expect(rocAuc(new Float32Array([NaN, NaN, 1]), [1, 0, 0], 3)).toBe(0.75);
    expect(rocAuc(new Float32Array([0.2, 0.3]), new Int32Array([1, 1]), 2)).toBeNaN();
  });

  it('refuses labels other than 0 and 1, and more than two scores per row', () => {
    expect(code(() => rocAuc(new Float32Array([0.2, 0.3]), new Int32Array([1, 2]), 2))).toBe('ERR_LABEL');
    expect(code(() => rocAuc(new Float32Array([0.2, 0.3]), new Float32Array([1, 0.5]), 2))).toBe('ERR_LABEL');
    expect(code(() => rocAuc(new Float32Array(9), new Int32Array(3), 3, 3))).toBe('ERR_SHAPE');
  });
});
