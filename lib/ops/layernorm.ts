/**
 * Layer normalization over the last dimension (PyTorch's nn.LayerNorm with normalized_shape = [last]): x [..., N] is
 * M = size/N rows of N values, each normalized by its own mean and biased variance, then scaled by gamma and shifted
 * by beta (both [N], or absent without elementwise affine). The same in training and evaluation (no running
 * statistics). One fused kernel each way: the backward writes dX, dGamma and dBeta in one crossing.
 */
import { fail } from '../errors.js';
import { needsGrad, record } from '../graph.js';
import { formatShape, Tensor } from '../tensor.js';
import { currentBackend } from './current-backend.js';
import { KernelGrads } from './gradients.js';
import { allocF32, type Workspace } from './workspace.js';

export function layerNorm(x: Tensor, gamma: Tensor | null, beta: Tensor | null, eps: number, ws?: Workspace, where = 'layerNorm'): Tensor {
  const N = x.shape[x.shape.length - 1];
  if (x.shape.length < 2) fail('ERR_SHAPE', `${where}: expected input [batch, ..., features], got ${formatShape(x.shape)}`);
  if ((gamma !== null && gamma.size !== N) || (beta !== null && beta.size !== N))
    fail('ERR_SHAPE', `${where}: weight and bias must have ${N} elements (the input's last dimension)`);
  const M = N === 0 ? 0 : x.size / N;
  const be = currentBackend();
  const mean = allocF32(ws, 'ln.mean', M);
  const invStd = allocF32(ws, 'ln.invstd', M);
  const out = new Tensor(allocF32(ws, 'ln.out', x.size), x.shape);
  be.layerNormForward(M, N, x.data, gamma?.data ?? null, beta?.data ?? null, eps, mean, invStd, out.data);
  if (!needsGrad(x, gamma, beta)) return out;
  return record(
    out,
    'layerNorm',
    [x, gamma, beta],
    () => {
      // Every output of the kernel is overwritten: KernelGrads puts each straight into a gradient still to be
      // written, or into scratch it adds to one that already holds a value; a tensor needing none gets null.
      const g = new KernelGrads(be, null);
      const dX = g.overwritten(x, () => allocF32(ws, 'ln.dx', x.size));
      const dGamma = g.overwritten(gamma, () => allocF32(ws, 'ln.dgamma', N));
      const dBeta = g.overwritten(beta, () => allocF32(ws, 'ln.dbeta', N));
      be.layerNormBackward(M, N, x.data, mean, invStd, gamma?.data ?? null, out.grad!, dX, dGamma, dBeta);
      g.finish();
    },
    ws?.f32('ln.grad', x.size),
  );
}
