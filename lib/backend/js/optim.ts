/**
 * Optimizer steps with PyTorch 1.13's update rules (torch.optim.SGD, Adam/AdamW, RMSprop, Adagrad, Adadelta, Adamax, NAdam;
 * the single-tensor, non-foreach code paths). Each element is updated in double from the float32 state
 * and rounded on store; the gradient is never written (weight decay is applied to a local copy).
 * Scalars that do not depend on the element (bias corrections, step sizes) are computed once per call.
 */
import type { AdadeltaOptions, AdagradOptions, AdamaxOptions, AdamOptions, NadamOptions, RmspropOptions, SgdOptions } from '../contract.js';

export function sgdStep(
  n: number,
  param: Float32Array,
  grad: Float32Array,
  momentumBuf: Float32Array | null,
  step: number,
  o: SgdOptions,
): number {
  const { lr, momentum, dampening, nesterov, weightDecay } = o;
  if (momentum === 0 || momentumBuf === null) {
    for (let i = 0; i < n; i++) {
      const p = param[i];
      param[i] = p - lr * (grad[i] + weightDecay * p);
    }
    return countNonFinite(n, param);
  }
  // PyTorch starts the buffer as a copy of the first gradient (no dampening on step 1).
  const first = step === 1;
  const undamped = 1 - dampening;
  for (let i = 0; i < n; i++) {
    const p = param[i];
    const g = grad[i] + weightDecay * p;
    const buf = first ? g : momentum * momentumBuf[i] + undamped * g;
    momentumBuf[i] = buf;
    param[i] = p - lr * (nesterov ? g + momentum * buf : buf);
  }
  return countNonFinite(n, param);
}

/** Adam, or AdamW when `decoupled` (weight decay shrinks the parameter instead of joining the gradient). */
export function adamStep(
  n: number,
  param: Float32Array,
  grad: Float32Array,
  m: Float32Array,
  v: Float32Array,
  vMax: Float32Array | null,
  step: number,
  o: AdamOptions,
): number {
  const { lr, beta1, beta2, eps, weightDecay, decoupled } = o;
  const bc1 = 1 - beta1 ** step;
  const bc2Sqrt = Math.sqrt(1 - beta2 ** step);
  const stepSize = lr / bc1;
  const shrink = decoupled ? 1 - lr * weightDecay : 1;
  const l2 = decoupled ? 0 : weightDecay;
  const oneMinusBeta1 = 1 - beta1,
    oneMinusBeta2 = 1 - beta2;
  for (let i = 0; i < n; i++) {
    const p = param[i] * shrink;
    const g = grad[i] + l2 * p;
    const mi = beta1 * m[i] + oneMinusBeta1 * g;
    let vi = beta2 * v[i] + oneMinusBeta2 * g * g;
    m[i] = mi;
    v[i] = vi;
    if (vMax !== null) {
      // AMSGrad: the running maximum of v is kept (in float32, as PyTorch stores it) and used instead of v.
      vi = Math.max(vMax[i], Math.fround(vi));
      vMax[i] = vi;
    }
    param[i] = p - (stepSize * mi) / (Math.sqrt(vi) / bc2Sqrt + eps);
  }
  return countNonFinite(n, param);
}

export function rmspropStep(
  n: number,
  param: Float32Array,
  grad: Float32Array,
  squareAvg: Float32Array,
  gradAvg: Float32Array | null,
  momentumBuf: Float32Array | null,
  o: RmspropOptions,
): number {
  const { lr, alpha, eps, weightDecay, momentum } = o;
  const oneMinusAlpha = 1 - alpha;
  const useMomentum = momentum > 0 && momentumBuf !== null;
  for (let i = 0; i < n; i++) {
    const p = param[i];
    const g = grad[i] + weightDecay * p;
    const sq = alpha * squareAvg[i] + oneMinusAlpha * g * g;
    squareAvg[i] = sq;
    let avg: number;
    if (gradAvg !== null) {
      // Centered: normalize by an estimate of the gradient's variance rather than its second moment.
      const ga = alpha * gradAvg[i] + oneMinusAlpha * g;
      gradAvg[i] = ga;
      avg = Math.sqrt(sq - ga * ga) + eps;
    } else {
      avg = Math.sqrt(sq) + eps;
    }
    if (useMomentum) {
      const buf = momentum * momentumBuf[i] + g / avg;
      momentumBuf[i] = buf;
      param[i] = p - lr * buf;
    } else {
      param[i] = p - (lr * g) / avg;
    }
  }
  return countNonFinite(n, param);
}

export function adagradStep(
  n: number,
  param: Float32Array,
  grad: Float32Array,
  sum: Float32Array,
  step: number,
  o: AdagradOptions,
): number {
  const { lr, lrDecay, weightDecay, eps } = o;
  const clr = lr / (1 + (step - 1) * lrDecay);
  for (let i = 0; i < n; i++) {
    const p = param[i];
    const g = grad[i] + weightDecay * p;
    const s = sum[i] + g * g;
    sum[i] = s;
    param[i] = p - (clr * g) / (Math.sqrt(s) + eps);
  }
  return countNonFinite(n, param);
}

export function adadeltaStep(
  n: number,
  param: Float32Array,
  grad: Float32Array,
  squareAvg: Float32Array,
  accDelta: Float32Array,
  o: AdadeltaOptions,
): number {
  const { lr, rho, eps, weightDecay } = o;
  const oneMinusRho = 1 - rho;
  for (let i = 0; i < n; i++) {
    const p = param[i];
    const g = grad[i] + weightDecay * p;
    const sq = rho * squareAvg[i] + oneMinusRho * g * g;
    squareAvg[i] = sq;
    const delta = (Math.sqrt(accDelta[i] + eps) / Math.sqrt(sq + eps)) * g;
    accDelta[i] = rho * accDelta[i] + oneMinusRho * delta * delta;
    param[i] = p - lr * delta;
  }
  return countNonFinite(n, param);
}

export function adamaxStep(
  n: number,
  param: Float32Array,
  grad: Float32Array,
  expAvg: Float32Array,
  expInf: Float32Array,
  step: number,
  o: AdamaxOptions,
): number {
  const { lr, beta1, beta2, eps, weightDecay } = o;
  const clr = lr / (1 - beta1 ** step);
  const oneMinusBeta1 = 1 - beta1;
  for (let i = 0; i < n; i++) {
    const p = param[i];
    const g = grad[i] + weightDecay * p;
    const m = beta1 * expAvg[i] + oneMinusBeta1 * g;
    expAvg[i] = m;
    // torch.amax: NaN wins, as Math.max does.
    const u = Math.max(Math.fround(beta2 * expInf[i]), Math.fround(Math.abs(g) + eps));
    expInf[i] = u;
    param[i] = p - (clr * m) / u;
  }
  return countNonFinite(n, param);
}

/**
 * NAdam's momentum coefficients at `step`: mu_t = beta1·(1 − 0.5·0.96^(t·momentumDecay)), the running product
 * of mu_1..mu_t, and (as PyTorch 1.13 computes it) that product times mu_t·mu_{t+1}. The product is recomputed
 * from the step (it stops once it no longer changes 1 − product), so the kernel needs no scalar state.
 */
export function nadamCoefficients(beta1: number, momentumDecay: number, step: number): { mu: number; muNext: number; product: number } {
  const muAt = (t: number): number => beta1 * (1 - 0.5 * 0.96 ** (t * momentumDecay));
  let product = 1;
  for (let t = 1; t <= step; t++) {
    product *= muAt(t);
    if (product < 1e-20) break; // 1 − product is 1 in double from here on
  }
  return { mu: muAt(step), muNext: muAt(step + 1), product };
}

export function nadamStep(
  n: number,
  param: Float32Array,
  grad: Float32Array,
  m: Float32Array,
  v: Float32Array,
  step: number,
  o: NadamOptions,
): number {
  const { lr, beta1, beta2, eps, weightDecay, momentumDecay } = o;
  const { mu, muNext, product } = nadamCoefficients(beta1, momentumDecay, step);
  // PyTorch 1.13 multiplies mu in twice here (product already includes mu_t); later versions do not.
  const productNext = product * mu * muNext;
  const bc2 = 1 - beta2 ** step;
  const gradScale = (lr * (1 - mu)) / (1 - product);
  const avgScale = (lr * muNext) / (1 - productNext);
  const oneMinusBeta1 = 1 - beta1,
    oneMinusBeta2 = 1 - beta2;
  for (let i = 0; i < n; i++) {
    const p = param[i];
    const g = grad[i] + weightDecay * p;
    const mi = beta1 * m[i] + oneMinusBeta1 * g;
    const vi = beta2 * v[i] + oneMinusBeta2 * g * g;
    m[i] = mi;
    v[i] = vi;
    const denom = Math.sqrt(vi / bc2) + eps;
    param[i] = p - (gradScale * g) / denom - (avgScale * mi) / denom;
  }
  return countNonFinite(n, param);
}

/** How many of param's n values are NaN or ±Infinity after an update (what every step returns: fit's divergence check). */
function countNonFinite(n: number, param: Float32Array): number {
  let count = 0;
  for (let i = 0; i < n; i++) {
    const p = param[i];
    if (p - p !== 0) count++;
  }
  return count;
}
