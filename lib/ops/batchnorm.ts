/**
 * Batch normalization over x laid out [M, C, ...rest] (S = the product of rest; S = 1 for BatchNorm1d on
 * [M, C]), one kernel call each way in training. Running statistics follow PyTorch: momentum-weighted,
 * and the running variance uses the unbiased batch variance while the output uses the biased one.
 */
import { fail } from '../errors.js';
import type { Backend } from '../backend/contract.js';
import { addGrad, claimGrad, needsGrad, record } from '../graph.js';
import { formatShape, Tensor } from '../tensor.js';
import { currentBackend } from './current-backend.js';
import { KernelGrads } from './gradients.js';
import { allocF32, type Workspace } from './workspace.js';

export interface RunningStats {
  mean: Float32Array;
  variance: Float32Array;
  /** PyTorch's momentum: running = (1 − momentum)·running + momentum·batch. */
  momentum: number;
}

export interface BatchNormOptions {
  training: boolean;
  eps: number;
  /** Updated in training (even under noGrad, as PyTorch does); read in evaluation. */
  running: RunningStats;
  /** Names the layer in error messages. */
  where?: string;
}

function constant(ws: Workspace | undefined, key: string, n: number, value: number): Float32Array {
  const a = allocF32(ws, key, n);
  a.fill(value);
  return a;
}

export function batchNorm(x: Tensor, gamma: Tensor, beta: Tensor, o: BatchNormOptions, ws?: Workspace): Tensor {
  const where = o.where ?? 'batchNorm';
  const C = gamma.size;
  if (x.shape.length < 2 || x.shape[1] !== C) {
    fail('ERR_SHAPE', `${where}: expected input of shape [batch, ${C}, ...], got ${formatShape(x.shape)}`);
  }
  if (beta.size !== C || o.running.mean.length !== C || o.running.variance.length !== C) {
    fail('ERR_SHAPE', `${where}: beta and running statistics must have ${C} elements`);
  }
  const M = x.shape[0];
  const S = C === 0 || M === 0 ? 0 : x.size / (M * C);
  const Nc = M * S;
  if (o.training && Nc < 2) {
    fail(
      'ERR_SHAPE',
      `${where}: training needs more than one value per channel (got batch ${M} × ${S} positions); use a larger batch or eval()`,
    );
  }
  const be = currentBackend();
  const n = x.size;
  const out = new Tensor(allocF32(ws, 'bn.out', n), x.shape);
  let mean: Float32Array;
  const invStd = allocF32(ws, 'bn.invstd', C);
  if (o.training) {
    mean = allocF32(ws, 'bn.mean', C);
    be.batchNormForward(M, C, S, x.data, gamma.data, beta.data, o.eps, true, mean, invStd, out.data);
    // Running statistics: C scalars of bookkeeping. The biased variance is recovered from invStd
    // (1/invStd² − eps, relative error ~1e-7 for variances well above eps), then made unbiased.
    const m = o.running.momentum;
    const unbias = Nc / (Nc - 1);
    for (let c = 0; c < C; c++) {
      const variance = (1 / (invStd[c] * invStd[c]) - o.eps) * unbias;
      o.running.mean[c] = (1 - m) * o.running.mean[c] + m * mean[c];
      o.running.variance[c] = (1 - m) * o.running.variance[c] + m * variance;
    }
  } else {
    mean = o.running.mean;
    for (let c = 0; c < C; c++) invStd[c] = 1 / Math.sqrt(o.running.variance[c] + o.eps);
    be.batchNormForward(M, C, S, x.data, gamma.data, beta.data, o.eps, false, mean, invStd, out.data);
  }
  if (!needsGrad(x, gamma, beta)) return out;
  const training = o.training;
  return record(
    out,
    'batchNorm',
    [x, gamma, beta],
    () => {
      const dY = out.grad!;
      if (training) trainingBackward(be, ws, M, C, S, x, gamma, beta, mean, invStd, dY);
      else evalBackward(be, ws, M, C, S, x, gamma, beta, mean, invStd, dY);
    },
    ws?.f32('bn.grad', n),
  );
}

/**
 * One kernel call writes dX, dGamma and dBeta, each overwritten: KernelGrads puts each straight into a gradient still
 * to be written, or into scratch that it adds to one already holding a value (and scratch alone when none is needed).
 */
function trainingBackward(
  be: Backend,
  ws: Workspace | undefined,
  M: number,
  C: number,
  S: number,
  x: Tensor,
  gamma: Tensor,
  beta: Tensor,
  mean: Float32Array,
  invStd: Float32Array,
  dY: Float32Array,
): void {
  const n = x.size;
  const g = new KernelGrads(be, null);
  const scratch = (key: string, len: number) => () => allocF32(ws, key, len);
  const [dxScratch, dGammaScratch, dBetaScratch] = [scratch('bn.dx', n), scratch('bn.dgamma', C), scratch('bn.dbeta', C)];
  const dX = g.overwritten(x, dxScratch) ?? dxScratch();
  const dGamma = g.overwritten(gamma, dGammaScratch) ?? dGammaScratch();
  const dBeta = g.overwritten(beta, dBetaScratch) ?? dBetaScratch();
  be.batchNormBackward(M, C, S, x.data, mean, invStd, gamma.data, dY, dX, dGamma, dBeta);
  g.finish();
}

/**
 * Evaluation mode is a fixed per-channel affine map y = x·(gamma·invStd) + const. There is no kernel for
 * it; batchNormForward with mean 0, invStd = gamma·invStd, gamma 1, beta 0 computes dX = dY·gamma·invStd
 * in one call. Rarely on a hot path (fine-tuning a frozen network), so clarity beats speed here.
 */
function evalBackward(
  be: Backend,
  ws: Workspace | undefined,
  M: number,
  C: number,
  S: number,
  x: Tensor,
  gamma: Tensor,
  beta: Tensor,
  mean: Float32Array,
  invStd: Float32Array,
  dY: Float32Array,
): void {
  const n = x.size;
  const onesC = constant(ws, 'bn.ones', C, 1);
  const zerosC = constant(ws, 'bn.zeros', C, 0);
  if (x.requiresGrad) {
    const scaleC = allocF32(ws, 'bn.scale', C);
    for (let c = 0; c < C; c++) scaleC[c] = gamma.data[c] * invStd[c];
    addGrad(
      be,
      x,
      (dst) => be.batchNormForward(M, C, S, dY, onesC, zerosC, 0, false, zerosC, scaleC, dst),
      () => allocF32(ws, 'bn.dx', n),
    );
  }
  // Per-channel sums over M and S: colSum over [M][C·S], then (when S > 1) a [C, S]·ones(S) product.
  const channelSum = (T: Float32Array, t: Tensor) => {
    const fresh = claimGrad(t);
    if (S === 1) {
      be.colSum(M, C, T, fresh ? 0 : 1, t.grad!);
      return;
    }
    const perPosition = allocF32(ws, 'bn.cs', C * S);
    be.colSum(M, C * S, T, 0, perPosition);
    be.sgemm(false, false, C, 1, S, 1, perPosition, constant(ws, 'bn.onesS', S, 1), fresh ? 0 : 1, t.grad!);
  };
  if (beta.requiresGrad) channelSum(dY, beta);
  if (gamma.requiresGrad) {
    const xhat = allocF32(ws, 'bn.xhat', n);
    be.batchNormForward(M, C, S, x.data, onesC, zerosC, 0, false, mean, invStd, xhat);
    be.mul(n, xhat, dY, xhat);
    channelSum(xhat, gamma);
  }
}
