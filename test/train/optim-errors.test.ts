/** Hyper-parameters are checked at construction with PyTorch's rules, and every refusal is an ERR_INVALID_ARG naming the value. */
import { describe, expect, it } from 'vitest';
import { getBackend, NeuroblasError } from '../../lib/index.js';
import { Adagrad, Adam, AdamW, RMSprop, SGD, type Parameter } from '../../lib/optim/index.js';

const backend = getBackend('js');
const params = (): Parameter[] => [{ data: new Float32Array(3), grad: new Float32Array(3) }];

function refuses(make: () => unknown, message: string | RegExp): void {
  let error: unknown;
  try {
    make();
  } catch (e) {
    error = e;
  }
  expect(error, 'expected a NeuroblasError').toBeInstanceOf(NeuroblasError);
  expect((error as NeuroblasError).code).toBe('ERR_INVALID_ARG');
  if (typeof message === 'string') expect((error as Error).message).toBe(message);
  else expect((error as Error).message).toMatch(message);
}

describe('optimizer hyper-parameter checks', () => {
  it('SGD', () => {
    refuses(() => new SGD(params(), {} as { lr: number }), 'SGD: lr is required');
    refuses(() => new SGD(params(), { lr: -0.1 }), 'SGD: lr must be >= 0, got -0.1');
    refuses(() => new SGD(params(), { lr: NaN }), 'SGD: lr must be a finite number, got NaN');
    refuses(() => new SGD(params(), { lr: 0.1, momentum: -1 }), 'SGD: momentum must be >= 0, got -1');
    refuses(() => new SGD(params(), { lr: 0.1, weightDecay: -1e-4 }), 'SGD: weightDecay must be >= 0, got -0.0001');
    refuses(
      () => new SGD(params(), { lr: 0.1, nesterov: true }),
      /Nesterov momentum requires momentum > 0 and dampening = 0, got momentum 0/,
    );
    refuses(() => new SGD(params(), { lr: 0.1, nesterov: true, momentum: 0.9, dampening: 0.1 }), /dampening 0\.1/);
    refuses(() => new SGD(params(), { lr: 0.1, nesterov: 1 as unknown as boolean }), 'SGD: nesterov must be a boolean, got 1');
  });

  it('Adam and AdamW', () => {
    refuses(() => new Adam(params(), { betas: [1.2, 0.999], backend }), 'Adam: betas[0] must be in [0, 1), got 1.2');
    refuses(() => new Adam(params(), { betas: [0.9, 1], backend }), 'Adam: betas[1] must be in [0, 1), got 1');
    refuses(() => new Adam(params(), { betas: [-0.1, 0.9], backend }), 'Adam: betas[0] must be in [0, 1), got -0.1');
    refuses(
      () => new Adam(params(), { betas: [0.9] as unknown as [number, number], backend }),
      'Adam: betas must be an array of two numbers',
    );
    refuses(() => new Adam(params(), { eps: -1e-8, backend }), 'Adam: eps must be >= 0, got -1e-8');
    refuses(() => new Adam(params(), { lr: -1, backend }), 'Adam: lr must be >= 0, got -1');
    refuses(() => new AdamW(params(), { weightDecay: -0.01, backend }), 'AdamW: weightDecay must be >= 0, got -0.01');
    refuses(() => new AdamW(params(), { amsgrad: 'yes' as unknown as boolean, backend }), 'AdamW: amsgrad must be a boolean, got "yes"');
  });

  it('RMSprop and Adagrad', () => {
    refuses(() => new RMSprop(params(), { alpha: -0.5, backend }), 'RMSprop: alpha must be >= 0, got -0.5');
    refuses(() => new RMSprop(params(), { momentum: -0.5, backend }), 'RMSprop: momentum must be >= 0, got -0.5');
    refuses(() => new RMSprop(params(), { eps: Infinity, backend }), 'RMSprop: eps must be a finite number, got Infinity');
    refuses(() => new Adagrad(params(), { lrDecay: -1, backend }), 'Adagrad: lrDecay must be >= 0, got -1');
    refuses(() => new Adagrad(params(), { initialAccumulatorValue: -1, backend }), 'Adagrad: initialAccumulatorValue must be >= 0, got -1');
  });

  it('unknown option names, such as PyTorch spellings, are refused rather than ignored', () => {
    refuses(() => new Adam(params(), { weight_decay: 0.1 } as never), /Adam: unknown option "weight_decay" \(known: .*weightDecay/);
    refuses(() => new SGD(params(), { lr: 0.1, lr_decay: 0.1 } as never), /SGD: unknown option "lr_decay"/);
    refuses(() => new RMSprop(params(), 0.01 as never), 'RMSprop: options must be an object, got 0.01');
  });

  it('parameters: an iterable of distinct { data, grad } with Float32Arrays', () => {
    refuses(() => new SGD([], { lr: 0.1, backend }), 'SGD: got an empty parameter list');
    refuses(() => new Adam(null as never, { backend }), /Adam: params must be an iterable/);
    refuses(() => new Adam([{ data: [1, 2] as never, grad: null }], { backend }), "Adam: parameter 0 must have a Float32Array 'data'");
    refuses(
      () => new Adam([{ data: new Float32Array(2), grad: new Float64Array(2) as never }], { backend }),
      "Adam: parameter 0's grad must be a Float32Array or null",
    );
    const p = params()[0];
    refuses(() => new Adam([p, p], { backend }), 'Adam: parameter 1 appears more than once');
  });

  it('accepts any iterable, and PyTorch defaults where nothing is given', () => {
    function* gen(): Generator<Parameter> {
      yield* params();
    }
    expect(new Adam(gen(), { backend }).hyperParameters).toEqual({
      lr: 1e-3,
      beta1: 0.9,
      beta2: 0.999,
      eps: 1e-8,
      weightDecay: 0,
      decoupled: false,
      amsgrad: false,
    });
    expect(new RMSprop(params(), { backend }).hyperParameters).toEqual({
      lr: 1e-2,
      alpha: 0.99,
      eps: 1e-8,
      weightDecay: 0,
      momentum: 0,
      centered: false,
    });
    expect(new Adagrad(params(), { backend }).hyperParameters).toEqual({
      lr: 1e-2,
      lrDecay: 0,
      weightDecay: 0,
      initialAccumulatorValue: 0,
      eps: 1e-10,
    });
    expect(new SGD(params(), { lr: 0.1, backend }).hyperParameters).toEqual({
      lr: 0.1,
      momentum: 0,
      dampening: 0,
      nesterov: false,
      weightDecay: 0,
    });
  });
});
