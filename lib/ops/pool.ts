/**
 * 2-D max and average pooling ops over x [N, C, H, W] → [N, C, OH, OW], square k×k windows, one backend
 * crossing each way. Max pooling keeps its argmax indices (from the workspace) for the backward pass.
 */
import { fail } from '../errors.js';
import { addGrad, needsGrad, record } from '../graph.js';
import { formatShape, Tensor } from '../tensor.js';
import { convOutputSize } from './conv.js';
import { currentBackend } from './current-backend.js';
import { allocF32, allocI32, type Workspace } from './workspace.js';

export interface Pool2dOptions {
  kernelSize: number;
  /** Default: kernelSize (non-overlapping windows), as in PyTorch. */
  stride?: number;
  /** At most kernelSize/2 (default 0). */
  padding?: number;
}

/** [N, C, OH, OW] for x, or ERR_SHAPE naming `where`. */
function pooledShape(x: Tensor, k: number, stride: number, pad: number, where: string): [number, number, number, number] {
  if (x.shape.length !== 4) fail('ERR_SHAPE', `${where}: expected input [batch, channels, height, width], got ${formatShape(x.shape)}`);
  const [N, C, H, W] = x.shape;
  const OH = convOutputSize(H, k, stride, pad),
    OW = convOutputSize(W, k, stride, pad);
  if (OH < 1 || OW < 1) fail('ERR_SHAPE', `${where}: a ${k}×${k} window (padding ${pad}) does not fit a ${H}×${W} input`);
  return [N, C, OH, OW];
}

export function maxPool2d(x: Tensor, o: Pool2dOptions, ws?: Workspace, where = 'maxPool2d'): Tensor {
  const k = o.kernelSize,
    stride = o.stride ?? k,
    pad = o.padding ?? 0;
  const shape = pooledShape(x, k, stride, pad, where);
  const [N, C, H, W] = x.shape;
  const n = N * C * shape[2] * shape[3];
  const be = currentBackend();
  const out = new Tensor(allocF32(ws, 'maxpool.out', n), shape);
  const argmax = allocI32(ws, 'maxpool.argmax', n);
  be.maxPool2dForward(N, C, H, W, k, stride, pad, x.data, out.data, argmax);
  if (!needsGrad(x)) return out;
  return record(
    out,
    'maxPool2d',
    [x],
    () => {
      addGrad(
        be,
        x,
        (dst) => be.maxPool2dBackward(N, C, H, W, k, stride, pad, out.grad!, argmax, dst),
        () => allocF32(ws, 'maxpool.dx', x.size),
      );
    },
    ws?.f32('maxpool.grad', n),
  );
}

export function avgPool2d(x: Tensor, o: Pool2dOptions, ws?: Workspace, where = 'avgPool2d'): Tensor {
  const k = o.kernelSize,
    stride = o.stride ?? k,
    pad = o.padding ?? 0;
  const shape = pooledShape(x, k, stride, pad, where);
  const [N, C, H, W] = x.shape;
  const n = N * C * shape[2] * shape[3];
  const be = currentBackend();
  const out = new Tensor(allocF32(ws, 'avgpool.out', n), shape);
  be.avgPool2dForward(N, C, H, W, k, stride, pad, x.data, out.data);
  if (!needsGrad(x)) return out;
  return record(
    out,
    'avgPool2d',
    [x],
    () => {
      addGrad(
        be,
        x,
        (dst) => be.avgPool2dBackward(N, C, H, W, k, stride, pad, out.grad!, dst),
        () => allocF32(ws, 'avgpool.dx', x.size),
      );
    },
    ws?.f32('avgpool.grad', n),
  );
}
