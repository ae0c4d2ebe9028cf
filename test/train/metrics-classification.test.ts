/** Classification metrics: argmax, accuracy, confusion matrix, precision/recall and their text form. */
import { describe, expect, it } from 'vitest';
import { NeuroblasError } from '../../lib/index.js';
import { accuracy, argmax, confusionMatrix, formatConfusionMatrix, precisionRecall } from '../../lib/train/metrics.js';

function code(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e instanceof NeuroblasError ? e.code : e;
  }
  return undefined;
}

// 4 rows × 3 classes; row 2 has a tie (first index wins), row 3 a NaN (counts as the largest).
const scores = new Float32Array([0.1, 2.0, -1.0, 3.0, 1.0, 0.0, 0.5, 0.5, 0.2, 0.0, NaN, 9.0]);

describe('argmax and accuracy', () => {
  it('argmax takes the first of equal scores and treats NaN as the largest', () => {
    expect(Array.from(argmax(scores, 4, 3))).toEqual([1, 0, 0, 1]);
  });

  it('argmax writes into a caller buffer (which may be longer) and returns it', () => {
    const out = new Int32Array(6).fill(-1);
    expect(argmax(scores, 2, 3, out)).toBe(out);
    expect(Array.from(out)).toEqual([1, 0, -1, -1, -1, -1]);
  });

  it('accuracy is the fraction of rows whose argmax is the label', () => {
    expect(accuracy(scores, new Int32Array([1, 0, 0, 1]), 4, 3)).toBe(1);
    expect(accuracy(scores, new Int32Array([1, 0, 1, 2]), 4, 3)).toBe(0.5);
    expect(accuracy(scores, new Int32Array([2, 2, 2, 2]), 4, 3)).toBe(0);
    expect(accuracy(scores, new Int32Array([1, 1]), 1, 3)).toBe(1); // only the first `rows` count
    expect(accuracy(scores, new Int32Array(0), 0, 3)).toBe(0);
  });

  it('works the same on probabilities as on logits', () => {
    const logits = new Float32Array([1, 2, 3, 3, 2, 1]);
    const probs = new Float32Array(6);
    for (let r = 0; r < 2; r++) {
      let s = 0;
      for (let j = 0; j < 3; j++) s += Math.exp(logits[r * 3 + j]);
      for (let j = 0; j < 3; j++) probs[r * 3 + j] = Math.exp(logits[r * 3 + j]) / s;
    }
    const labels = new Int32Array([2, 1]);
    expect(accuracy(probs, labels, 2, 3)).toBe(accuracy(logits, labels, 2, 3));
  });

  it('refuses sizes that do not fit', () => {
    expect(code(() => accuracy(scores, new Int32Array(4), 5, 3))).toBe('ERR_SHAPE');
    expect(code(() => accuracy(scores, new Int32Array(2), 4, 3))).toBe('ERR_SHAPE');
    expect(code(() => accuracy(scores, new Int32Array(4), 4, 0))).toBe('ERR_INVALID_ARG');
    expect(code(() => argmax(scores, 1.5, 3))).toBe('ERR_INVALID_ARG');
    expect(code(() => argmax(scores, 4, 3, new Int32Array(3)))).toBe('ERR_SHAPE');
  });
});

describe('confusion matrix', () => {
  const labels = new Int32Array([0, 0, 0, 1, 1, 2, 2, 2]);
  const pred = new Int32Array([0, 0, 1, 1, 0, 2, 2, 1]);

  it('counts (true, predicted) pairs, rows = true class', () => {
    const m = confusionMatrix(pred, labels, 3);
    expect(m.classes).toBe(3);
    expect(Array.from(m.counts)).toEqual([2, 1, 0, 1, 1, 0, 0, 1, 2]);
    expect(Array.from(confusionMatrix(pred, labels, 3, 3).counts)).toEqual([2, 1, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('precision per predicted column, recall per true row; NaN where undefined', () => {
    const { precision, recall } = precisionRecall(confusionMatrix(pred, labels, 3));
    expect(Array.from(precision)).toEqual([2 / 3, 1 / 3, 1]);
    expect(Array.from(recall)).toEqual([2 / 3, 1 / 2, 2 / 3]);
    const empty = precisionRecall(confusionMatrix(new Int32Array([0]), new Int32Array([0]), 2));
    expect(Array.from(empty.precision)).toEqual([1, NaN]);
    expect(Array.from(empty.recall)).toEqual([1, NaN]);
  });

  it('refuses labels or predictions outside [0, classes)', () => {
    expect(code(() => confusionMatrix(new Int32Array([0, 3]), new Int32Array([0, 1]), 3))).toBe('ERR_LABEL');
    expect(code(() => confusionMatrix(new Int32Array([0, 1]), new Int32Array([-1, 1]), 3))).toBe('ERR_LABEL');
    expect(code(() => confusionMatrix(new Int32Array([0]), new Int32Array([0, 1]), 3))).toBe('ERR_SHAPE');
    expect(code(() => confusionMatrix(pred, labels, 0))).toBe('ERR_INVALID_ARG');
  });

  it('prints the matrix with recall per row and precision per column', () => {
    const text = formatConfusionMatrix(confusionMatrix(pred, labels, 3));
    expect(text).toBe(
      [
        'true\\pred      0      1      2 | recall',
        '0              2      1      0 |  66.7%',
        '1              1      1      0 |  50.0%',
        '2              0      1      2 |  66.7%',
        'precision  66.7%  33.3% 100.0%',
      ].join('\n'),
    );
  });

  it('prints class names, and a dash for an undefined precision or recall', () => {
    const text = formatConfusionMatrix(confusionMatrix(new Int32Array([0, 0]), new Int32Array([0, 0]), 2), ['cat', 'T-shirt/top']);
    const lines = text.split('\n');
    expect(lines[0]).toBe('true\\pred           cat T-shirt/top | recall');
    expect(lines[1]).toBe('cat                   2           0 | 100.0%');
    expect(lines[2]).toBe('T-shirt/top           0           0 |      —');
    expect(lines[3]).toBe('precision        100.0%           —');
    expect(code(() => formatConfusionMatrix(confusionMatrix(pred, labels, 3), ['a']))).toBe('ERR_SHAPE');
  });
});
