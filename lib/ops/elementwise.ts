/**
 * Elementwise arithmetic: add and sub (same shape, or a row vector broadcast over the rows of a matrix,
 * which is all a bias needs), mul (same shape), multiplication by a constant, and reshape.
 */
import { fail } from '../errors.js';
import { addGrad, claimGrad, needsGrad, record } from '../graph.js';
import { formatShape, shapeSize, Tensor, type Shape } from '../tensor.js';
import { currentBackend } from './current-backend.js';
import { allocF32, type Workspace } from './workspace.js';

function sameShape(a: Tensor, b: Tensor): boolean {
  return a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i]);
}

/** b broadcasts over a's rows when b is [N] (or [1, N]) and a's last dimension is N. */
function rowBroadcast(a: Tensor, b: Tensor): boolean {
  const N = a.shape[a.shape.length - 1];
  return a.shape.length >= 2 && b.size === N && (b.shape.length === 1 || (b.shape.length === 2 && b.shape[0] === 1));
}

/** a + sign·b, with b the same shape as a or a row vector broadcast over a's rows. */
function addScaled(op: string, a: Tensor, b: Tensor, sign: 1 | -1, ws?: Workspace): Tensor {
  const broadcast = !sameShape(a, b);
  if (broadcast && !rowBroadcast(a, b)) fail('ERR_SHAPE', `${op}: cannot combine ${formatShape(a.shape)} with ${formatShape(b.shape)}`);
  const be = currentBackend();
  const n = a.size;
  const out = new Tensor(allocF32(ws, `${op}.out`, n), a.shape);
  be.copy(n, a.data, out.data);
  const N = b.size;
  const M = n / Math.max(N, 1);
  if (!broadcast) be.axpy(n, sign, b.data, out.data);
  else if (sign === 1) be.biasAdd(M, N, b.data, out.data);
  else {
    // There is no "bias subtract" kernel; a - b = a + (-b) costs a negated copy of the short vector.
    const neg = allocF32(ws, `${op}.neg`, N);
    be.copy(N, b.data, neg);
    be.scale(N, -1, neg);
    be.biasAdd(M, N, neg, out.data);
  }
  if (!needsGrad(a, b)) return out;
  return record(
    out,
    op,
    [a, b],
    () => {
      const g = out.grad!;
      if (a.requiresGrad) {
        if (claimGrad(a)) be.copy(n, g, a.grad!);
        else be.axpy(n, 1, g, a.grad!);
      }
      if (b.requiresGrad) {
        if (broadcast) {
          // d(bias) is the column sum; colSum's beta accumulates, and sign is applied to the sum.
          const fresh = claimGrad(b);
          if (sign === 1) be.colSum(M, N, g, fresh ? 0 : 1, b.grad!);
          else {
            const s = allocF32(ws, `${op}.colsum`, N);
            be.colSum(M, N, g, 0, s);
            if (fresh) be.fill(N, 0, b.grad!);
            be.axpy(N, -1, s, b.grad!);
          }
        } else if (claimGrad(b)) {
          be.copy(n, g, b.grad!);
          if (sign === -1) be.scale(n, -1, b.grad!);
        } else be.axpy(n, sign, g, b.grad!);
      }
    },
    ws?.f32(`${op}.grad`, n),
  );
}

export function add(a: Tensor, b: Tensor, ws?: Workspace): Tensor {
  return addScaled('add', a, b, 1, ws);
}

export function sub(a: Tensor, b: Tensor, ws?: Workspace): Tensor {
  return addScaled('sub', a, b, -1, ws);
}

/** Elementwise product of two tensors of the same shape. */
export function mul(a: Tensor, b: Tensor, ws?: Workspace): Tensor {
  if (!sameShape(a, b)) fail('ERR_SHAPE', `mul: cannot multiply ${formatShape(a.shape)} by ${formatShape(b.shape)} elementwise`);
  const be = currentBackend();
  const n = a.size;
  const out = new Tensor(allocF32(ws, 'mul.out', n), a.shape);
  be.mul(n, a.data, b.data, out.data);
  if (!needsGrad(a, b)) return out;
  return record(
    out,
    'mul',
    [a, b],
    () => {
      const g = out.grad!;
      const scratch = () => allocF32(ws, 'mul.scratch', n);
      // d(a⊙b)/da = b; for a⊙a (both parents the same tensor) both contributions add up.
      if (a.requiresGrad) addGrad(be, a, (dst) => be.mul(n, g, b.data, dst), scratch);
      if (b.requiresGrad) addGrad(be, b, (dst) => be.mul(n, g, a.data, dst), scratch);
    },
    ws?.f32('mul.grad', n),
  );
}

/** alpha·a for a constant alpha. */
export function mulScalar(a: Tensor, alpha: number, ws?: Workspace): Tensor {
  if (typeof alpha !== 'number' || !Number.isFinite(alpha))
    fail('ERR_INVALID_ARG', `mulScalar: alpha must be a finite number, got ${String(alpha)}`);
  const be = currentBackend();
  const n = a.size;
  const out = new Tensor(allocF32(ws, 'mulScalar.out', n), a.shape);
  be.copy(n, a.data, out.data);
  be.scale(n, alpha, out.data);
  if (!needsGrad(a)) return out;
  return record(
    out,
    'mulScalar',
    [a],
    () => {
      if (claimGrad(a)) be.fill(n, 0, a.grad!);
      be.axpy(n, alpha, out.grad!, a.grad!);
    },
    ws?.f32('mulScalar.grad', n),
  );
}

/**
 * The same data under another shape (the output shares a's memory, so it costs nothing forward).
 * One dimension may be -1 (inferred).
 */
export function reshape(a: Tensor, shape: Shape, ws?: Workspace): Tensor {
  const dims = [...shape];
  const free = dims.indexOf(-1);
  if (free >= 0) {
    const rest = shapeSize(dims.filter((_, i) => i !== free));
    dims[free] = rest === 0 ? 0 : a.size / rest;
  }
  if (dims.some((d) => !Number.isInteger(d) || d < 0) || shapeSize(dims) !== a.size) {
    fail('ERR_SHAPE', `reshape: cannot view ${formatShape(a.shape)} (${a.size} elements) as ${formatShape(shape)}`);
  }
  const out = new Tensor(a.data, dims);
  if (!needsGrad(a)) return out;
  const be = currentBackend();
  return record(
    out,
    'reshape',
    [a],
    () => {
      if (claimGrad(a)) be.copy(a.size, out.grad!, a.grad!);
      else be.axpy(a.size, 1, out.grad!, a.grad!);
    },
    ws?.f32('reshape.grad', a.size),
  );
}
