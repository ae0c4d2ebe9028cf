/**
 * The 2-D convolution op: x [N, C, H, W] ⊛ weight [O, C, kh, kw] (+ bias [O]) → [N, O, OH, OW], one backend
 * crossing each way (conv2dForward / conv2dBackward loop over the batch themselves). The im2col scratch
 * (C·kh·kw × OH·OW floats) comes from the workspace, so a training step allocates it once.
 */
import { fail } from '../errors.js';
import { claimGrad, needsGrad, record } from '../graph.js';
import { formatShape, Tensor } from '../tensor.js';
import { currentBackend } from './current-backend.js';
import { allocF32, type Workspace } from './workspace.js';

export interface Conv2dOptions {
  stride?: number;
  padding?: number;
  dilation?: number;
}

/** Output size along one axis, ⌊(size + 2·padding − dilation·(k − 1) − 1)/stride⌋ + 1; below 1 when the window does not fit. */
export function convOutputSize(size: number, k: number, stride: number, padding: number, dilation = 1): number {
  return Math.floor((size + 2 * padding - dilation * (k - 1) - 1) / stride) + 1;
}

export function conv2d(x: Tensor, weight: Tensor, bias: Tensor | null, o: Conv2dOptions = {}, ws?: Workspace, where = 'conv2d'): Tensor {
  const stride = o.stride ?? 1, pad = o.padding ?? 0, dilation = o.dilation ?? 1;
  if (weight.shape.length !== 4) fail('ERR_SHAPE', `${where}: weight must be 4-D [out, in, kh, kw], got ${formatShape(weight.shape)}`);
  const [O, C, kh, kw] = weight.shape;
  if (x.shape.length !== 4 || x.shape[1] !== C) {
    fail('ERR_SHAPE', `${where}: expected input [batch, ${C}, height, width], got ${formatShape(x.shape)}`);
  }
  if (bias !== null && bias.size !== O) fail('ERR_SHAPE', `${where}: bias must have ${O} elements, got ${bias.size}`);
  const [N, , H, W] = x.shape;
  const OH = convOutputSize(H, kh, stride, pad, dilation), OW = convOutputSize(W, kw, stride, pad, dilation);
  if (OH < 1 || OW < 1) {
    fail('ERR_SHAPE', `${where}: a ${kh}×${kw} kernel (dilation ${dilation}, padding ${pad}) does not fit a ${H}×${W} input`);
  }
  const K = C * kh * kw, P = OH * OW;
  const be = currentBackend();
  const cols = allocF32(ws, 'conv.cols', K * P);
  const out = new Tensor(allocF32(ws, 'conv.out', N * O * P), [N, O, OH, OW]);
  be.conv2dForward(N, C, H, W, O, kh, kw, stride, pad, dilation, x.data, weight.data, bias ? bias.data : null, cols, out.data);
  if (!needsGrad(x, weight, bias)) return out;
  return record(out, 'conv2d', [x, weight, bias], () => {
    const dY = out.grad!;
    let beta = 0;
    let dW: Float32Array;
    if (weight.requiresGrad) {
      beta = claimGrad(weight) ? 0 : 1;
      dW = weight.grad!;
    } else dW = allocF32(ws, 'conv.dw-unused', O * K); // frozen weights: computed, then dropped
    // The kernel takes one beta for dWeight and dBias; when they differ (a frozen or shared parameter) the bias
    // gradient goes through a scratch buffer, as in ops/dense.ts.
    let dBias: Float32Array | null = null;
    let biasScratch = false;
    if (bias !== null && bias.requiresGrad) {
      const biasBeta = claimGrad(bias) ? 0 : 1;
      biasScratch = biasBeta !== beta;
      dBias = biasScratch ? allocF32(ws, 'conv.db-scratch', O) : bias.grad!;
      if (biasScratch && beta === 1) be.fill(O, 0, dBias);
    }
    let dX: Float32Array | null = null;
    let dXScratch = false;
    if (x.requiresGrad) {
      if (claimGrad(x)) dX = x.grad!;
      else {
        dX = allocF32(ws, 'conv.dx-scratch', x.size);
        dXScratch = true;
      }
    }
    be.conv2dBackward(N, C, H, W, O, kh, kw, stride, pad, dilation, x.data, weight.data, dY, cols, beta, dW, dBias, dX);
    // The scratch holds the plain sum (beta 1 read the zeros filled above): with beta 1 the bias gradient was fresh,
    // so the sum replaces it; with beta 0 the bias gradient already held a value, so the sum is added.
    if (biasScratch) {
      if (beta === 1) be.copy(O, dBias!, bias!.grad!);
      else be.axpy(O, 1, dBias!, bias!.grad!);
    }
    if (dXScratch) be.axpy(x.size, 1, dX!, x.grad!);
  }, ws?.f32('conv.grad', N * O * P));
}
