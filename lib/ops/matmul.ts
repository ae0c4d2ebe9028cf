/** Matrix product of two 2-D tensors: C = A·B, through sgemm both ways. */
import { fail } from '../errors.js';
import { claimGrad, needsGrad, record } from '../graph.js';
import { formatShape, Tensor } from '../tensor.js';
import { currentBackend } from './current-backend.js';
import { allocF32, type Workspace } from './workspace.js';

export function matmul(a: Tensor, b: Tensor, ws?: Workspace): Tensor {
  if (a.shape.length !== 2 || b.shape.length !== 2 || a.shape[1] !== b.shape[0]) {
    fail('ERR_SHAPE', `matmul: cannot multiply ${formatShape(a.shape)} by ${formatShape(b.shape)}`);
  }
  const [M, K] = a.shape;
  const N = b.shape[1];
  const be = currentBackend();
  const out = new Tensor(allocF32(ws, 'matmul.out', M * N), [M, N]);
  be.sgemm(false, false, M, N, K, 1, a.data, b.data, 0, out.data);
  if (!needsGrad(a, b)) return out;
  return record(
    out,
    'matmul',
    [a, b],
    () => {
      const g = out.grad!;
      // sgemm's beta accumulates for free: 0 overwrites an empty gradient, 1 adds to a filled one.
      if (a.requiresGrad) {
        const beta = claimGrad(a) ? 0 : 1;
        be.sgemm(false, true, M, K, N, 1, g, b.data, beta, a.grad!); // dA = dC·Bᵀ
      }
      if (b.requiresGrad) {
        const beta = claimGrad(b) ? 0 : 1;
        be.sgemm(true, false, K, N, M, 1, a.data, g, beta, b.grad!); // dB = Aᵀ·dC
      }
    },
    ws?.f32('matmul.grad', M * N),
  );
}
