/** BatchNorm1d against PyTorch's training-mode reference: output, dx, dgamma, dbeta and running statistics. */
import { describe, expect, it } from 'vitest';
import { BatchNorm1d, Sequential } from '../../lib/layers/index.js';
import { tensor } from '../../lib/tensor.js';
import { withBackend } from '../../lib/ops/current-backend.js';
import { backends } from '../helpers/backends.js';
import { expectClose } from '../helpers/close.js';
import { reference, type BatchnormRef } from '../helpers/reference.js';

const TOL = { rtol: 1e-5, atol: 1e-6 };

describe.each(backends.map((b) => [b.name, b] as const))('BatchNorm1d on %s', (_name, backend) => {
  const ref = reference<BatchnormRef>('batchnorm');

  function layer(): BatchNorm1d {
    const bn = new BatchNorm1d(ref.F, { eps: ref.eps, momentum: ref.momentum });
    bn.weight.data.set(ref.gamma);
    bn.bias.data.set(ref.beta);
    return bn;
  }

  it('reproduces the forward, the backward and the running statistics', () => {
    withBackend(backend, () => {
      const bn = layer();
      const x = tensor(ref.x, [ref.B, ref.F], { requiresGrad: true });
      const y = bn.forward(x);
      expectClose(y.data, ref.y, TOL, 'y');
      y.backward(Float32Array.from(ref.g));
      expectClose(x.grad!, ref.dx, TOL, 'dx');
      expectClose(bn.weight.grad!, ref.dgamma, TOL, 'dgamma');
      expectClose(bn.bias.grad!, ref.dbeta, TOL, 'dbeta');
      expectClose(bn.running.mean, ref.running_mean, TOL, 'running_mean');
      expectClose(bn.running.variance, ref.running_var, TOL, 'running_var');
    });
  });

  it('a second backward pass adds to dx, dgamma and dbeta (gradients accumulate until zeroGrad, as in PyTorch)', () => {
    withBackend(backend, () => {
      const bn = layer();
      const x = tensor(ref.x, [ref.B, ref.F], { requiresGrad: true });
      bn.forward(x).backward(Float32Array.from(ref.g));
      bn.forward(x).backward(Float32Array.from(ref.g));
      const twice = (v: readonly number[]) => v.map((a) => 2 * a);
      expectClose(x.grad!, twice(ref.dx), TOL, 'dx');
      expectClose(bn.weight.grad!, twice(ref.dgamma), TOL, 'dgamma');
      expectClose(bn.bias.grad!, twice(ref.dbeta), TOL, 'dbeta');
    });
  });

  it('uses the running statistics in eval mode and does not update them', () => {
    withBackend(backend, () => {
      const bn = layer();
      bn.forward(tensor(ref.x, [ref.B, ref.F]));
      bn.eval();
      const before = bn.running.variance.slice();
      const x = tensor(ref.x.slice(0, 2 * ref.F), [2, ref.F]);
      const y = bn.forward(x);
      const expected = Array.from(x.data, (v, i) => {
        const c = i % ref.F;
        return ((v - bn.running.mean[c]) / Math.sqrt(bn.running.variance[c] + ref.eps)) * ref.gamma[c] + ref.beta[c];
      });
      expectClose(y.data, expected, TOL, 'eval output');
      expect(Array.from(bn.running.variance)).toEqual(Array.from(before));
    });
  });

  it('saves its running statistics with the weights, in state_dict order', () => {
    const model = new Sequential([layer()]);
    expect(model.namedWeights().map(([n]) => n)).toEqual(['0.weight', '0.bias', '0.running_mean', '0.running_var']);
    expect(model.parameters().length).toBe(2);
  });
});
