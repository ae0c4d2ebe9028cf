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
      // `x > 0 ? x : 0` (not Math.max) so NaN propagates as NaN and -0 maps to 0, as in PyTorch.
      for (let i = 0; i < n; i++) {
        const x = X[i];
        Y[i] = Math.max(x, 0);
      }
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
  }
}

/** dX = dY·f'(X). Sigmoid and tanh use the output Y (exact and cheap); ELU and softplus use X, because
 *  recovering exp(x) from Y = alpha·expm1(x) or log1p(exp(x)) cancels badly near 0. */
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
      // relu'(0) = 0, PyTorch's convention.
      for (let i = 0; i < n; i++) dX[i] = X[i] > 0 ? dY[i] : 0;
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
        dX[i] = x > 0 ? g : g * param * Math.exp(x);
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
  }
}
