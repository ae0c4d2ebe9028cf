/**
 * gradcheck (float64 central differences) against the analytic gradient of every op and layer, on every
 * backend: matmul, add/sub (with bias broadcast), mul, sum/mean, each activation, softmax, the fused
 * Dense with each activation, each loss, BatchNorm1d (training and eval), Dropout with a fixed seed,
 * the L2 penalty, and a fan-out graph.
 */
import { describe, expect, it } from 'vitest';
import { ACTIVATION_KINDS, type ActivationKind } from '../../lib/backend/contract.js';
import { gradcheck } from '../../lib/gradcheck.js';
import { BatchNorm1d, Dense, Sequential } from '../../lib/layers/index.js';
import { bceWithLogitsLoss, crossEntropyLoss, l2Penalty, mseLoss } from '../../lib/losses.js';
import { activation, add, dense, dropout, matmul, mean, mul, mulScalar, reshape, softmax, sub, sum } from '../../lib/ops/index.js';
import { Random } from '../../lib/random.js';
import { Tensor } from '../../lib/tensor.js';
import { withBackend } from '../../lib/ops/current-backend.js';
import { backends } from '../helpers/backends.js';
import { expectError } from '../helpers/errors.js';

const rng = new Random(7);

/** Normal values kept at least `gap` away from 0 (no relu kink inside the finite-difference step). */
function param(shape: number[], scale = 1, gap = 0.05): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let v = 0;
    while (Math.abs(v) < gap) v = rng.normal(0, scale);
    data[i] = v;
  }
  return new Tensor(data, shape, { requiresGrad: true });
}

function expectGradOk(report: ReturnType<typeof gradcheck>): void {
  expect(report.checked).toBeGreaterThan(0);
  expect(report.ok, `worst: ${JSON.stringify(report.worst)}, maxAbs ${report.maxAbsError}`).toBe(true);
}

describe.each(backends.map((b) => [b.name, b] as const))('gradcheck on %s', (_name, backend) => {
  const check = (fn: (...t: Tensor[]) => Tensor, inputs: Tensor[], opts = {}) =>
    withBackend(backend, () => expectGradOk(gradcheck(fn, inputs, opts)));

  it('matmul', () => check((a, b) => matmul(a, b), [param([3, 4]), param([4, 2])]));
  it('add, sub (same shape and bias broadcast), mul, mulScalar', () => {
    check((a, b) => add(a, b), [param([3, 4]), param([3, 4])]);
    check((a, b) => sub(a, b), [param([3, 4]), param([4])]);
    check((a, b) => add(a, b), [param([3, 4]), param([4])]);
    check((a, b) => mul(a, b), [param([2, 5]), param([2, 5])]);
    check((a) => mulScalar(a, -1.5), [param([2, 3])]);
    check((a) => reshape(a, [3, -1]), [param([2, 3, 2])]);
  });
  it('sum and mean', () => {
    check((a) => sum(a), [param([3, 3])]);
    check((a) => mean(a), [param([4, 2])]);
  });
  for (const kind of ACTIVATION_KINDS) {
    it(`activation ${kind}`, () =>
      check((a) => activation(a, kind as ActivationKind, kind === 'leaky_relu' ? 0.1 : kind === 'elu' ? 0.7 : 0), [param([3, 5], 1.5)]));
    it(`Dense with ${kind}`, () => {
      const layer = new Dense(4, 3, { activation: kind as ActivationKind, biasInitializer: { kind: 'uniform', low: -0.5, high: 0.5 } });
      check((x) => layer.forward(x), [param([5, 4]), layer.weight, layer.bias!]);
    });
  }
  it('the dense op with frozen weights (dX only) and without bias', () => {
    const W = param([4, 3]);
    W.requiresGrad = false;
    check((x) => dense(x, W, null, 'tanh', 0), [param([2, 4])]);
  });
  it('softmax and Dense with softmax', () => {
    check((a) => softmax(a), [param([3, 4])]);
    const layer = new Dense(3, 4, { activation: 'softmax' });
    check((x) => layer.forward(x), [param([2, 3]), layer.weight, layer.bias!]);
  });
  it('losses: cross-entropy (labels and soft targets), BCE on logits, MSE', () => {
    check((z) => crossEntropyLoss(z, [2, 0, 1]), [param([3, 4])]);
    check((z) => crossEntropyLoss(z, Float32Array.from([0.2, 0.3, 0.5, 0, 0, 1, 0, 0, 0.1, 0.1, 0.4, 0.4])), [param([3, 4])]);
    check((z) => bceWithLogitsLoss(z, [1, 0, 1, 1, 0, 0]), [param([2, 3])]);
    check((p) => mseLoss(p, [0.5, -1, 2, 0, 1, 1]), [param([3, 2])]);
  });
  it('L2 penalty on the weights of a model', () => {
    const model = new Sequential([new Dense(3, 4, { activation: 'tanh' }), new Dense(4, 2)]);
    const [w0, , w1] = model.parameters();
    check(() => l2Penalty(model, 0.3), [w0, w1]);
    check((z) => add(crossEntropyLoss(z, [1, 0]), l2Penalty([z], 0.1)), [param([2, 3])]);
  });
  it('BatchNorm1d in training mode (x, gamma, beta) and in eval mode', () => {
    const bn = new BatchNorm1d(3);
    bn.weight.data.set([0.5, -1.2, 2]);
    bn.bias.data.set([0.1, 0, -0.3]);
    check((x) => bn.forward(x), [param([6, 3]), bn.weight, bn.bias]);
    bn.running.mean.set([0.2, -0.1, 0.4]);
    bn.running.variance.set([1.5, 0.7, 2.2]);
    bn.eval();
    check((x) => bn.forward(x), [param([4, 3]), bn.weight, bn.bias]);
  });
  it('BatchNorm over [batch, C, L] (S > 1), training and eval', () => {
    const bn = new BatchNorm1d(2);
    check((x) => bn.forward(x), [param([3, 2, 4]), bn.weight, bn.bias]);
    bn.eval();
    check((x) => bn.forward(x), [param([3, 2, 4]), bn.weight, bn.bias]);
  });
  it('dropout with a fixed seed', () => {
    check((x) => dropout(x, 0.6, 12345), [param([4, 5])]);
  });
  it('a fan-out graph: x used by two branches and twice in one op', () => {
    const W = param([3, 3]);
    check((x, w) => add(mul(activation(x, 'tanh'), x), matmul(x, w)), [param([3, 3]), W]);
    check((x) => sum(add(dense(x, W, null, 'sigmoid', 0), dense(x, W, null, 'elu', 1))), [param([2, 3])]);
  });
  it('refuses inputs without requiresGrad, and reports the worst element of a wrong gradient', () => {
    withBackend(backend, () => {
      expectError(() => gradcheck((a) => sum(a), [new Tensor(new Float32Array(3), [3])]), 'ERR_INVALID_ARG', /requiresGrad/);
      // A deliberately wrong op: forward 2·x, backward claiming 3.
      const x = param([4]);
      const report = gradcheck(
        (a) => {
          const out = mulScalar(a, 2);
          out.backwardFn = () => {
            a.grad ??= new Float32Array(4);
            for (let i = 0; i < 4; i++) a.grad[i] += 3 * out.grad![i];
          };
          return sum(out);
        },
        [x],
      );
      expect(report.ok).toBe(false);
      expect(report.worst).not.toBeNull();
      expect(report.worst!.analytic / report.worst!.numeric).toBeCloseTo(1.5, 3);
    });
  });
});
