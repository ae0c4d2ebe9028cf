/**
 * Rosenblatt's perceptron (1958) on a linearly separable 2-D set drawn from the library's seeded `Random`.
 * The model is a Dense(2, 1) with a step on its output; the weights start at zero and are changed only by
 * the perceptron rule, one point at a time in a shuffled order each epoch:
 *
 *   ŷ = [w·x + b > 0],   w ← w + η (y − ŷ) x,   b ← b + η (y − ŷ)
 *
 * (no gradient, no loss: the rule moves the line only when a point is on the wrong side). On separable data it
 * stops changing after finitely many mistakes (Novikoff's bound (R/γ)²), and the loop stops at the first epoch
 * without one. The final errors are counted again through `model.predict`, the library's batched forward.
 *
 *   npx tsx examples/perceptron.ts [seed]
 */
import { Dense, Random, Sequential, Tensor, type Backend } from '../lib/index.js';
import { onBackend } from './on-backend.js';
import { separableSet } from './separable.js';

export interface PerceptronOptions {
  seed?: number; // 1: the data, and the visiting order of each epoch
  points?: number; // 200
  margin?: number; // 0.1: no point is closer to the true line than this
  lr?: number; // 1 (the rule is scale-free from zero weights; any η > 0 makes the same mistakes)
  maxEpochs?: number; // 1000
  /** The backend of the final check through model.predict (default: the active one). */
  backend?: Backend;
  log?: (line: string) => void;
}

export interface PerceptronResult {
  model: Sequential;
  /** Mistakes (= updates) per epoch; the last is 0 when it converged. */
  mistakes: number[];
  epochs: number;
  converged: boolean;
  /** Points on the wrong side after training, counted through model.predict. */
  errors: number;
  accuracy: number;
}

export function perceptron(options: PerceptronOptions = {}): Promise<PerceptronResult> {
  return onBackend(options.backend, () => run(options));
}

async function run(options: PerceptronOptions): Promise<PerceptronResult> {
  const { seed = 1, points = 200, margin = 0.1, lr = 1, maxEpochs = 1000, log = console.log } = options;
  const rng = new Random(seed);
  const data = separableSet(rng, points, margin);
  const dense = new Dense(2, 1, { kernelInitializer: 'zeros' });
  const model = new Sequential([dense]);
  const w = dense.weight.data; // [2, 1]
  const b = dense.bias!.data; // [1]
  const order = new Uint32Array(points);
  for (let i = 0; i < points; i++) order[i] = i;
  const mistakes: number[] = [];
  let converged = false;
  log(
    `perceptron: ${points} points, margin ${margin}, ` +
      `true line ${data.line.w[0].toFixed(3)}·x0 + ${data.line.w[1].toFixed(3)}·x1 + ${data.line.b.toFixed(3)} = 0`,
  );
  for (let epoch = 1; epoch <= maxEpochs; epoch++) {
    rng.shuffle(order);
    let m = 0;
    for (const i of order) {
      const x0 = data.x[2 * i],
        x1 = data.x[2 * i + 1];
      const predicted = w[0] * x0 + w[1] * x1 + b[0] > 0 ? 1 : 0;
      const delta = lr * (data.y[i] - predicted);
      if (delta !== 0) {
        w[0] += delta * x0;
        w[1] += delta * x1;
        b[0] += delta;
        m++;
      }
    }
    mistakes.push(m);
    log(`epoch ${epoch}: ${m} mistakes · w = (${w[0].toFixed(3)}, ${w[1].toFixed(3)}), b = ${b[0].toFixed(3)}`);
    if (m === 0) {
      converged = true;
      break;
    }
  }
  const scores = model.predict(new Tensor(data.x, [points, 2])).data;
  let errors = 0;
  for (let i = 0; i < points; i++) if ((scores[i] > 0 ? 1 : 0) !== data.y[i]) errors++;
  return { model, mistakes, epochs: mistakes.length, converged, errors, accuracy: 1 - errors / points };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await perceptron({ seed: Number(process.argv[2] ?? 1) });
  console.log(
    r.converged
      ? `converged after ${r.epochs} epochs (${r.mistakes.reduce((a, b) => a + b, 0)} updates); ` +
          `errors: ${r.errors}, accuracy ${(100 * r.accuracy).toFixed(1)} %`
      : `did not converge in ${r.epochs} epochs; errors: ${r.errors}`,
  );
}
