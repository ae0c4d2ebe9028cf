/** Reductions to a scalar: sum and mean (accumulated in double by the backend). */
import { needsGrad, record } from '../graph.js';
import { claimGrad } from '../graph.js';
import { Tensor } from '../tensor.js';
import { currentBackend } from './current-backend.js';
import { allocF32, type Workspace } from './workspace.js';

function reduce(op: 'sum' | 'mean', a: Tensor, ws?: Workspace): Tensor {
  const be = currentBackend();
  const n = a.size;
  const factor = op === 'mean' ? (n === 0 ? 0 : 1 / n) : 1;
  const out = new Tensor(allocF32(ws, `${op}.out`, 1), []);
  out.data[0] = be.sum(n, a.data) * factor;
  if (!needsGrad(a)) return out;
  return record(
    out,
    op,
    [a],
    () => {
      // d(sum)/da_i = 1: every element receives the same value, g·factor.
      const g = out.grad![0] * factor;
      if (claimGrad(a)) be.fill(n, g, a.grad!);
      else be.addScalar(n, g, a.grad!);
    },
    ws?.f32(`${op}.grad`, 1),
  );
}

export function sum(a: Tensor, ws?: Workspace): Tensor {
  return reduce('sum', a, ws);
}

export function mean(a: Tensor, ws?: Workspace): Tensor {
  return reduce('mean', a, ws);
}
