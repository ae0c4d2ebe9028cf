/**
 * The backend contract: every hot loop training needs, and nothing else, as one table. Each kernel is declared
 * once, here: its arguments in order, with their kind, the length each buffer must have and which outputs may
 * be which inputs. The `Backend` type, the argument checks both backends run behind (checked.ts) and the
 * native addon's calling convention (native.ts) all come from this table.
 *
 * `js` (lib/backend/js/) is the specification; `native` (native/, C++ over OpenBLAS) must match it.
 * Conventions for every kernel: matrices are row-major; sizes come first and are explicit, so a buffer may be
 * longer than needed (reused batch buffers); outputs are caller-owned and written in place; kernels allocate
 * nothing. An output never overlaps another array argument, except that it may be exactly an input listed in
 * its `same` (an in-place elementwise call).
 *
 * Adding a kernel: its entry here, its js function (exported under the same name from a file in js/), its C++
 * binding (registered with NB_EXPORT in a native/*.cc), and its tests.
 */
import {
  activation,
  anyNumber,
  boolean,
  f32,
  i32,
  integer,
  kernel,
  number,
  options,
  size,
  u8,
  type KernelFunction,
  type OptionsObject,
} from './kernel-spec.js';
import {
  convGeometry,
  labelsInRange,
  maxPoolArgmaxInPlane,
  needsZ,
  poolGeometry,
  rowsInRange,
  requireAdamState,
  requireRmspropState,
  requireSgdState,
  trainingStatistics,
  validActivation,
  validClasses,
  conv1dGeometry,
  pool1dGeometry,
  maxPool1dArgmaxInRow,
  positivePower,
  orderedBounds,
} from './kernel-rules.js';
import { gruGates, indicesInRange, lstmGates } from './sequence-rules.js';

export { ACTIVATION_KINDS, type ActivationKind } from './kernel-spec.js';

// Optimizer hyper-parameters, in the order the native addon takes them.
const SGD = [
  ['lr', 'number'],
  ['momentum', 'number'],
  ['dampening', 'number'],
  ['nesterov', 'boolean'],
  ['weightDecay', 'number'],
] as const;
const ADAM = [
  ['lr', 'number'],
  ['beta1', 'number'],
  ['beta2', 'number'],
  ['eps', 'number'],
  ['weightDecay', 'number'],
  ['decoupled', 'boolean'],
  ['amsgrad', 'boolean'],
] as const;
const RMSPROP = [
  ['lr', 'number'],
  ['alpha', 'number'],
  ['eps', 'number'],
  ['weightDecay', 'number'],
  ['momentum', 'number'],
  ['centered', 'boolean'],
] as const;
const ADAGRAD = [
  ['lr', 'number'],
  ['lrDecay', 'number'],
  ['weightDecay', 'number'],
  ['eps', 'number'],
] as const;
const ADADELTA = [
  ['lr', 'number'],
  ['rho', 'number'],
  ['eps', 'number'],
  ['weightDecay', 'number'],
] as const;
const ADAMAX = [
  ['lr', 'number'],
  ['beta1', 'number'],
  ['beta2', 'number'],
  ['eps', 'number'],
  ['weightDecay', 'number'],
] as const;
const NADAM = [
  ['lr', 'number'],
  ['beta1', 'number'],
  ['beta2', 'number'],
  ['eps', 'number'],
  ['weightDecay', 'number'],
  ['momentumDecay', 'number'],
] as const;
export type SgdOptions = OptionsObject<typeof SGD>;
export type AdamOptions = OptionsObject<typeof ADAM>;
export type RmspropOptions = OptionsObject<typeof RMSPROP>;
export type AdagradOptions = OptionsObject<typeof ADAGRAD>;
export type AdadeltaOptions = OptionsObject<typeof ADADELTA>;
export type AdamaxOptions = OptionsObject<typeof ADAMAX>;
export type NadamOptions = OptionsObject<typeof NADAM>;

const step = integer('step', 1, Number.MAX_SAFE_INTEGER, '>= 1');
// A convolution's or pooling's sizes; OH and OW (the output size per axis) are derived from them.
const image = [size('N'), size('C'), size('H'), size('W')] as const;
const convWindow = [size('O'), size('kh', 1), size('kw', 1), size('stride', 1), size('pad'), size('dilation', 1)] as const;
const poolImage = [size('N'), size('C'), size('H', 1), size('W', 1)] as const;
const poolWindow = [size('k', 1), size('stride', 1), size('pad')] as const;
// A 1-D convolution's or pooling's sizes over [N, C, L]; OW (the output length) is derived from them.
const sequence = [size('N'), size('C'), size('L')] as const;
const conv1dWindow = [size('O'), size('k', 1), size('stride', 1), size('pad'), size('dilation', 1)] as const;
const poolSequence = [size('N'), size('C'), size('L', 1), size('k', 1), size('stride', 1), size('pad')] as const;
// A recurrent layer-direction's sizes: batch, steps, input and hidden width, G = gates·H, and the direction.
const recurrentSizes = [size('B'), size('T'), size('I'), size('H'), size('G'), boolean('reverse')] as const;

export const KERNELS = {
  // ---- matrices (js/dense.ts, native/gemm.cc)
  /** C = alpha·op(A)·op(B) + beta·C; C is M×N, A is M×K (stored K×M when transA), B is K×N (N×K when transB).
   *  beta = 0 ignores C's contents. */
  sgemm: kernel({
    args: [
      boolean('transA'),
      boolean('transB'),
      size('M'),
      size('N'),
      size('K'),
      number('alpha'),
      f32('A', 'M*K'),
      f32('B', 'K*N'),
      number('beta'),
      f32('C', 'M*N', { output: true }),
    ],
  }),
  /** Y[i,j] += bias[j] for an M×N matrix. */
  biasAdd: kernel({ args: [size('M'), size('N'), f32('bias', 'N'), f32('Y', 'M*N', { output: true })] }),
  /** out[j] = beta·out[j] + Σ_i X[i,j]: the bias gradient (beta = 1 accumulates). */
  colSum: kernel({ args: [size('M'), size('N'), f32('X', 'M*N'), number('beta'), f32('out', 'N', { output: true })] }),
  /** Z = X·W + bias (X: M×K, W: K×N; the bias added to the rounded product, as PyTorch's addmm), Y = f(Z): a dense
   *  layer in one crossing. Z may be null (inference, or f linear): Y gets f(X·W + bias), f applied in place. */
  denseForward: kernel({
    args: [
      size('M'),
      size('N'),
      size('K'),
      f32('X', 'M*K'),
      f32('W', 'K*N'),
      f32('bias', 'N', { nullable: true }),
      activation('kind'),
      number('param'),
      f32('Z', 'M*N', { nullable: true, output: true }),
      f32('Y', 'M*N', { output: true }),
    ],
    rules: validActivation,
  }),
  /** The dense layer's whole backward in one crossing: dZ = dY·f'(Z) (dZ may be dY itself), dW = beta·dW + Xᵀ·dZ,
   *  dBias = beta·dBias + colsum(dZ) (when not null), dX = dZ·Wᵀ (when not null; the first layer needs none).
   *  Z may be null when f is linear. */
  denseBackward: kernel({
    args: [
      size('M'),
      size('N'),
      size('K'),
      f32('X', 'M*K'),
      f32('W', 'K*N'),
      activation('kind'),
      number('param'),
      f32('Z', 'M*N', { nullable: true }),
      f32('Y', 'M*N'),
      f32('dY', 'M*N'),
      f32('dZ', 'M*N', { same: ['dY'] }),
      number('beta'),
      f32('dW', 'K*N', { output: true }),
      f32('dBias', 'N', { nullable: true, output: true }),
      f32('dX', 'M*K', { nullable: true, output: true }),
    ],
    rules: (fn, v) => {
      validActivation(fn, v);
      needsZ(fn, v);
    },
  }),

  // ---- activations and softmax (js/activations.ts, js/softmax.ts; native/activations.cc, native/softmax.cc)
  /** Y = f(X) elementwise. `param` is the leaky-relu slope or the ELU alpha (ignored otherwise). */
  activationForward: kernel({
    args: [activation('kind'), number('param'), size('n'), f32('X', 'n'), f32('Y', 'n', { same: ['X'] })],
    rules: validActivation,
  }),
  /** dX = dY·f'(X), given the forward input X and output Y. */
  activationBackward: kernel({
    args: [
      activation('kind'),
      number('param'),
      size('n'),
      f32('X', 'n'),
      f32('Y', 'n'),
      f32('dY', 'n'),
      f32('dX', 'n', { same: ['dY', 'X', 'Y'] }),
    ],
    rules: validActivation,
  }),
  /** Row-wise softmax of an M×N matrix. */
  softmaxForward: kernel({ args: [size('M'), size('N'), f32('X', 'M*N'), f32('Y', 'M*N', { same: ['X'] })] }),
  /** Its backward: dX = Y ⊙ (dY − rowsum(dY ⊙ Y)). */
  softmaxBackward: kernel({ args: [size('M'), size('N'), f32('Y', 'M*N'), f32('dY', 'M*N'), f32('dX', 'M*N', { same: ['dY'] })] }),
  /** Row-wise log-softmax of an M×N matrix: Y = X − max − log Σ exp(X − max) per row. */
  logSoftmaxForward: kernel({ args: [size('M'), size('N'), f32('X', 'M*N'), f32('Y', 'M*N', { same: ['X'] })] }),
  /** Its backward: dX = dY − exp(Y)·rowsum(dY). */
  logSoftmaxBackward: kernel({
    args: [size('M'), size('N'), f32('Y', 'M*N'), f32('dY', 'M*N'), f32('dX', 'M*N', { same: ['dY'] })],
  }),

  // ---- losses (js/losses.ts, native/losses.cc): each returns the mean loss and writes its gradient
  /** Fused softmax + cross-entropy over M rows of N logits. Writes probabilities and d(mean loss)/d logits. */
  softmaxCrossEntropy: kernel({
    args: [
      size('M'),
      size('N'),
      f32('logits', 'M*N'),
      i32('labels', 'M'),
      f32('probs', 'M*N', { output: true }),
      f32('dLogits', 'M*N', { output: true }),
    ],
    returns: 'number',
    derive: validClasses,
    rules: labelsInRange,
  }),
  /** The same with a probability (or one-hot) target per row: loss = −Σ t·log p. */
  softmaxCrossEntropySoft: kernel({
    args: [
      size('M'),
      size('N'),
      f32('logits', 'M*N'),
      f32('targets', 'M*N'),
      f32('probs', 'M*N', { output: true }),
      f32('dLogits', 'M*N', { output: true }),
    ],
    returns: 'number',
  }),
  /** Binary cross-entropy on logits, mean over n elements; writes d(mean loss)/d logits. */
  sigmoidBce: kernel({
    args: [size('n'), f32('logits', 'n'), f32('targets', 'n'), f32('dLogits', 'n', { same: ['logits'] })],
    returns: 'number',
  }),
  /** Mean squared error over n elements; writes d(mean loss)/d pred. */
  mse: kernel({ args: [size('n'), f32('pred', 'n'), f32('target', 'n'), f32('dPred', 'n', { same: ['pred'] })], returns: 'number' }),
  /** Mean of scale·h(pred − target), h(d) = ½d²/beta when |d| < beta, else |d| − ½beta: beta 0 is L1, scale 1 smooth L1,
   *  scale = beta = delta Huber. Writes d(mean loss)/d pred. */
  smoothL1: kernel({
    args: [
      size('n'),
      number('beta', [0, Infinity, false]),
      number('scale', [0, Infinity, true]),
      f32('pred', 'n'),
      f32('target', 'n'),
      f32('dPred', 'n', { same: ['pred'] }),
    ],
    returns: 'number',
  }),
  /** Fused softmax cross-entropy with integer labels, label smoothing and a weight per class; the mean divides by the
   *  sum of the labels' weights (PyTorch's weighted mean). Writes probabilities and d(loss)/d logits. */
  softmaxCrossEntropyWeighted: kernel({
    args: [
      size('M'),
      size('N'),
      number('smoothing', [0, 1, false]),
      f32('logits', 'M*N'),
      i32('labels', 'M'),
      f32('weights', 'N'),
      f32('probs', 'M*N', { output: true }),
      f32('dLogits', 'M*N', { output: true }),
    ],
    returns: 'number',
    derive: validClasses,
    rules: labelsInRange,
  }),
  /** KL divergence Σ t·(log t − x) over M rows of N log-probabilities x, divided by M (batchmean); writes d loss/d x. */
  klDivBatchmean: kernel({
    args: [size('M'), size('N'), f32('input', 'M*N'), f32('target', 'M*N'), f32('dInput', 'M*N', { same: ['input'] })],
    returns: 'number',
  }),
  /** Binary cross-entropy on logits [M, N] with a positive-class weight per column, mean over M·N elements. */
  sigmoidBceWeighted: kernel({
    args: [
      size('M'),
      size('N'),
      f32('logits', 'M*N'),
      f32('targets', 'M*N'),
      f32('posWeight', 'N'),
      f32('dLogits', 'M*N', { same: ['logits'] }),
    ],
    returns: 'number',
  }),

  // ---- normalization and dropout (js/batchnorm.ts, js/dropout.ts; native/batchnorm.cc, native/dropout.cc)
  /** Batch normalization over M samples × C channels × S positions (S = 1 for dense features). When `training`,
   *  writes the batch mean and 1/sqrt(biased var + eps) into mean and invStd; otherwise reads them. */
  batchNormForward: kernel({
    args: [
      size('M'),
      size('C'),
      size('S'),
      f32('X', 'M*C*S'),
      f32('gamma', 'C'),
      f32('beta', 'C'),
      number('eps', [0, Infinity, false]),
      boolean('training'),
      f32('mean', 'C', { output: 'training' }),
      f32('invStd', 'C', { output: 'training' }),
      f32('Y', 'M*C*S', { output: true }),
    ],
    rules: trainingStatistics,
  }),
  /** Training-mode backward: writes dX and dGamma, dBeta (overwritten, not accumulated). */
  batchNormBackward: kernel({
    args: [
      size('M'),
      size('C'),
      size('S'),
      f32('X', 'M*C*S'),
      f32('mean', 'C'),
      f32('invStd', 'C'),
      f32('gamma', 'C'),
      f32('dY', 'M*C*S'),
      f32('dX', 'M*C*S', { output: true }),
      f32('dGamma', 'C', { output: true }),
      f32('dBeta', 'C', { output: true }),
    ],
  }),
  /** Inverted dropout: mask[i] = 1 when element i is kept (probability keep, from a counter-based hash of seed and i,
   *  identical on every backend); Y = X·mask/keep. */
  dropoutForward: kernel({
    args: [
      size('n'),
      number('keep', [0, 1, true]),
      integer('seed', 0, 0xffffffff, 'in [0, 2^32)'),
      f32('X', 'n'),
      u8('mask', 'n', { output: true }),
      f32('Y', 'n', { same: ['X'] }),
    ],
  }),
  /** Backward: dX = dY·mask/keep. */
  dropoutBackward: kernel({
    args: [size('n'), number('keep', [0, 1, true]), u8('mask', 'n'), f32('dY', 'n'), f32('dX', 'n', { same: ['dY'] })],
  }),

  // ---- convolution and pooling over NCHW images (js/conv.ts, js/pool.ts; native/conv.cc, native/pool.cc).
  // Output size per axis: OH = ⌊(H + 2·pad − dilation·(kh − 1) − 1)/stride⌋ + 1, likewise OW.
  /** Y (N×O×OH·OW) = weight (O×C·kh·kw) · im2col(X_n) + bias, image by image in one crossing; cols is caller-owned
   *  scratch for one image's windows. */
  conv2dForward: kernel({
    args: [
      ...image,
      ...convWindow,
      f32('X', 'N*C*H*W'),
      f32('weight', 'O*C*kh*kw'),
      f32('bias', 'O', { nullable: true }),
      f32('cols', 'C*kh*kw*OH*OW', { output: true }),
      f32('Y', 'N*O*OH*OW', { output: true }),
    ],
    derive: convGeometry,
  }),
  /** dWeight = beta·dWeight + Σ_n dY_n·colsᵀ, dBias = beta·dBias + Σ dY per channel (when not null),
   *  dX = col2im(weightᵀ·dY_n) (when not null). */
  conv2dBackward: kernel({
    args: [
      ...image,
      ...convWindow,
      f32('X', 'N*C*H*W'),
      f32('weight', 'O*C*kh*kw'),
      f32('dY', 'N*O*OH*OW'),
      f32('cols', 'C*kh*kw*OH*OW', { output: true }),
      number('beta'),
      f32('dWeight', 'O*C*kh*kw', { output: true }),
      f32('dBias', 'O', { nullable: true, output: true }),
      f32('dX', 'N*C*H*W', { nullable: true, output: true }),
    ],
    derive: convGeometry,
  }),
  /** k×k max pooling with implicit −∞ padding (pad ≤ k/2); argmax[i] = the winner's index h·W + w in its H×W plane. */
  maxPool2dForward: kernel({
    args: [
      ...poolImage,
      ...poolWindow,
      f32('X', 'N*C*H*W'),
      f32('Y', 'N*C*OH*OW', { output: true }),
      i32('argmax', 'N*C*OH*OW', { output: true }),
    ],
    derive: poolGeometry,
  }),
  /** Backward: dX = Σ dY at argmax. */
  maxPool2dBackward: kernel({
    args: [...poolImage, ...poolWindow, f32('dY', 'N*C*OH*OW'), i32('argmax', 'N*C*OH*OW'), f32('dX', 'N*C*H*W', { output: true })],
    derive: poolGeometry,
    rules: maxPoolArgmaxInPlane,
    rulesInAddon: true, // native/pool.cc
  }),
  /** k×k average pooling, zero padding counted in the divisor (PyTorch's count_include_pad = true, pad ≤ k/2). */
  avgPool2dForward: kernel({
    args: [...poolImage, ...poolWindow, f32('X', 'N*C*H*W'), f32('Y', 'N*C*OH*OW', { output: true })],
    derive: poolGeometry,
  }),
  avgPool2dBackward: kernel({
    args: [...poolImage, ...poolWindow, f32('dY', 'N*C*OH*OW'), f32('dX', 'N*C*H*W', { output: true })],
    derive: poolGeometry,
  }),

  // ---- optimizer steps (js/optim.ts, native/optim.cc): in place, PyTorch's update rules; `step` counts from 1;
  // each returns how many of param's n values are not finite after the update (fit's divergence check, no extra pass);
  // state buffers start at zero. A state buffer is null when the options do not use it.
  sgdStep: kernel({
    returns: 'number',
    args: [
      size('n'),
      f32('param', 'n', { output: true }),
      f32('grad', 'n'),
      f32('momentumBuf', 'n', { nullable: true, output: true }),
      step,
      options('o', SGD),
    ],
    rules: requireSgdState,
  }),
  adamStep: kernel({
    returns: 'number',
    args: [
      size('n'),
      f32('param', 'n', { output: true }),
      f32('grad', 'n'),
      f32('m', 'n', { output: true }),
      f32('v', 'n', { output: true }),
      f32('vMax', 'n', { nullable: true, output: true }),
      step,
      options('o', ADAM),
    ],
    rules: requireAdamState,
  }),
  rmspropStep: kernel({
    returns: 'number',
    args: [
      size('n'),
      f32('param', 'n', { output: true }),
      f32('grad', 'n'),
      f32('squareAvg', 'n', { output: true }),
      f32('gradAvg', 'n', { nullable: true, output: true }),
      f32('momentumBuf', 'n', { nullable: true, output: true }),
      options('o', RMSPROP),
    ],
    rules: requireRmspropState,
  }),
  adagradStep: kernel({
    returns: 'number',
    args: [
      size('n'),
      f32('param', 'n', { output: true }),
      f32('grad', 'n'),
      f32('sum', 'n', { output: true }),
      step,
      options('o', ADAGRAD),
    ],
  }),
  /** Adadelta: squareAvg and accDelta are the running averages of g² and of the squared updates. */
  adadeltaStep: kernel({
    returns: 'number',
    args: [
      size('n'),
      f32('param', 'n', { output: true }),
      f32('grad', 'n'),
      f32('squareAvg', 'n', { output: true }),
      f32('accDelta', 'n', { output: true }),
      options('o', ADADELTA),
    ],
  }),
  /** Adamax: expAvg is the first moment, expInf the exponentially weighted infinity norm. */
  adamaxStep: kernel({
    returns: 'number',
    args: [
      size('n'),
      f32('param', 'n', { output: true }),
      f32('grad', 'n'),
      f32('expAvg', 'n', { output: true }),
      f32('expInf', 'n', { output: true }),
      step,
      options('o', ADAMAX),
    ],
  }),
  /** NAdam: Adam with Nesterov momentum; the momentum schedule's running product is a function of `step`. */
  nadamStep: kernel({
    returns: 'number',
    args: [
      size('n'),
      f32('param', 'n', { output: true }),
      f32('grad', 'n'),
      f32('m', 'n', { output: true }),
      f32('v', 'n', { output: true }),
      step,
      options('o', NADAM),
    ],
  }),

  // ---- elementwise helpers for the graph (js/elementwise.ts, native/elementwise.cc)
  /** Y += alpha·X */
  axpy: kernel({ args: [size('n'), number('alpha'), f32('X', 'n'), f32('Y', 'n', { same: ['X'] })] }),
  /** X *= alpha */
  scale: kernel({ args: [size('n'), number('alpha'), f32('X', 'n', { output: true })] }),
  /** X += value (NaN and ±Infinity included: a gradient that diverged propagates) */
  addScalar: kernel({ args: [size('n'), anyNumber('value'), f32('X', 'n', { output: true })] }),
  /** X = value (NaN and ±Infinity included) */
  fill: kernel({ args: [size('n'), anyNumber('value'), f32('X', 'n', { output: true })] }),
  /** Y = X */
  copy: kernel({ args: [size('n'), f32('X', 'n'), f32('Y', 'n', { same: ['X'] })] }),
  /** Z = X ⊙ Y */
  mul: kernel({ args: [size('n'), f32('X', 'n'), f32('Y', 'n'), f32('Z', 'n', { same: ['X', 'Y'] })] }),
  /** Σ X, summed in double */
  sum: kernel({ args: [size('n'), f32('X', 'n')], returns: 'number' }),

  // ---- sequence layers: 1-D convolution and pooling over [N, C, L], layer normalization, gradient clipping
  // (js/conv1d.ts, js/pool1d.ts, js/layernorm.ts, js/clip.ts; native/conv1d.cc, native/pool1d.cc, native/layernorm.cc,
  // native/clip.cc). The 1-D kernels derive the output length OW = ⌊(L + 2·pad − dilation·(k − 1) − 1)/stride⌋ + 1.
  /** Y (N×O×OW) = weight (O×C·k) · im2col(X_n) + bias, row by row in one crossing (conv2d's lowering with H = 1);
   *  cols is caller-owned scratch for one row's windows. */
  conv1dForward: kernel({
    args: [
      ...sequence,
      ...conv1dWindow,
      f32('X', 'N*C*L'),
      f32('weight', 'O*C*k'),
      f32('bias', 'O', { nullable: true }),
      f32('cols', 'C*k*OW', { output: true }),
      f32('Y', 'N*O*OW', { output: true }),
    ],
    derive: conv1dGeometry,
  }),
  /** dWeight = beta·dWeight + Σ_n dY_n·colsᵀ, dBias = beta·dBias + Σ dY per channel (when not null),
   *  dX = col2im(weightᵀ·dY_n) (when not null). */
  conv1dBackward: kernel({
    args: [
      ...sequence,
      ...conv1dWindow,
      f32('X', 'N*C*L'),
      f32('weight', 'O*C*k'),
      f32('dY', 'N*O*OW'),
      f32('cols', 'C*k*OW', { output: true }),
      number('beta'),
      f32('dWeight', 'O*C*k', { output: true }),
      f32('dBias', 'O', { nullable: true, output: true }),
      f32('dX', 'N*C*L', { nullable: true, output: true }),
    ],
    derive: conv1dGeometry,
  }),
  /** Max pooling over windows of k with implicit −∞ padding (pad ≤ k/2); argmax[i] = the winner's index in its row of L.
   *  Ties keep the first maximum, NaN wins (PyTorch's). The global max pool is k = stride = L. */
  maxPool1dForward: kernel({
    args: [...poolSequence, f32('X', 'N*C*L'), f32('Y', 'N*C*OW', { output: true }), i32('argmax', 'N*C*OW', { output: true })],
    derive: pool1dGeometry,
  }),
  /** Backward: dX = Σ dY at argmax. */
  maxPool1dBackward: kernel({
    args: [...poolSequence, f32('dY', 'N*C*OW'), i32('argmax', 'N*C*OW'), f32('dX', 'N*C*L', { output: true })],
    derive: pool1dGeometry,
    rules: maxPool1dArgmaxInRow,
    rulesInAddon: true, // native/pool1d.cc
  }),
  /** Average pooling over windows of k, zero padding counted in the divisor (count_include_pad = true, pad ≤ k/2). */
  avgPool1dForward: kernel({
    args: [...poolSequence, f32('X', 'N*C*L'), f32('Y', 'N*C*OW', { output: true })],
    derive: pool1dGeometry,
  }),
  avgPool1dBackward: kernel({
    args: [...poolSequence, f32('dY', 'N*C*OW'), f32('dX', 'N*C*L', { output: true })],
    derive: pool1dGeometry,
  }),
  /** Layer normalization of each of M rows of N values: mean and invStd = 1/sqrt(biased var + eps) written per row,
   *  Y = (X − mean)·invStd·gamma + beta (gamma, beta null: 1 and 0). */
  layerNormForward: kernel({
    args: [
      size('M'),
      size('N'),
      f32('X', 'M*N'),
      f32('gamma', 'N', { nullable: true }),
      f32('beta', 'N', { nullable: true }),
      number('eps', [0, Infinity, false]),
      f32('mean', 'M', { output: true }),
      f32('invStd', 'M', { output: true }),
      f32('Y', 'M*N', { output: true }),
    ],
  }),
  /** Its whole backward, each output overwritten (skipped when null): dX = invStd·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)) with
   *  ĝ = dY·gamma; dGamma = Σ_rows dY·x̂; dBeta = Σ_rows dY. */
  layerNormBackward: kernel({
    args: [
      size('M'),
      size('N'),
      f32('X', 'M*N'),
      f32('mean', 'M'),
      f32('invStd', 'M'),
      f32('gamma', 'N', { nullable: true }),
      f32('dY', 'M*N'),
      f32('dX', 'M*N', { nullable: true, output: true, same: ['dY'] }),
      f32('dGamma', 'N', { nullable: true, output: true }),
      f32('dBeta', 'N', { nullable: true, output: true }),
    ],
  }),
  /** Σ|X|^p summed in double (p > 0 finite), or max |X| when p = ∞; NaN when an X is NaN. A gradient norm's part. */
  powerSum: kernel({ args: [size('n'), anyNumber('p'), f32('X', 'n')], returns: 'number', rules: positivePower }),
  /** X = min(max(X, lo), hi); NaN stays NaN (torch.clamp). */
  clamp: kernel({ args: [size('n'), number('lo'), number('hi'), f32('X', 'n', { output: true })], rules: orderedBounds }),
  // ---- sequences (js/embedding.ts, js/recurrent.ts; native/embedding.cc, native/recurrent.cc)
  /** Y[i] = weight[indices[i]] (rows of D floats) for n indices, each in [0, V). */
  embeddingForward: kernel({
    args: [size('n'), size('V'), size('D'), i32('indices', 'n'), f32('weight', 'V*D'), f32('Y', 'n*D', { output: true })],
    rules: indicesInRange,
  }),
  /** dWeight = beta·dWeight + Σ_i dY[i] scattered to row indices[i] (repeats add up); the row paddingIdx (−1: none) gets 0. */
  embeddingBackward: kernel({
    args: [
      size('n'),
      size('V'),
      size('D'),
      i32('indices', 'n'),
      f32('dY', 'n*D'),
      integer('paddingIdx', -1, 2147483647, 'in [-1, 2^31)'),
      number('beta'),
      f32('dWeight', 'V*D', { output: true }),
    ],
    rules: indicesInRange,
  }),
  /** One LSTM layer-direction over a [B, T, I] batch in one crossing (PyTorch's gate order i, f, g, o; G = 4H rows of
   *  weight_ih [G, I] and weight_hh [G, H]). The input projection is one GEMM, each step's hidden product one GEMM, then
   *  a fused gates/cell pass. `reverse` runs each row from its last valid step down to 0. A row b stops at lengths[b]
   *  (null: all T): its later steps output 0 and its final state is the one at its length. Writes the activated gates
   *  [B, T, G], the cells C and outputs Y [B, T, H], and the final hT, cT [B, H]; h0, c0 null start from zeros. */
  lstmForward: kernel({
    args: [
      ...recurrentSizes,
      f32('X', 'B*T*I'),
      f32('Wih', 'G*I'),
      f32('Whh', 'G*H'),
      f32('bih', 'G'),
      f32('bhh', 'G'),
      f32('h0', 'B*H', { nullable: true }),
      f32('c0', 'B*H', { nullable: true }),
      i32('lengths', 'B', { nullable: true }),
      f32('gates', 'B*T*G', { output: true }),
      f32('C', 'B*T*H', { output: true }),
      f32('Y', 'B*T*H', { output: true }),
      f32('hT', 'B*H', { output: true }),
      f32('cT', 'B*H', { output: true }),
    ],
    rules: lstmGates,
  }),
  /** Its backward through time in one crossing, given dY [B, T, H] (padded steps ignored) and dhT, dcT (null: 0).
   *  Writes dG (the gates' pre-activation gradients) and the scratch Hprev, dhStep; then dWih, dWhh, dbih, dbhh with
   *  beta (0 overwrites, 1 adds), dX (when not null; overwritten), and dh0, dc0 (overwritten). */
  lstmBackward: kernel({
    args: [
      ...recurrentSizes,
      f32('X', 'B*T*I'),
      f32('Wih', 'G*I'),
      f32('Whh', 'G*H'),
      f32('h0', 'B*H', { nullable: true }),
      f32('c0', 'B*H', { nullable: true }),
      i32('lengths', 'B', { nullable: true }),
      f32('gates', 'B*T*G'),
      f32('C', 'B*T*H'),
      f32('Y', 'B*T*H'),
      f32('dY', 'B*T*H'),
      f32('dhT', 'B*H', { nullable: true }),
      f32('dcT', 'B*H', { nullable: true }),
      f32('dG', 'B*T*G', { output: true }),
      f32('Hprev', 'B*T*H', { output: true }),
      f32('dhStep', 'B*H', { output: true }),
      number('beta'),
      f32('dWih', 'G*I', { output: true }),
      f32('dWhh', 'G*H', { output: true }),
      f32('dbih', 'G', { output: true }),
      f32('dbhh', 'G', { output: true }),
      f32('dX', 'B*T*I', { nullable: true, output: true }),
      f32('dh0', 'B*H', { output: true }),
      f32('dc0', 'B*H', { output: true }),
    ],
    rules: lstmGates,
  }),
  /** One GRU layer-direction (gate order r, z, n; G = 3H; n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)),
   *  h' = (1 − z) ⊙ n + z ⊙ h), lengths and reverse as lstmForward. Writes the activated gates [B, T, G], HN (W_hn h + b_hn)
   *  and Y [B, T, H], hT [B, H]; hidden is scratch for one step's hidden product. */
  gruForward: kernel({
    args: [
      ...recurrentSizes,
      f32('X', 'B*T*I'),
      f32('Wih', 'G*I'),
      f32('Whh', 'G*H'),
      f32('bih', 'G'),
      f32('bhh', 'G'),
      f32('h0', 'B*H', { nullable: true }),
      i32('lengths', 'B', { nullable: true }),
      f32('gates', 'B*T*G', { output: true }),
      f32('HN', 'B*T*H', { output: true }),
      f32('hidden', 'B*G', { output: true }),
      f32('Y', 'B*T*H', { output: true }),
      f32('hT', 'B*H', { output: true }),
    ],
    rules: gruGates,
  }),
  /** Its backward through time: dGx, dGh (input- and hidden-side pre-activation gradients) and the scratch Hprev, dhStep;
   *  then the weight gradients with beta, dX (when not null) and dh0 (overwritten). */
  gruBackward: kernel({
    args: [
      ...recurrentSizes,
      f32('X', 'B*T*I'),
      f32('Wih', 'G*I'),
      f32('Whh', 'G*H'),
      f32('h0', 'B*H', { nullable: true }),
      i32('lengths', 'B', { nullable: true }),
      f32('gates', 'B*T*G'),
      f32('HN', 'B*T*H'),
      f32('Y', 'B*T*H'),
      f32('dY', 'B*T*H'),
      f32('dhT', 'B*H', { nullable: true }),
      f32('dGx', 'B*T*G', { output: true }),
      f32('dGh', 'B*T*G', { output: true }),
      f32('Hprev', 'B*T*H', { output: true }),
      f32('dhStep', 'B*H', { output: true }),
      number('beta'),
      f32('dWih', 'G*I', { output: true }),
      f32('dWhh', 'G*H', { output: true }),
      f32('dbih', 'G', { output: true }),
      f32('dbhh', 'G', { output: true }),
      f32('dX', 'B*T*I', { nullable: true, output: true }),
      f32('dh0', 'B*H', { output: true }),
    ],
    rules: gruGates,
  }),

  // ---- data (js/data.ts, native/data.cc)
  /** dst's row i = src's row index[i] (rows of `width` values), for i < n: a shuffled batch gathered in one crossing. */
  gatherRows: kernel({
    args: [size('n'), size('width'), size('rows'), f32('src', 'rows*width'), i32('index', 'n'), f32('dst', 'n*width', { output: true })],
    rules: rowsInRange,
  }),
  /** dst[i·width + j] = src[index[i]·width + j] · scale (the product in double, rounded once to float32), for i < n: a batch
   *  of byte inputs (lib/byte-tensor.ts) gathered and converted in one crossing. */
  gatherByteRows: kernel({
    args: [
      size('n'),
      size('width'),
      size('rows'),
      u8('src', 'rows*width'),
      i32('index', 'n'),
      number('scale', [0, Infinity, true]),
      f32('dst', 'n*width', { output: true }),
    ],
    rules: rowsInRange,
  }),
};

export type KernelName = keyof typeof KERNELS;
export const KERNEL_NAMES = Object.keys(KERNELS) as KernelName[];

export type Kernels = { [K in KernelName]: KernelFunction<(typeof KERNELS)[K]> };

export interface Backend extends Kernels {
  readonly name: 'js' | 'native';
  /** Threads used by the kernels (OpenBLAS for native; always 1 for js). */
  setNumThreads(n: number): void;
  getNumThreads(): number;
}
