/**
 * The tape's semantics (fan-out sums, leaf accumulation, noGrad, seeds, deep graphs), the seeded
 * generator, the initializers, and js/native agreement on a whole network.
 */
import { describe, expect, it } from 'vitest';
import { computeFans, defaultInitializer, initialize } from '../../lib/init.js';
import { noGrad } from '../../lib/graph.js';
import { BatchNorm1d, Dense, Dropout, Sequential } from '../../lib/layers/index.js';
import { crossEntropyLoss } from '../../lib/losses.js';
import { activation, add, mul, mulScalar, sum } from '../../lib/ops/index.js';
import { manualSeed, Random } from '../../lib/random.js';
import { randn, tensor, type Tensor, zeros } from '../../lib/tensor.js';
import { currentBackend, useBackend, withBackend } from '../../lib/ops/current-backend.js';
import { backends, bothBackends } from '../helpers/backends.js';
import { expectClose } from '../helpers/close.js';
import { expectError } from '../helpers/errors.js';

describe.each(backends.map((b) => [b.name, b] as const))('the graph on %s', (_name, backend) => {
  const run = <T>(fn: () => T): T => withBackend(backend, fn);

  it('sums the gradients of a fan-out (x used three times)', () => {
    run(() => {
      const x = tensor([1, -2, 0.5], [3], { requiresGrad: true });
      sum(add(mul(x, x), mulScalar(x, 3))).backward(); // d/dx (x² + 3x) = 2x + 3
      expectClose(x.grad!, [5, -1, 4], { rtol: 1e-6 }, 'x.grad');
    });
  });

  it('accumulates into leaves across backward() calls until zeroGrad()', () => {
    run(() => {
      const x = tensor([1, 2], [2], { requiresGrad: true });
      sum(mulScalar(x, 2)).backward();
      sum(mulScalar(x, 2)).backward();
      expect(Array.from(x.grad!)).toEqual([4, 4]);
      x.zeroGrad();
      sum(mulScalar(x, 2)).backward();
      expect(Array.from(x.grad!)).toEqual([2, 2]);
    });
  });

  it('records nothing under noGrad, and says so when asked to backward', () => {
    run(() => {
      const x = tensor([1, 2], [2], { requiresGrad: true });
      const y = noGrad(() => sum(activation(x, 'tanh')));
      expect(y.requiresGrad).toBe(false);
      expect(y.isLeaf).toBe(true);
      expectError(() => y.backward(), 'ERR_INVALID_ARG', /does not require grad/);
    });
  });

  it('needs a seed gradient for a non-scalar root', () => {
    run(() => {
      const x = tensor([1, 2, 3], [3], { requiresGrad: true });
      const y = mulScalar(x, 2);
      expectError(() => y.backward(), 'ERR_SHAPE', /seed gradient/);
      y.backward(Float32Array.from([1, 0, -1]));
      expect(Array.from(x.grad!)).toEqual([2, 0, -2]);
    });
  });

  it('walks a graph 20000 ops deep without overflowing the stack', () => {
    run(() => {
      const x = tensor([1], [1], { requiresGrad: true });
      let y: Tensor = x;
      for (let i = 0; i < 20000; i++) y = add(y, x);
      sum(y).backward();
      expect(x.grad![0]).toBe(20001);
    });
  });

  it('gradients stop at tensors without requiresGrad (inputs and frozen parameters)', () => {
    run(() => {
      const layer = new Dense(3, 2, { activation: 'relu' });
      layer.weight.requiresGrad = false;
      const x = randn([4, 3]);
      crossEntropyLoss(layer.forward(x), [0, 1, 1, 0]).backward();
      expect(layer.weight.grad).toBeNull();
      expect(layer.bias!.grad).not.toBeNull();
      expect(x.grad).toBeNull();
    });
  });
});

describe('backend override', () => {
  it('withBackend sets the graph backend for the call and restores it', () => {
    const [first] = backends;
    const before = useBackend(null);
    try {
      withBackend(first, () => expect(currentBackend()).toBe(first));
      expect(() =>
        withBackend(first, () => {
          throw new Error('boom');
        }),
      ).toThrow('boom');
      useBackend(first);
      expect(currentBackend()).toBe(first);
    } finally {
      useBackend(before);
    }
  });
});

describe.runIf(bothBackends)('js and native agree', () => {
  it('on a whole network: outputs, loss and every gradient', () => {
    const [js, native] = ['js', 'native'].map((n) => backends.find((b) => b.name === n)!);
    const results = [js, native].map((be) =>
      withBackend(be, () => {
        manualSeed(3);
        const model = new Sequential([
          new Dense(10, 32, { activation: 'elu' }),
          new BatchNorm1d(32),
          new Dropout(0.3),
          new Dense(32, 16, { activation: 'softplus' }),
          new Dense(16, 4, { activation: 'leaky_relu' }),
          new Dense(4, 5),
        ]);
        const x = randn([24, 10], { requiresGrad: true });
        const logits = model.forward(x);
        const loss = crossEntropyLoss(
          logits,
          Int32Array.from({ length: 24 }, (_, i) => i % 5),
        );
        loss.backward();
        return { logits: logits.data, loss: loss.item(), grads: [x.grad!, ...model.parameters().map((p) => p.grad!)] };
      }),
    );
    const [a, b] = results;
    expectClose(b.logits, a.logits, { rtol: 1e-5, atol: 1e-6 }, 'logits');
    expectClose([b.loss], [a.loss], { rtol: 1e-5 }, 'loss');
    a.grads.forEach((g, i) => {
      expectClose(b.grads[i], g, { rtol: 1e-4, atol: 1e-6 }, `gradient ${i}`);
    });
  });
});

describe('the seeded generator', () => {
  it('repeats a stream for a seed and differs between seeds', () => {
    manualSeed(123);
    const a = randn([50]).toArray();
    manualSeed(123);
    expect(randn([50]).toArray()).toEqual(a);
    manualSeed(124);
    expect(randn([50]).toArray()).not.toEqual(a);
  });

  it('draws uniform values in [0, 1), normal values with mean 0 and variance 1, and unbiased integers', () => {
    const r = new Random(99);
    const n = 200000;
    let s = 0,
      s2 = 0,
      lo = Infinity,
      hi = -Infinity;
    for (let i = 0; i < n; i++) {
      const u = r.random();
      lo = Math.min(lo, u);
      hi = Math.max(hi, u);
      const z = r.normal();
      s += z;
      s2 += z * z;
    }
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThan(1);
    expect(Math.abs(s / n)).toBeLessThan(0.01);
    expect(Math.abs(s2 / n - 1)).toBeLessThan(0.02);
    const counts = [0, 0, 0];
    for (let i = 0; i < 30000; i++) counts[r.int(3)]++;
    for (const c of counts) expect(Math.abs(c - 10000)).toBeLessThan(400);
    const p = r.permutation(10);
    expect(Array.from(p).sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('snapshots and restores its state', () => {
    const r = new Random(5);
    r.normal();
    const state = r.getState();
    const next = [r.normal(), r.random(), r.nextUint32()];
    r.setState(state);
    expect([r.normal(), r.random(), r.nextUint32()]).toEqual(next);
  });
});

describe('initializers', () => {
  const stats = (a: Float32Array) => {
    let s = 0,
      s2 = 0,
      m = 0;
    for (const v of a) {
      s += v;
      s2 += v * v;
      m = Math.max(m, Math.abs(v));
    }
    return { mean: s / a.length, std: Math.sqrt(s2 / a.length - (s / a.length) ** 2), maxAbs: m };
  };

  it('use PyTorch fans for [in, out] Dense weights and [out, in, k…] kernels', () => {
    expect(computeFans([784, 128])).toEqual({ fanIn: 784, fanOut: 128 });
    expect(computeFans([16, 3, 5, 5])).toEqual({ fanIn: 75, fanOut: 400 });
  });

  it('give the documented scales', () => {
    const w = zeros([400, 100]).data;
    const rng = new Random(1);
    initialize('glorotUniform', w, [400, 100], rng);
    expect(stats(w).maxAbs).toBeLessThanOrEqual(Math.sqrt(6 / 500));
    expect(stats(w).std).toBeCloseTo(Math.sqrt(2 / 500), 3);
    initialize('heNormal', w, [400, 100], rng);
    expect(stats(w).std).toBeCloseTo(Math.sqrt(2 / 400), 3);
    initialize('heUniform', w, [400, 100], rng);
    expect(stats(w).maxAbs).toBeLessThanOrEqual(Math.sqrt(6 / 400));
    initialize('lecunNormal', w, [400, 100], rng);
    expect(stats(w).std).toBeCloseTo(Math.sqrt(1 / 400), 3);
    initialize({ kind: 'constant', value: 0.25 }, w, [400, 100], rng);
    expect(stats(w)).toMatchObject({ mean: 0.25, std: 0 });
    expectError(() => initialize('nope' as 'zeros', w, [400, 100]), 'ERR_INVALID_ARG', /unknown initializer/);
  });

  it('default to He for the ReLU family and Glorot otherwise; biases start at zero', () => {
    expect(defaultInitializer('relu')).toBe('heUniform');
    expect(defaultInitializer('tanh')).toBe('glorotUniform');
    expect(defaultInitializer('leaky_relu', 0.2)).toMatchObject({ kind: 'heUniform' });
    manualSeed(8);
    const layer = new Dense(300, 200, { activation: 'relu' });
    expect(stats(layer.weight.data).std).toBeCloseTo(Math.sqrt(2 / 300), 3);
    expect(Array.from(layer.bias!.data).every((v) => v === 0)).toBe(true);
  });
});
