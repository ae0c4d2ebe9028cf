/**
 * The 5-7-6-3 networks of the PyTorch reference (tanh, relu, sigmoid hidden layers, linear output,
 * softmax cross-entropy): a Sequential of Dense layers must reproduce the logits, the loss and every
 * weight and bias gradient, on every backend, through the public graph (forward, loss, backward).
 */
import { describe, expect, it } from 'vitest';
import { Dense, Sequential } from '../../lib/layers/index.js';
import { crossEntropyLoss } from '../../lib/losses.js';
import { tensor } from '../../lib/tensor.js';
import { withBackend } from '../../lib/ops/current-backend.js';
import type { ActivationKind } from '../../lib/backend/contract.js';
import { backends } from '../helpers/backends.js';
import { expectClose, expectCloseScalar } from '../helpers/close.js';
import { reference, type MlpRef } from '../helpers/reference.js';

const TOL = { rtol: 1e-5, atol: 1e-7 };

function buildMlp(ref: MlpRef): Sequential {
  const s = ref.sizes;
  const layers = s
    .slice(1)
    .map((out, i) => new Dense(s[i], out, { activation: i < s.length - 2 ? (ref.activation as ActivationKind) : 'linear' }));
  const model = new Sequential(layers);
  model.setWeights(ref.W.flatMap((w, i) => [Float32Array.from(w), Float32Array.from(ref.b[i])]));
  return model;
}

describe.each(backends.map((b) => [b.name, b] as const))('MLP references on %s', (_name, backend) => {
  for (const act of ['tanh', 'relu', 'sigmoid']) {
    it(`${act}: logits, loss and every gradient match PyTorch`, () => {
      const ref = reference<MlpRef>(`mlp_${act}`);
      withBackend(backend, () => {
        const model = buildMlp(ref);
        const batch = ref.labels.length;
        const x = tensor(ref.X, [batch, ref.sizes[0]]);
        const logits = model.forward(x);
        expectClose(logits.data, ref.logits, TOL, 'logits');
        const loss = crossEntropyLoss(logits, Int32Array.from(ref.labels));
        expectCloseScalar(loss.item(), ref.loss, TOL, 'loss');
        loss.backward();
        const named = model.namedParameters();
        expect(named.map(([n]) => n)).toEqual(['0.weight', '0.bias', '1.weight', '1.bias', '2.weight', '2.bias']);
        ref.dW.forEach((dW, i) => {
          expectClose(named[2 * i][1].grad!, dW, TOL, `${i}.weight grad`);
          expectClose(named[2 * i + 1][1].grad!, ref.db[i], TOL, `${i}.bias grad`);
        });
      });
    });

    it(`${act}: the training-loop (reuse) mode gives the same numbers twice in a row`, () => {
      const ref = reference<MlpRef>(`mlp_${act}`);
      withBackend(backend, () => {
        const model = buildMlp(ref);
        const x = tensor(ref.X, [ref.labels.length, ref.sizes[0]]);
        const labels = Int32Array.from(ref.labels);
        for (let step = 0; step < 2; step++) {
          model.zeroGrad();
          const logits = model.forward(x, { reuse: true });
          const loss = crossEntropyLoss(logits, labels);
          expectCloseScalar(loss.item(), ref.loss, TOL, `loss, step ${step}`);
          loss.backward();
          expectClose(model.parameters()[0].grad!, ref.dW[0], TOL, `0.weight grad, step ${step}`);
        }
      });
    });
  }
});
