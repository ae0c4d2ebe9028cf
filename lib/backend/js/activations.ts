/**
 * Elementwise activations and their derivatives, with PyTorch's definitions. Math runs in double on the
 * float32 inputs and is rounded once on store. Every formula is written so it stays finite and accurate at
 * ±1000: sigmoid never evaluates exp of a large positive number, ELU uses expm1, softplus log1p and
 * PyTorch's threshold of 20. Outputs may be the very same array as an input (each element is read before
 * it is written), which the graph uses for in-place activations.
 */
import type { ActivationKind } from '../contract.js';

/** The numerically stable logistic function (shared with the BCE loss). */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** erf(t) for |t| < 2.5 and erfc(t) for t ≥ 2.5, both to a few double ulps: erf by its series
 *  2t/√π·e^(−t²)·Σ (2t²)^n/(1·3·…·(2n+1)) (positive terms, no cancellation), erfc by its continued fraction
 *  e^(−t²)/√π / (t + (1/2)/(t + 1/(t + (3/2)/(t + …)))), 40 terms (1e-16 relative from 2.5 up). */
function erfSeries(t: number): number {
  const t2 = 2 * t * t;
  let sum = 1,
    term = 1;
  for (let n = 1; term > 1e-17 * sum; n++) {
    term *= t2 / (2 * n + 1);
    sum += term;
  }
  return (2 / Math.sqrt(Math.PI)) * t * Math.exp(-t * t) * sum;
}
function erfcLarge(t: number): number {
  let f = t;
  for (let n = 40; n >= 1; n--) f = t + n / 2 / f;
  return Math.exp(-t * t) / Math.sqrt(Math.PI) / f;
}
/** Φ(x) = P(N(0,1) ≤ x) = erfc(−x/√2)/2, accurate relative to its value for x far below 0 too (GELU's tail). */
export function normalCdf(x: number): number {
  const t = x * Math.SQRT1_2;
  if (Number.isNaN(t)) return t;
  if (t <= -2.5) return 0.5 * erfcLarge(-t);
  if (t >= 2.5) return 1 - 0.5 * erfcLarge(t);
  return 0.5 + 0.5 * erfSeries(t);
}
const INV_SQRT_2PI = 0.3989422804014327;
/** GELU's tanh approximation: y = x·(1 + tanh u)/2 = x·σ(2u), u = √(2/π)·(x + 0.044715x³). */
const GELU_K = Math.sqrt(2 / Math.PI);
const GELU_C = 0.044715;
/** PyTorch's SELU constants. */
export const SELU_ALPHA = 1.6732632423543772;
export const SELU_SCALE = 1.0507009873554805;

/** log(1 + e^x) with no overflow and no threshold (Mish's inner softplus, as PyTorch computes it). */
function softplusExact(x: number): number {
  return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

/** Above this, softplus(x) = x to float precision; PyTorch's default threshold (with beta = 1). */
const SOFTPLUS_THRESHOLD = 20;

export function activationForward(kind: ActivationKind, param: number, n: number, X: Float32Array, Y: Float32Array): void {
  // One loop per kind, so the branch on `kind` is taken once per call, not once per element.
  switch (kind) {
    case 'linear':
      if (X !== Y) for (let i = 0; i < n; i++) Y[i] = X[i];
      return;
    case 'sigmoid':
      for (let i = 0; i < n; i++) Y[i] = sigmoid(X[i]);
      return;
    case 'tanh':
      for (let i = 0; i < n; i++) Y[i] = Math.tanh(X[i]);
      return;
    case 'relu':
      // Math.max: NaN propagates as NaN and -0 maps to 0, as in PyTorch (native writes x <= 0 ? 0 : x).
      for (let i = 0; i < n; i++) Y[i] = Math.max(X[i], 0);
      return;
    case 'leaky_relu':
      for (let i = 0; i < n; i++) {
        const x = X[i];
        Y[i] = x > 0 ? x : param * x;
      }
      return;
    case 'elu':
      for (let i = 0; i < n; i++) {
        const x = X[i];
        Y[i] = x > 0 ? x : param * Math.expm1(x);
      }
      return;
    case 'softplus':
      for (let i = 0; i < n; i++) {
        const x = X[i];
        Y[i] = x > SOFTPLUS_THRESHOLD ? x : Math.log1p(Math.exp(x));
      }
      return;
    case 'gelu':
      for (let i = 0; i < n; i++) {
        const x = X[i];
        Y[i] = x * normalCdf(x);
      }
      return;
    case 'gelu_tanh':
      for (let i = 0; i < n; i++) {
        const x = X[i];
        Y[i] = x * sigmoid(2 * GELU_K * (x + GELU_C * x * x * x));
      }
      return;
    case 'silu':
      for (let i = 0; i < n; i++) {
        const x = X[i];
        Y[i] = x * sigmoid(x);
      }
      return;
    case 'selu':
      for (let i = 0; i < n; i++) {
        const x = X[i];
        Y[i] = SELU_SCALE * (x > 0 ? x : SELU_ALPHA * Math.expm1(x));
      }
      return;
    case 'mish':
      for (let i = 0; i < n; i++) {
        const x = X[i];
        Y[i] = x * Math.tanh(softplusExact(x));
      }
      return;
    case 'softsign':
      for (let i = 0; i < n; i++) {
        const x = X[i];
        Y[i] = x / (1 + Math.abs(x));
      }
      return;
    case 'hardsigmoid':
      // relu6(x + 3)/6, with NaN passing through as NaN.
      for (let i = 0; i < n; i++) {
        const x = X[i];
        Y[i] = x <= -3 ? 0 : x >= 3 ? 1 : (x + 3) / 6;
      }
      return;
    case 'relu6':
      for (let i = 0; i < n; i++) {
        const x = X[i];
        Y[i] = Math.min(Math.max(x, 0), 6); // NaN stays NaN (Math.min/max propagate it)
      }
      return;
  }
}

/** dX = dY·f'(X). Sigmoid and tanh use the output Y (exact and cheap); every other kind uses X (ELU and
 *  softplus because recovering exp(x) from Y = alpha·expm1(x) or log1p(exp(x)) cancels badly near 0; the
 *  newer kinds because f' is not a function of y). At NaN each gradient is PyTorch's: the comparisons are
 *  written so that NaN takes the branch PyTorch's takes. */
export function activationBackward(
  kind: ActivationKind,
  param: number,
  n: number,
  X: Float32Array,
  Y: Float32Array,
  dY: Float32Array,
  dX: Float32Array,
): void {
  switch (kind) {
    case 'linear':
      if (dY !== dX) for (let i = 0; i < n; i++) dX[i] = dY[i];
      return;
    case 'sigmoid':
      for (let i = 0; i < n; i++) {
        const y = Y[i];
        dX[i] = dY[i] * y * (1 - y);
      }
      return;
    case 'tanh':
      for (let i = 0; i < n; i++) {
        const y = Y[i];
        dX[i] = dY[i] * (1 - y * y);
      }
      return;
    case 'relu':
      // relu'(0) = 0, PyTorch's convention; at NaN PyTorch passes the gradient through (NaN <= 0 is false).
      for (let i = 0; i < n; i++) dX[i] = X[i] <= 0 ? 0 : dY[i];
      return;
    case 'leaky_relu':
      for (let i = 0; i < n; i++) {
        const g = dY[i];
        dX[i] = X[i] > 0 ? g : g * param;
      }
      return;
    case 'elu':
      for (let i = 0; i < n; i++) {
        const x = X[i],
          g = dY[i];
        dX[i] = x <= 0 ? g * param * Math.exp(x) : g;
      }
      return;
    case 'softplus':
      for (let i = 0; i < n; i++) {
        const x = X[i],
          g = dY[i];
        if (x > SOFTPLUS_THRESHOLD) {
          dX[i] = g;
        } else {
          // sigmoid(x) written as z/(z+1): PyTorch's form; z ≤ e^20 here, so it cannot overflow.
          const z = Math.exp(x);
          dX[i] = (g * z) / (z + 1);
        }
      }
      return;
    case 'gelu':
      for (let i = 0; i < n; i++) {
        const x = X[i];
        dX[i] = dY[i] * (normalCdf(x) + x * INV_SQRT_2PI * Math.exp(-0.5 * x * x));
      }
      return;
    case 'gelu_tanh':
      // d/dx x·σ(2u) = σ(2u) + 2x·σ(2u)·σ(−2u)·u', u' = √(2/π)·(1 + 3·0.044715x²); σ(−2u) rather than 1 − σ(2u).
      for (let i = 0; i < n; i++) {
        const x = X[i],
          u2 = 2 * GELU_K * (x + GELU_C * x * x * x),
          s = sigmoid(u2);
        dX[i] = dY[i] * (s + 2 * x * s * sigmoid(-u2) * GELU_K * (1 + 3 * GELU_C * x * x));
      }
      return;
    case 'silu':
      for (let i = 0; i < n; i++) {
        const x = X[i],
          s = sigmoid(x);
        dX[i] = dY[i] * s * (1 + x * sigmoid(-x));
      }
      return;
    case 'selu':
      for (let i = 0; i < n; i++) {
        const x = X[i],
          g = dY[i];
        dX[i] = x <= 0 ? g * SELU_SCALE * SELU_ALPHA * Math.exp(x) : g * SELU_SCALE;
      }
      return;
    case 'mish':
      for (let i = 0; i < n; i++) {
        const x = X[i],
          t = Math.tanh(softplusExact(x));
        dX[i] = dY[i] * (t + x * sigmoid(x) * (1 - t * t));
      }
      return;
    case 'softsign':
      for (let i = 0; i < n; i++) {
        const d = 1 + Math.abs(X[i]);
        dX[i] = dY[i] / (d * d);
      }
      return;
    case 'hardsigmoid':
      // PyTorch: 1/6 strictly inside (−3, 3), 0 elsewhere and at NaN.
      for (let i = 0; i < n; i++) {
        const x = X[i];
        dX[i] = x > -3 && x < 3 ? dY[i] / 6 : 0;
      }
      return;
    case 'relu6':
      // PyTorch (hardtanh's backward): 0 at and beyond 0 and 6, the gradient inside and at NaN.
      for (let i = 0; i < n; i++) {
        const x = X[i];
        dX[i] = x <= 0 || x >= 6 ? 0 : dY[i];
      }
      return;
  }
}
