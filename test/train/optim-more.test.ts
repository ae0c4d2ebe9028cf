/**
 * Adadelta, Adamax and NAdam as classes, on every backend: PyTorch 1.13's trajectories (optimizers_more.json, from
 * optimizers_more.py beside it), a run resumed from state() halfway that ends where the whole run does, a checkpoint
 * that brings each back, and the constructors' checks.
 */
import { describe, expect, it } from 'vitest';
import { Adadelta, Adamax, NAdam, type Backend, type Optimizer, type Parameter, loadModel, saveModel } from '../../lib/index.js';
import { backends } from '../helpers/backends.js';
import { expectClose, f32 } from '../helpers/close.js';
import { expectError } from '../helpers/errors.js';
import { onBackend } from '../helpers/async.js';
import { reference } from '../helpers/reference.js';
import { blobs, makeModel } from '../io/checkpoint-fixtures.js';
import { scratchDir } from '../io/scratch-dir.js';

interface MoreRef {
  p0: number[];
  grads: number[][];
  cases: Record<string, { hyper: Record<string, number | number[]>; steps: number[][] }>;
}
const ref = reference<MoreRef>('optimizers_more');
const file = scratchDir('optim-more');

/** The reference's snake_case hyper-parameters as our constructors' options. */
function make(name: string, h: Record<string, number | number[]>, params: Parameter[], backend: Backend): Optimizer {
  const c: Record<string, unknown> = { backend };
  for (const [k, v] of Object.entries(h)) c[k.replace(/_([a-z])/g, (_, ch: string) => ch.toUpperCase())] = v;
  if (name.startsWith('adadelta')) return new Adadelta(params, c);
  if (name.startsWith('adamax')) return new Adamax(params, c);
  return new NAdam(params, c);
}

describe.each(backends)('Adadelta, Adamax, NAdam ($name)', (backend) => {
  it.each(Object.keys(ref.cases))('%s matches torch.optim, and resumes from state() halfway', (name) => {
    const { hyper, steps } = ref.cases[name];
    const params: Parameter[] = [{ data: f32(ref.p0), grad: null }];
    let opt = make(name, hyper, params, backend);
    steps.forEach((expected, k) => {
      if (k === 2) {
        const saved = opt.state();
        opt = make(name, { lr: 0 }, params, backend);
        opt.loadState(saved);
      }
      params[0].grad = f32(ref.grads[k]);
      opt.step();
      expectClose(params[0].data, expected, { rtol: 1e-5 }, `${name} step ${k + 1}`);
    });
    expect(opt.stepCount).toBe(4);
  });

  it('a checkpoint brings each one back with its state', async () => {
    await onBackend(backend, async () => {
      const { x, y } = blobs(48);
      const makers: ((ps: Parameter[]) => Optimizer)[] = [
        (ps) => new Adadelta(ps, { rho: 0.8, weightDecay: 0.01, backend }),
        (ps) => new Adamax(ps, { lr: 0.01, betas: [0.8, 0.99], backend }),
        (ps) => new NAdam(ps, { lr: 0.01, momentumDecay: 0.01, backend }),
      ];
      for (const makeOpt of makers) {
        const model = makeModel(3);
        const optimizer = makeOpt(model.parameters());
        await model.fit(x, y, { optimizer, epochs: 1, batchSize: 16 });
        const path = file(`${optimizer.type}-${backend.name}.safetensors`);
        saveModel(path, model, { optimizer });
        const loaded = loadModel(path).optimizer!;
        expect(loaded.constructor).toBe(optimizer.constructor);
        const a = loaded.state(),
          b = optimizer.state();
        expect([a.type, a.hyper, a.step, a.paramSteps]).toEqual([b.type, b.hyper, b.step, b.paramSteps]);
        for (const k of Object.keys(b.buffers)) expect(Array.from(a.buffers[k]), k).toEqual(Array.from(b.buffers[k]));
      }
    });
  });
});

describe('Adadelta, Adamax, NAdam options', () => {
  const params = (): Parameter[] => [{ data: new Float32Array(3), grad: null }];
  it('refuses what PyTorch refuses, naming the option', () => {
    expectError(() => new Adadelta(params(), { rho: 1.5 }), 'ERR_INVALID_ARG', /Adadelta: rho/);
    expectError(() => new Adamax(params(), { betas: [0.9] as unknown as [number, number] }), 'ERR_INVALID_ARG', /Adamax: betas/);
    expectError(() => new NAdam(params(), { momentumDecay: -1 }), 'ERR_INVALID_ARG', /NAdam: momentumDecay/);
    expectError(() => new NAdam(params(), { momentum: 0.9 } as never), 'ERR_INVALID_ARG', /NAdam/);
  });
  it('defaults to PyTorch 1.13', () => {
    expect(new Adadelta(params()).hyperParameters).toEqual({ lr: 1, rho: 0.9, eps: 1e-6, weightDecay: 0 });
    expect(new Adamax(params()).hyperParameters).toEqual({ lr: 2e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 });
    expect(new NAdam(params()).hyperParameters).toEqual({
      lr: 2e-3,
      beta1: 0.9,
      beta2: 0.999,
      eps: 1e-8,
      weightDecay: 0,
      momentumDecay: 4e-3,
    });
  });
});
