/**
 * The fused dense layer op: Y = f(X·W + b) in ONE backend crossing forward (denseForward) and one
 * backward (denseBackward computes dZ, dW, dBias and dX together). W is stored [in, out].
 */
import { fail } from '../errors.js';
import type { ActivationKind } from '../backend/contract.js';
import { needsGrad, record } from '../graph.js';
import { formatShape, Tensor } from '../tensor.js';
import { currentBackend } from './current-backend.js';
import { KernelGrads } from './gradients.js';
import { allocF32, type Workspace } from './workspace.js';

/**
 * x: [M, K], W: [K, N], b: [N] or null. `where` names the layer in error messages.
 * Gradients: where the kernel writes dW, dBias and dX is decided by KernelGrads (ops/gradients.ts).
 */
export function dense(
  x: Tensor,
  W: Tensor,
  b: Tensor | null,
  kind: ActivationKind,
  param: number,
  ws?: Workspace,
  where = 'dense',
): Tensor {
  if (W.shape.length !== 2) fail('ERR_SHAPE', `${where}: weight must be 2-D [in, out], got ${formatShape(W.shape)}`);
  const [K, N] = W.shape;
  if (x.shape.length !== 2 || x.shape[1] !== K) {
    fail('ERR_SHAPE', `${where}: expected input with ${K} features (shape [batch, ${K}]), got ${formatShape(x.shape)}`);
  }
  if (b !== null && b.size !== N) fail('ERR_SHAPE', `${where}: bias must have ${N} elements, got ${b.size}`);
  const M = x.shape[0];
  const be = currentBackend();
  // Z (the pre-activation) is kept for backward; a linear layer, or one no gradient goes through (inference), needs
  // none: the kernel then applies the activation in place, one pass and one buffer fewer.
  const grad = needsGrad(x, W, b);
  const Z = kind === 'linear' || !grad ? null : allocF32(ws, 'dense.z', M * N);
  const out = new Tensor(allocF32(ws, 'dense.out', M * N), [M, N]);
  be.denseForward(M, N, K, x.data, W.data, b ? b.data : null, kind, param, Z, out.data);
  if (!grad) return out;
  return record(
    out,
    `dense(${kind})`,
    [x, W, b],
    () => {
      const dY = out.grad!;
      // For linear, dZ = dY (the kernel allows dZ to be dY itself); otherwise a buffer of its own,
      // so the output's gradient stays what it was.
      const dZ = kind === 'linear' ? dY : allocF32(ws, 'dense.dz', M * N);
      const g = new KernelGrads(be, W, () => allocF32(ws, 'dense.dw-unused', K * N)); // a frozen W's gradient: computed, dropped
      const dBias = g.shared(b, () => allocF32(ws, 'dense.db-scratch', N));
      const dX = g.overwritten(x, () => allocF32(ws, 'dense.dx-scratch', M * K));
      be.denseBackward(M, N, K, x.data, W.data, kind, param, Z, out.data, dY, dZ, g.beta, g.dWeight, dBias, dX);
      g.finish();
    },
    ws?.f32('dense.grad', M * N),
  );
}
