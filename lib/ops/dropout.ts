/** Inverted dropout with the backend's counter-based mask: the same seed gives the same mask on every backend. */
import { fail } from '../errors.js';
import { addGrad, needsGrad, record } from '../graph.js';
import { Tensor } from '../tensor.js';
import { currentBackend } from './current-backend.js';
import { allocF32, allocU8, type Workspace } from './workspace.js';

/** Keeps each element with probability `keep` (scaled by 1/keep); `seed` is an integer in [0, 2^32). */
export function dropout(x: Tensor, keep: number, seed: number, ws?: Workspace): Tensor {
  if (typeof keep !== 'number' || !(keep > 0 && keep <= 1))
    fail('ERR_INVALID_ARG', `dropout: keep probability must be in (0, 1], got ${String(keep)}`);
  const be = currentBackend();
  const n = x.size;
  const mask = allocU8(ws, 'dropout.mask', n);
  const out = new Tensor(allocF32(ws, 'dropout.out', n), x.shape);
  be.dropoutForward(n, keep, seed, x.data, mask, out.data);
  if (!needsGrad(x)) return out;
  return record(
    out,
    'dropout',
    [x],
    () => {
      addGrad(
        be,
        x,
        (dst) => be.dropoutBackward(n, keep, mask, out.grad!, dst),
        () => allocF32(ws, 'dropout.scratch', n),
      );
    },
    ws?.f32('dropout.grad', n),
  );
}
