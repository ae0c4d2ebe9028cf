/**
 * The 1-D convolution op: x [N, C, L] ⊛ weight [O, C, k] (+ bias [O]) → [N, O, OL], PyTorch's nn.Conv1d (zero padding,
 * stride, dilation), one backend crossing each way (conv1dForward / conv1dBackward loop over the batch themselves).
 * The im2col scratch (C·k × OL floats) comes from the workspace, so a training step allocates it once.
 */
import { fail } from '../errors.js';
import { needsGrad, record } from '../graph.js';
import { formatShape, Tensor } from '../tensor.js';
import { convOutputSize } from './conv.js';
import { currentBackend } from './current-backend.js';
import { KernelGrads } from './gradients.js';
import { allocF32, type Workspace } from './workspace.js';

export interface Conv1dOptions {
  stride?: number;
  padding?: number;
  dilation?: number;
}

export function conv1d(x: Tensor, weight: Tensor, bias: Tensor | null, o: Conv1dOptions = {}, ws?: Workspace, where = 'conv1d'): Tensor {
  const stride = o.stride ?? 1,
    pad = o.padding ?? 0,
    dilation = o.dilation ?? 1;
  if (weight.shape.length !== 3) fail('ERR_SHAPE', `${where}: weight must be 3-D [out, in, k], got ${formatShape(weight.shape)}`);
  const [O, C, k] = weight.shape;
  if (x.shape.length !== 3 || x.shape[1] !== C)
    fail('ERR_SHAPE', `${where}: expected input [batch, ${C}, length], got ${formatShape(x.shape)}`);
  if (bias !== null && bias.size !== O) fail('ERR_SHAPE', `${where}: bias must have ${O} elements, got ${bias.size}`);
  const [N, , L] = x.shape;
  const OL = convOutputSize(L, k, stride, pad, dilation);
  if (OL < 1) fail('ERR_SHAPE', `${where}: a kernel of ${k} (dilation ${dilation}, padding ${pad}) does not fit a length of ${L}`);
  const K = C * k;
  const be = currentBackend();
  const cols = allocF32(ws, 'conv1d.cols', K * OL);
  const out = new Tensor(allocF32(ws, 'conv1d.out', N * O * OL), [N, O, OL]);
  be.conv1dForward(N, C, L, O, k, stride, pad, dilation, x.data, weight.data, bias ? bias.data : null, cols, out.data);
  if (!needsGrad(x, weight, bias)) return out;
  return record(
    out,
    'conv1d',
    [x, weight, bias],
    () => {
      const dY = out.grad!;
      const g = new KernelGrads(be, weight, () => allocF32(ws, 'conv1d.dw-unused', O * K)); // frozen: computed, dropped
      const dBias = g.shared(bias, () => allocF32(ws, 'conv1d.db-scratch', O));
      const dX = g.overwritten(x, () => allocF32(ws, 'conv1d.dx-scratch', x.size));
      be.conv1dBackward(N, C, L, O, k, stride, pad, dilation, x.data, weight.data, dY, cols, g.beta, g.dWeight, dBias, dX);
      g.finish();
    },
    ws?.f32('conv1d.grad', N * O * OL),
  );
}
