/**
 * 1-D max and average pooling over x [N, C, L] → [N, C, OL], and global pooling: [N, C, ...spatial] → [N, C], the
 * max or mean over all positions (PyTorch's adaptive pooling to size 1, flattened). A global pool is the 1-D window
 * k = stride = L over the positions laid out as one row (an image's H·W are contiguous), so the same two kernels
 * serve 1-D and 2-D inputs. One backend crossing each way; max pooling keeps its argmax for the backward pass.
 */
import { fail } from '../errors.js';
import { addGrad, needsGrad, record } from '../graph.js';
import { formatShape, Tensor } from '../tensor.js';
import { convOutputSize } from './conv.js';
import { currentBackend } from './current-backend.js';
import { allocF32, allocI32, type Workspace } from './workspace.js';

export interface Pool1dOptions {
  kernelSize: number;
  /** Default: kernelSize (non-overlapping windows), as in PyTorch. */
  stride?: number;
  /** At most kernelSize/2 (default 0). */
  padding?: number;
}

interface Window {
  N: number;
  C: number;
  L: number;
  k: number;
  stride: number;
  pad: number;
  shape: number[];
}

function pool1dWindow(x: Tensor, o: Pool1dOptions, where: string): Window {
  const k = o.kernelSize,
    stride = o.stride ?? k,
    pad = o.padding ?? 0;
  if (x.shape.length !== 3) fail('ERR_SHAPE', `${where}: expected input [batch, channels, length], got ${formatShape(x.shape)}`);
  const [N, C, L] = x.shape;
  const OL = convOutputSize(L, k, stride, pad);
  if (OL < 1) fail('ERR_SHAPE', `${where}: a window of ${k} (padding ${pad}) does not fit a length of ${L}`);
  return { N, C, L, k, stride, pad, shape: [N, C, OL] };
}

/** A global pool's window: every position of each channel, [N, C, ...spatial] read as [N, C, L]. */
function globalWindow(x: Tensor, spatialDims: number, where: string): Window {
  if (x.shape.length !== 2 + spatialDims) {
    const dims = spatialDims === 1 ? 'length' : 'height, width';
    fail('ERR_SHAPE', `${where}: expected input [batch, channels, ${dims}], got ${formatShape(x.shape)}`);
  }
  const [N, C] = x.shape;
  const L = x.shape.slice(2).reduce((a, b) => a * b, 1);
  if (L < 1) fail('ERR_SHAPE', `${where}: the input ${formatShape(x.shape)} has no positions to pool`);
  return { N, C, L, k: L, stride: L, pad: 0, shape: [N, C] };
}

function maxPool(x: Tensor, w: Window, ws: Workspace | undefined, name: string): Tensor {
  const { N, C, L, k, stride, pad } = w;
  const n = w.shape.reduce((a, b) => a * b, 1);
  const be = currentBackend();
  const out = new Tensor(allocF32(ws, 'maxpool1d.out', n), w.shape);
  const argmax = allocI32(ws, 'maxpool1d.argmax', n);
  be.maxPool1dForward(N, C, L, k, stride, pad, x.data, out.data, argmax);
  if (!needsGrad(x)) return out;
  return record(
    out,
    name,
    [x],
    () => {
      addGrad(
        be,
        x,
        (dst) => be.maxPool1dBackward(N, C, L, k, stride, pad, out.grad!, argmax, dst),
        () => allocF32(ws, 'maxpool1d.dx', x.size),
      );
    },
    ws?.f32('maxpool1d.grad', n),
  );
}

function avgPool(x: Tensor, w: Window, ws: Workspace | undefined, name: string): Tensor {
  const { N, C, L, k, stride, pad } = w;
  const n = w.shape.reduce((a, b) => a * b, 1);
  const be = currentBackend();
  const out = new Tensor(allocF32(ws, 'avgpool1d.out', n), w.shape);
  be.avgPool1dForward(N, C, L, k, stride, pad, x.data, out.data);
  if (!needsGrad(x)) return out;
  return record(
    out,
    name,
    [x],
    () => {
      addGrad(
        be,
        x,
        (dst) => be.avgPool1dBackward(N, C, L, k, stride, pad, out.grad!, dst),
        () => allocF32(ws, 'avgpool1d.dx', x.size),
      );
    },
    ws?.f32('avgpool1d.grad', n),
  );
}

export function maxPool1d(x: Tensor, o: Pool1dOptions, ws?: Workspace, where = 'maxPool1d'): Tensor {
  return maxPool(x, pool1dWindow(x, o, where), ws, 'maxPool1d');
}

export function avgPool1d(x: Tensor, o: Pool1dOptions, ws?: Workspace, where = 'avgPool1d'): Tensor {
  return avgPool(x, pool1dWindow(x, o, where), ws, 'avgPool1d');
}

/** [N, C, ...spatial] → [N, C]: the max over each channel's positions (1 spatial dimension, or 2 for images). */
export function globalMaxPool(x: Tensor, spatialDims: 1 | 2, ws?: Workspace, where = 'globalMaxPool'): Tensor {
  return maxPool(x, globalWindow(x, spatialDims, where), ws, 'globalMaxPool');
}

/** [N, C, ...spatial] → [N, C]: the mean over each channel's positions. */
export function globalAvgPool(x: Tensor, spatialDims: 1 | 2, ws?: Workspace, where = 'globalAvgPool'): Tensor {
  return avgPool(x, globalWindow(x, spatialDims, where), ws, 'globalAvgPool');
}
