/**
 * Adaline (Widrow & Hoff, 1960): a linear unit trained on the squared error of its *linear* output against
 * targets ±1, then thresholded at 0 to classify. Here it is the library's own pieces: a Dense(2, 1) with no
 * activation, the `mse` loss and SGD through `fit` (mini-batches of 10, the LMS rule averaged over the batch).
 * On the separable set of examples/separable.ts with a margin of 0.2 the thresholded unit classifies every point
 * (checked for seeds 1..100). Unlike the perceptron, Adaline minimizes squared error, not mistakes: with a thin
 * margin (0.1) its least-squares line leaves a point or two on the wrong side for about a third of the seeds.
 *
 *   npx tsx examples/adaline.ts [seed]
 */
import { Dense, Random, SGD, Sequential, Tensor, manualSeed } from '../lib/index.js';
import type { Backend, EpochLogs } from '../lib/index.js';
import { onBackend } from './on-backend.js';
import { separableSet } from './separable.js';

export interface AdalineOptions {
  seed?: number; // 1: the data, the initial weights and the shuffles
  points?: number; // 200
  margin?: number; // 0.2
  lr?: number; // 0.05
  epochs?: number; // 50
  batchSize?: number; // 10
  /** Run on this backend (default: the active one). */
  backend?: Backend;
  log?: (line: string) => void;
}

export interface AdalineResult {
  model: Sequential;
  history: EpochLogs[];
  /** Points misclassified by sign(w·x + b) after training. */
  errors: number;
  accuracy: number;
}

export function adaline(options: AdalineOptions = {}): Promise<AdalineResult> {
  return onBackend(options.backend, () => run(options));
}

async function run(options: AdalineOptions): Promise<AdalineResult> {
  const { seed = 1, points = 200, margin = 0.2, lr = 0.05, epochs = 50, batchSize = 10, backend, log = console.log } = options;
  const data = separableSet(new Random(seed), points, margin);
  manualSeed(seed); // the initializer and fit's shuffles draw from the library's generator
  const model = new Sequential([new Dense(2, 1)]);
  const optimizer = new SGD(model.parameters(), { lr, backend });
  const x = new Tensor(data.x, [points, 2]);
  const targets = Float32Array.from(data.y, (c) => (c === 1 ? 1 : -1));
  const countErrors = (): number => {
    const out = model.predict(x).data;
    let e = 0;
    for (let i = 0; i < points; i++) if ((out[i] > 0 ? 1 : 0) !== data.y[i]) e++;
    return e;
  };
  log(`adaline: ${points} points, margin ${margin}; Dense(2, 1) + mse + SGD(lr ${lr}), batch ${batchSize}`);
  const history = await model.fit(x, targets, {
    optimizer,
    epochs,
    batchSize,
    loss: 'mse',
    callbacks: {
      onEpochEnd: (l) => {
        if (l.epoch === 1 || l.epoch % 10 === 0 || l.epoch === epochs)
          log(`epoch ${l.epoch}: mse ${l.loss.toFixed(4)} · errors after thresholding ${countErrors()}`);
      },
    },
  });
  const errors = countErrors();
  return { model, history, errors, accuracy: 1 - errors / points };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await adaline({ seed: Number(process.argv[2] ?? 1) });
  const [w, b] = r.model.getWeights();
  console.log(
    `w = (${w[0].toFixed(3)}, ${w[1].toFixed(3)}), b = ${b[0].toFixed(3)}; ` +
      `accuracy ${(100 * r.accuracy).toFixed(1)} % (${r.errors} errors)`,
  );
}
