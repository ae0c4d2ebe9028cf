/**
 * The 2-D convolution op: x [N, C, H, W] ⊛ weight [O, C, kh, kw] (+ bias [O]) → [N, O, OH, OW], one backend
 * crossing each way (conv2dForward / conv2dBackward loop over the batch themselves). The im2col scratch
 * (C·kh·kw × OH·OW floats) comes from the workspace, so a training step allocates it once.
 */
import { fail } from '../errors.js';
import { needsGrad, record } from '../graph.js';
import { formatShape, Tensor } from '../tensor.js';
import { currentBackend } from './current-backend.js';
import { KernelGrads } from './gradients.js';
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
  const stride = o.stride ?? 1,
    pad = o.padding ?? 0,
    dilation = o.dilation ?? 1;
  if (weight.shape.length !== 4) fail('ERR_SHAPE', `${where}: weight must be 4-D [out, in, kh, kw], got ${formatShape(weight.shape)}`);
  const [O, C, kh, kw] = weight.shape;
  if (x.shape.length !== 4 || x.shape[1] !== C) {
    fail('ERR_SHAPE', `${where}: expected input [batch, ${C}, height, width], got ${formatShape(x.shape)}`);
  }
  if (bias !== null && bias.size !== O) fail('ERR_SHAPE', `${where}: bias must have ${O} elements, got ${bias.size}`);
  const [N, , H, W] = x.shape;
  const OH = convOutputSize(H, kh, stride, pad, dilation),
    OW = convOutputSize(W, kw, stride, pad, dilation);
  if (OH < 1 || OW < 1) {
    fail('ERR_SHAPE', `${where}: a ${kh}×${kw} kernel (dilation ${dilation}, padding ${pad}) does not fit a ${H}×${W} input`);
  }
  const K = C * kh * kw,
    P = OH * OW;
  const be = currentBackend();
  const cols = allocF32(ws, 'conv.cols', K * P);
  const out = new Tensor(allocF32(ws, 'conv.out', N * O * P), [N, O, OH, OW]);
  be.conv2dForward(N, C, H, W, O, kh, kw, stride, pad, dilation, x.data, weight.data, bias ? bias.data : null, cols, out.data);
  if (!needsGrad(x, weight, bias)) return out;
  return record(
    out,
    'conv2d',
    [x, weight, bias],
    () => {
      const dY = out.grad!;
      const g = new KernelGrads(be, weight, () => allocF32(ws, 'conv.dw-unused', O * K)); // frozen: computed, dropped
      const dBias = g.shared(bias, () => allocF32(ws, 'conv.db-scratch', O));
      const dX = g.overwritten(x, () => allocF32(ws, 'conv.dx-scratch', x.size));
      be.conv2dBackward(N, C, H, W, O, kh, kw, stride, pad, dilation, x.data, weight.data, dY, cols, g.beta, g.dWeight, dBias, dX);
      g.finish();
    },
    ws?.f32('conv.grad', N * O * P),
  );
}
