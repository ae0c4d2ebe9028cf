/**
 * User mistakes with the sequence layers: each is an error naming the layer, the argument and what it got, at the
 * constructor (sizes, options, unknown keys) or before any work (an input of the wrong rank, channels or length),
 * never a NaN or a crash later.
 */
import { describe, expect, it } from 'vitest';
import { AvgPool1d, Conv1d, Dense, GlobalAvgPool2d, GlobalMaxPool1d, LayerNorm, MaxPool1d, Sequential, Tensor } from '../../lib/index.js';
import { expectError } from '../helpers/errors.js';

const zeros = (shape: number[]) => new Tensor(new Float32Array(shape.reduce((a, b) => a * b, 1)), shape);

describe('the sequence layers refuse bad arguments', () => {
  it('Conv1d: sizes, stride, padding, dilation, bias and unknown options', () => {
    expectError(() => new Conv1d(0, 4, 3), 'ERR_INVALID_ARG', /inChannels must be an integer >= 1, got 0/);
    expectError(() => new Conv1d(2, 4.5, 3), 'ERR_INVALID_ARG', /outChannels must be an integer >= 1, got 4.5/);
    expectError(() => new Conv1d(2, 4, [3, 3] as never), 'ERR_INVALID_ARG', /kernelSize must be an integer >= 1, got an array of 2/);
    expectError(() => new Conv1d(2, 4, 3, { stride: 0 }), 'ERR_INVALID_ARG', /stride must be an integer >= 1, got 0/);
    expectError(() => new Conv1d(2, 4, 3, { padding: -1 }), 'ERR_INVALID_ARG', /padding must be an integer >= 0, got -1/);
    expectError(() => new Conv1d(2, 4, 3, { dilation: 0 }), 'ERR_INVALID_ARG', /dilation must be an integer >= 1, got 0/);
    expectError(() => new Conv1d(2, 4, 3, { bias: 'no' as never }), 'ERR_INVALID_ARG', /bias must be a boolean/);
    expectError(() => new Conv1d(2, 4, 3, { dilations: 2 } as never), 'ERR_INVALID_ARG', /Conv1d: unknown option "dilations".*"dilation"/);
  });

  it('Conv1d: an input of the wrong rank, channels, or too short for the dilated kernel', () => {
    const conv = new Conv1d(2, 4, 3, { dilation: 3, name: 'c' });
    expectError(() => conv.forward(zeros([5, 2])), 'ERR_SHAPE', /c: expected input \[batch, 2, length\], got \[batch, 2\]/);
    expectError(() => conv.forward(zeros([5, 3, 10])), 'ERR_SHAPE', /c: expected input \[batch, 2, length\], got \[batch, 3, 10\]/);
    expectError(() => conv.forward(zeros([5, 2, 6])), 'ERR_SHAPE', /c: a kernel of 3 \(dilation 3, padding 0\) does not fit a length of 6/);
    expect(conv.forward(zeros([5, 2, 7])).shape).toEqual([5, 4, 1]);
  });

  it('pools: kernel, stride, padding over half the window, the input rank and length', () => {
    expectError(() => new MaxPool1d(0), 'ERR_INVALID_ARG', /kernelSize must be an integer >= 1, got 0/);
    expectError(() => new AvgPool1d(3, { stride: 1.5 }), 'ERR_INVALID_ARG', /stride must be an integer >= 1, got 1.5/);
    expectError(() => new MaxPool1d(3, { padding: 2 }), 'ERR_INVALID_ARG', /padding must be at most half the kernel size \(3\), got 2/);
    expectError(
      () => new MaxPool1d(4, { name: 'p' }).forward(zeros([2, 3, 3])),
      'ERR_SHAPE',
      /p: a window of 4 \(padding 0\) does not fit a length of 3/,
    );
    expectError(() => new AvgPool1d(2, { name: 'q' }).forward(zeros([2, 6])), 'ERR_SHAPE', /q: expected input \[batch, channels, length\]/);
    expectError(
      () => new GlobalMaxPool1d({ name: 'g' }).forward(zeros([2, 3, 4, 4])),
      'ERR_SHAPE',
      /g: expected input \[batch, channels, length\]/,
    );
    expectError(
      () => new GlobalAvgPool2d({ name: 'h' }).forward(zeros([2, 3, 4])),
      'ERR_SHAPE',
      /h: expected input \[batch, channels, height, width\]/,
    );
  });

  it('LayerNorm: normalizedShape, eps, elementwiseAffine, unknown options, and an input whose last dimension differs', () => {
    expectError(
      () => new LayerNorm(0),
      'ERR_INVALID_ARG',
      /normalizedShape \(the size of the last dimension\) must be a positive integer, got 0/,
    );
    expectError(() => new LayerNorm([2, 3] as never), 'ERR_INVALID_ARG', /normalizedShape .* got an array of 2/);
    expectError(() => new LayerNorm(4, { eps: 0 }), 'ERR_INVALID_ARG', /eps must be > 0, got 0/);
    expectError(() => new LayerNorm(4, { eps: Number.NaN }), 'ERR_INVALID_ARG', /eps must be a finite number, got NaN/);
    expectError(() => new LayerNorm(4, { elementwiseAffine: 1 as never }), 'ERR_INVALID_ARG', /elementwiseAffine must be a boolean, got 1/);
    expectError(() => new LayerNorm(4, { affine: false } as never), 'ERR_INVALID_ARG', /LayerNorm: unknown option "affine"/);
    const ln = new LayerNorm(4, { name: 'ln' });
    expectError(() => ln.forward(zeros([2, 5])), 'ERR_SHAPE', /ln: expected input \[batch, 4\] or \[batch, time, 4\], got \[batch, 5\]/);
    expectError(() => ln.forward(zeros([2, 3, 3, 4])), 'ERR_SHAPE', /ln: expected input .* got \[batch, 3, 3, 4\]/);
  });

  it('a Sequential names the layer whose input does not fit, before any work', () => {
    const model = new Sequential([new Conv1d(1, 4, 3), new GlobalMaxPool1d(), new Dense(5, 2, { name: 'head' })]);
    expectError(() => model.outputShape([1, 10]), 'ERR_SHAPE', /head: expected input with 5 features, got 4/);
  });
});
