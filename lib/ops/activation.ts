/** Elementwise activations and the row-wise softmax, each one kernel call forward and one backward. */
import { fail } from '../errors.js';
import { ACTIVATION_KINDS, type ActivationKind } from '../backend/contract.js';
import { addGrad, needsGrad, record } from '../graph.js';
import { formatShape, Tensor } from '../tensor.js';
import { currentBackend } from './current-backend.js';
import { allocF32, type Workspace } from './workspace.js';

/** PyTorch's defaults for the one parameter some activations take. */
export const DEFAULT_LEAKY_SLOPE = 0.01;
export const DEFAULT_ELU_ALPHA = 1.0;

export function defaultActivationParam(kind: ActivationKind): number {
  return kind === 'leaky_relu' ? DEFAULT_LEAKY_SLOPE : kind === 'elu' ? DEFAULT_ELU_ALPHA : 0;
}

export function checkActivation(where: string, kind: unknown, param: unknown): void {
  if (!ACTIVATION_KINDS.includes(kind as ActivationKind)) {
    fail(
      'ERR_INVALID_ARG',
      `${where}: activation must be one of ${ACTIVATION_KINDS.join(', ')}, softmax, logSoftmax; got ${JSON.stringify(kind)}`,
    );
  }
  if (typeof param !== 'number' || !Number.isFinite(param) || param < 0) {
    fail('ERR_INVALID_ARG', `${where}: the ${kind} parameter must be a finite number >= 0, got ${String(param)}`);
  }
}

/** y = f(x) elementwise; `param` is the leaky-relu slope or the ELU alpha. */
export function activation(x: Tensor, kind: ActivationKind, param = defaultActivationParam(kind), ws?: Workspace): Tensor {
  checkActivation('activation', kind, param);
  const be = currentBackend();
  const n = x.size;
  const out = new Tensor(allocF32(ws, 'act.out', n), x.shape);
  be.activationForward(kind, param, n, x.data, out.data);
  if (!needsGrad(x)) return out;
  return record(
    out,
    kind,
    [x],
    () => {
      addGrad(
        be,
        x,
        (dst) => be.activationBackward(kind, param, n, x.data, out.data, out.grad!, dst),
        () => allocF32(ws, 'act.scratch', n),
      );
    },
    ws?.f32('act.grad', n),
  );
}

/** Softmax over the last dimension (each row of an [M, N] matrix sums to 1). */
export function softmax(x: Tensor, ws?: Workspace): Tensor {
  if (x.shape.length < 1) fail('ERR_SHAPE', `softmax: expected at least one dimension, got ${formatShape(x.shape)}`);
  const be = currentBackend();
  const N = x.shape[x.shape.length - 1];
  const M = N === 0 ? 0 : x.size / N;
  const out = new Tensor(allocF32(ws, 'softmax.out', x.size), x.shape);
  be.softmaxForward(M, N, x.data, out.data);
  if (!needsGrad(x)) return out;
  return record(
    out,
    'softmax',
    [x],
    () => {
      addGrad(
        be,
        x,
        (dst) => be.softmaxBackward(M, N, out.data, out.grad!, dst),
        () => allocF32(ws, 'softmax.scratch', x.size),
      );
    },
    ws?.f32('softmax.grad', x.size),
  );
}

/** Log-softmax over the last dimension: x − log Σ exp(x) per row, stable for logits of any magnitude. */
export function logSoftmax(x: Tensor, ws?: Workspace): Tensor {
  if (x.shape.length < 1) fail('ERR_SHAPE', `logSoftmax: expected at least one dimension, got ${formatShape(x.shape)}`);
  const be = currentBackend();
  const N = x.shape[x.shape.length - 1];
  const M = N === 0 ? 0 : x.size / N;
  const out = new Tensor(allocF32(ws, 'logSoftmax.out', x.size), x.shape);
  be.logSoftmaxForward(M, N, x.data, out.data);
  if (!needsGrad(x)) return out;
  return record(
    out,
    'logSoftmax',
    [x],
    () => {
      addGrad(
        be,
        x,
        (dst) => be.logSoftmaxBackward(M, N, out.data, out.grad!, dst),
        () => allocF32(ws, 'logSoftmax.scratch', x.size),
      );
    },
    ws?.f32('logSoftmax.grad', x.size),
  );
}

export const relu = (x: Tensor, ws?: Workspace) => activation(x, 'relu', 0, ws);
export const sigmoid = (x: Tensor, ws?: Workspace) => activation(x, 'sigmoid', 0, ws);
export const tanh = (x: Tensor, ws?: Workspace) => activation(x, 'tanh', 0, ws);
