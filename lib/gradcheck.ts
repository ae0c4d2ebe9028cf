/**
 * gradcheck: the analytic gradient (backward through the backend) against float64 central differences.
 *
 * The forward pass runs in float32 through the backend, like training does, so the numeric derivative
 * (f(x+h) − f(x−h)) / 2h carries the forward's rounding noise divided by h: about 1e-7·|f|/h. Its
 * truncation error is about h²·|f'''|/6. h = 1e-3 balances the two for float32 (noise ~1e-4, truncation
 * ~1e-7), and the tolerances (atol 1e-3, rtol 1e-2) sit above that noise while still catching a wrong
 * gradient (a missing factor, a wrong sign, a dropped term all give errors of order |gradient|).
 * Care with the perturbation: x ± h is rounded to float32, so the difference is divided by the step
 * actually taken, (x+h)₃₂ − (x−h)₃₂, and the outputs are summed in float64.
 * Non-scalar outputs are reduced as Σ wᵢ·outᵢ with fixed pseudo-random weights, so every output
 * element's gradient is exercised (a plain sum would hide errors that cancel, e.g. in softmax).
 * Choose inputs away from kinks (relu at 0): a difference across a kink is not a derivative.
 */
import { fail } from './errors.js';
import { isGradEnabled, noGrad } from './graph.js';
import { mul } from './ops/elementwise.js';
import { sum } from './ops/reduce.js';
import { Random } from './random.js';
import { Tensor } from './tensor.js';

export interface GradcheckOptions {
  /** Perturbation h (default 1e-3). */
  eps?: number;
  /** Pass when |analytic − numeric| ≤ atol + rtol·|numeric| for every element (defaults 1e-3, 1e-2). */
  atol?: number;
  rtol?: number;
}

export interface GradcheckWorst {
  /** Index of the input in `inputs`. */
  input: number;
  /** Flat element index in that input. */
  index: number;
  analytic: number;
  numeric: number;
}

export interface GradcheckReport {
  ok: boolean;
  maxAbsError: number;
  maxRelError: number;
  /** The element furthest outside (or closest to) its tolerance; null when no element was checked. */
  worst: GradcheckWorst | null;
  /** How many elements were compared. */
  checked: number;
}

type Fn = (...inputs: Tensor[]) => Tensor;

/** The output's scalar value in float64: itself, or Σ w·out. */
function reduceOutput(out: Tensor, weights: Float64Array | null): number {
  if (weights === null) return out.data[0];
  let s = 0;
  for (let i = 0; i < out.size; i++) s += weights[i] * out.data[i];
  return s;
}

export function gradcheck(fn: Fn, inputs: Tensor[], options: GradcheckOptions = {}): GradcheckReport {
  const eps = options.eps ?? 1e-3;
  const atol = options.atol ?? 1e-3;
  const rtol = options.rtol ?? 1e-2;
  if (typeof fn !== 'function') fail('ERR_INVALID_ARG', 'gradcheck: fn must be a function');
  if (!Array.isArray(inputs) || inputs.some((t) => !(t instanceof Tensor)))
    fail('ERR_INVALID_ARG', 'gradcheck: inputs must be an array of Tensors');
  if (!inputs.some((t) => t.requiresGrad))
    fail('ERR_INVALID_ARG', 'gradcheck: no input has requiresGrad = true, so there is no gradient to check');
  if (!(eps > 0)) fail('ERR_INVALID_ARG', `gradcheck: eps must be > 0, got ${eps}`);
  if (!isGradEnabled()) fail('ERR_INVALID_ARG', 'gradcheck: called inside noGrad(); the analytic gradient needs the graph');

  // Analytic gradients, from clean gradient buffers (restored afterwards: gradcheck leaves no trace).
  const savedGrads = inputs.map((t) => t.grad);
  for (const t of inputs) t.grad = null;
  let weights: Float64Array | null = null;
  let analytic: Float32Array[];
  try {
    const out = fn(...inputs);
    if (!(out instanceof Tensor)) fail('ERR_INVALID_ARG', 'gradcheck: fn must return a Tensor');
    let root = out;
    if (out.size !== 1) {
      const rng = new Random(20240601);
      weights = new Float64Array(out.size);
      const w32 = new Float32Array(out.size);
      for (let i = 0; i < out.size; i++) w32[i] = weights[i] = Math.fround(rng.uniform(0.5, 1.5) * (rng.random() < 0.5 ? -1 : 1));
      root = sum(mul(out, new Tensor(w32, out.shape)));
    }
    if (!root.requiresGrad) fail('ERR_INVALID_ARG', 'gradcheck: the output does not depend on any input with requiresGrad');
    root.backward();
    analytic = inputs.map((t) => (t.grad ? t.grad.slice() : new Float32Array(t.size)));
  } finally {
    inputs.forEach((t, k) => {
      t.grad = savedGrads[k];
    });
  }

  let maxAbsError = 0;
  let maxRelError = 0;
  let worst: GradcheckWorst | null = null;
  let worstRatio = -1;
  let checked = 0;
  noGrad(() => {
    inputs.forEach((t, k) => {
      if (!t.requiresGrad) return;
      for (let i = 0; i < t.size; i++) {
        const original = t.data[i];
        try {
          t.data[i] = original + eps;
          const xPlus = t.data[i];
          const fPlus = reduceOutput(fn(...inputs), weights);
          t.data[i] = original - eps;
          const xMinus = t.data[i];
          const fMinus = reduceOutput(fn(...inputs), weights);
          const numeric = (fPlus - fMinus) / (xPlus - xMinus);
          const a = analytic[k][i];
          const abs = Math.abs(a - numeric);
          const rel = abs / Math.max(Math.abs(numeric), Math.abs(a), 1e-12);
          maxAbsError = Math.max(maxAbsError, abs);
          if (abs > 0) maxRelError = Math.max(maxRelError, rel);
          const ratio = Number.isNaN(abs) ? Infinity : abs / (atol + rtol * Math.abs(numeric));
          if (ratio > worstRatio) {
            worstRatio = ratio;
            worst = { input: k, index: i, analytic: a, numeric };
          }
          checked++;
        } finally {
          t.data[i] = original;
        }
      }
    });
  });
  return { ok: checked > 0 && worstRatio <= 1, maxAbsError, maxRelError, worst, checked };
}
