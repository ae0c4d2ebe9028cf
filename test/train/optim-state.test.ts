/**
 * Optimizer state: state() → loadState() into a fresh optimizer continues bit for bit; refused states name
 * what is wrong and change nothing; the steady state reuses its buffers and crosses into the backend once
 * per parameter per step.
 */
import { describe, expect, it } from 'vitest';
import { getBackend, NeuroblasError, type Backend } from '../../lib/index.js';
import { Adagrad, Adam, AdamW, RMSprop, SGD, type Optimizer, type OptimizerState, type Parameter } from '../../lib/optim/index.js';
import { backends } from '../helpers/backends.js';
import { Rng } from '../helpers/random.js';

const SIZES = [7, 5, 3];

type Make = (params: Parameter[], backend: Backend) => Optimizer;

/** Every optimizer with the options that give it the most state. */
const MAKERS: Record<string, Make> = {
  'SGD (plain)': (p, backend) => new SGD(p, { lr: 0.1, backend }),
  'SGD (Nesterov, weight decay)': (p, backend) => new SGD(p, { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 1e-2, backend }),
  'Adam (amsgrad)': (p, backend) => new Adam(p, { lr: 0.01, amsgrad: true, weightDecay: 1e-3, backend }),
  AdamW: (p, backend) => new AdamW(p, { lr: 0.01, backend }),
  'RMSprop (centered, momentum)': (p, backend) => new RMSprop(p, { lr: 0.01, centered: true, momentum: 0.5, backend }),
  'Adagrad (lr decay, initial accumulator)': (p, backend) =>
    new Adagrad(p, { lr: 0.1, lrDecay: 0.01, initialAccumulatorValue: 0.1, backend }),
};

function makeParams(rng: Rng): Parameter[] {
  return SIZES.map((n) => ({ data: rng.floats(n), grad: new Float32Array(n) }));
}

function cloneParams(params: Parameter[]): Parameter[] {
  return params.map((p) => ({ data: p.data.slice(), grad: p.grad === null ? null : p.grad.slice() }));
}

/** Fills the grads from the rng (leaving the middle parameter without one on odd steps when `skips`). */
function setGrads(params: Parameter[], rng: Rng, k: number, skips: boolean): void {
  params.forEach((p, i) => {
    if (skips && i === 1 && k % 2 === 1) {
      p.grad = null;
      return;
    }
    p.grad = rng.floats(p.data.length);
  });
}

function bits(params: Parameter[]): number[] {
  return params.flatMap((p) => Array.from(new Uint32Array(p.data.buffer, p.data.byteOffset, p.data.length)));
}

function expectCode(f: () => unknown, code: string, message?: RegExp): void {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(NeuroblasError);
    expect((e as NeuroblasError).code).toBe(code);
    if (message) expect((e as Error).message).toMatch(message);
    return;
  }
  expect.fail(`expected a NeuroblasError ${code}`);
}

describe.each(backends)('optimizer state round trip ($name)', (backend) => {
  it.each(Object.keys(MAKERS))('%s: a fresh optimizer restored from state() continues bit for bit', (name) => {
    for (const skips of [false, true]) {
      const rng = new Rng(7);
      const a = makeParams(rng);
      const optA = MAKERS[name](a, backend);
      for (let k = 0; k < 3; k++) {
        setGrads(a, rng, k, skips);
        optA.step();
      }
      const saved = optA.state();

      const b = cloneParams(a);
      const optB = MAKERS[name](b, backend);
      optB.lr = 123; // loadState must restore the saved lr along with everything else
      optB.loadState(structuredClone(saved));
      expect(optB.lr).toBe(optA.lr);
      expect(optB.stepCount).toBe(3);

      const gradRng = new Rng(99);
      for (let k = 3; k < 6; k++) {
        setGrads(a, gradRng, k, skips);
        b.forEach((p, i) => {
          p.grad = a[i].grad === null ? null : a[i].grad.slice();
        });
        optA.step();
        optB.step();
        expect(bits(b), `${name} step ${k + 1}${skips ? ' (with skips)' : ''}`).toEqual(bits(a));
      }
      expect(optB.state()).toEqual(optA.state());
    }
  });
});

describe('optimizer state contents', () => {
  const js = getBackend('js');

  it('is flat: type, hyper-parameters, counts and one buffer per parameter and name', () => {
    const params = makeParams(new Rng(1));
    const opt = new Adam(params, { lr: 0.01, amsgrad: true, backend: js });
    expect(opt.state()).toEqual({
      type: 'adam',
      hyper: { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false, amsgrad: true },
      step: 0,
      paramSteps: [0, 0, 0],
      buffers: {},
    });
    params[2].grad = null;
    opt.step();
    const s = opt.state();
    expect(s.step).toBe(1);
    expect(s.paramSteps).toEqual([1, 1, 0]);
    expect(Object.keys(s.buffers).sort()).toEqual(['0.m', '0.v', '0.vMax', '1.m', '1.v', '1.vMax']);
    expect(s.buffers['1.v']).toBeInstanceOf(Float32Array);
    expect(s.buffers['1.v'].length).toBe(5);
  });

  it('is a snapshot: later steps do not change it', () => {
    const params = makeParams(new Rng(2));
    const opt = new SGD(params, { lr: 0.1, momentum: 0.9, backend: js });
    opt.step();
    const s = opt.state();
    const before = s.buffers['0.momentum'].slice();
    opt.step();
    expect(s.buffers['0.momentum']).toEqual(before);
  });

  it('loadState copies buffers in, unless told to adopt them (a training worker hands its final state over)', () => {
    const source = new SGD(makeParams(new Rng(3)), { lr: 0.1, momentum: 0.9, backend: js });
    source.step();
    const state = source.state();
    const copied = new SGD(makeParams(new Rng(3)), { lr: 0.1, momentum: 0.9, backend: js });
    copied.loadState(state);
    expect(copied.state().buffers['0.momentum']).toEqual(state.buffers['0.momentum']);
    state.buffers['0.momentum'][0] += 1; // the copy does not follow the caller's array
    expect(copied.state().buffers['0.momentum'][0]).not.toBe(state.buffers['0.momentum'][0]);
    const adopted = new SGD(makeParams(new Rng(3)), { lr: 0.1, momentum: 0.9, backend: js });
    adopted.loadState(state, { adopt: true });
    state.buffers['0.momentum'][0] += 1; // adopted: the optimizer now owns this very array
    expect(adopted.state().buffers['0.momentum'][0]).toBe(state.buffers['0.momentum'][0]);
  });

  it('each optimizer names its type and buffers', () => {
    const cases: [Optimizer, string, string[]][] = [
      [new SGD(makeParams(new Rng(3)), { lr: 1, backend: js }), 'sgd', []],
      [new SGD(makeParams(new Rng(3)), { lr: 1, momentum: 0.5, backend: js }), 'sgd', ['momentum']],
      [new AdamW(makeParams(new Rng(3)), { backend: js }), 'adamw', ['m', 'v']],
      [new RMSprop(makeParams(new Rng(3)), { backend: js }), 'rmsprop', ['squareAvg']],
      [new RMSprop(makeParams(new Rng(3)), { momentum: 0.1, backend: js }), 'rmsprop', ['squareAvg', 'momentum']],
      [new Adagrad(makeParams(new Rng(3)), { backend: js }), 'adagrad', ['sum']],
    ];
    for (const [opt, type, names] of cases) {
      opt.step();
      const s = opt.state();
      expect(s.type).toBe(type);
      expect(
        Object.keys(s.buffers)
          .filter((k) => k.startsWith('0.'))
          .map((k) => k.slice(2))
          .sort(),
      ).toEqual([...names].sort());
    }
  });

  it('AdamW defaults weight decay to 1e-2 and decouples it; Adam defaults it to 0', () => {
    expect(new AdamW(makeParams(new Rng(4)), { backend: js }).hyperParameters).toMatchObject({
      weightDecay: 1e-2,
      decoupled: true,
      lr: 1e-3,
    });
    expect(new Adam(makeParams(new Rng(4)), { backend: js }).hyperParameters).toMatchObject({ weightDecay: 0, decoupled: false });
  });

  it('Adagrad starts its sums at initialAccumulatorValue', () => {
    const params = makeParams(new Rng(5));
    const opt = new Adagrad(params, { initialAccumulatorValue: 0.25, backend: js });
    params.forEach((p) => {
      p.grad!.fill(0);
    });
    opt.step();
    expect(Array.from(opt.state().buffers['0.sum'])).toEqual(new Array(7).fill(0.25));
  });

  it('a state without paramSteps takes `step` for every parameter that has buffers', () => {
    const params = makeParams(new Rng(6));
    const opt = new Adam(params, { backend: js });
    opt.step();
    opt.step();
    const { paramSteps: _omitted, ...trimmed } = opt.state();
    const twin = new Adam(cloneParams(params), { backend: js });
    twin.loadState(trimmed);
    expect(twin.state().paramSteps).toEqual([2, 2, 2]);
  });
});

describe('loadState refuses a state that does not fit, and then changes nothing', () => {
  const js = getBackend('js');

  function trained(): { opt: Adam; state: OptimizerState } {
    const opt = new Adam(makeParams(new Rng(8)), { lr: 0.01, backend: js });
    opt.step();
    return { opt, state: opt.state() };
  }

  it('another optimizer type', () => {
    const { state } = trained();
    expectCode(() => new AdamW(makeParams(new Rng(8)), { backend: js }).loadState(state), 'ERR_INVALID_ARG', /'adam'.*'adamw'|adamw/);
    expectCode(() => new SGD(makeParams(new Rng(8)), { lr: 1, backend: js }).loadState(state), 'ERR_INVALID_ARG', /sgd/);
  });

  it('another parameter count (ERR_SHAPE)', () => {
    const { state } = trained();
    const fewer = new Adam(makeParams(new Rng(8)).slice(0, 2), { backend: js });
    expectCode(() => fewer.loadState(state), 'ERR_SHAPE', /3 parameters.* 2/);
    const { paramSteps: _omitted, ...trimmed } = state;
    expectCode(() => fewer.loadState(trimmed), 'ERR_SHAPE', /'2\.m'/);
  });

  it('a buffer of the wrong length (ERR_SHAPE naming it)', () => {
    const { opt, state } = trained();
    state.buffers['1.v'] = new Float32Array(4);
    expectCode(() => opt.loadState(state), 'ERR_SHAPE', /'1\.v'.* 4 .* 5/);
  });

  it('a missing, mistyped or unexpected buffer (ERR_INVALID_ARG naming it)', () => {
    const missing = trained();
    delete missing.state.buffers['2.m'];
    expectCode(() => missing.opt.loadState(missing.state), 'ERR_INVALID_ARG', /'2\.m' is missing/);
    const mistyped = trained();
    (mistyped.state.buffers as Record<string, unknown>)['0.v'] = new Float64Array(7);
    expectCode(() => mistyped.opt.loadState(mistyped.state), 'ERR_INVALID_ARG', /'0\.v' must be a Float32Array/);
    const extra = trained();
    extra.state.buffers['0.vMax'] = new Float32Array(7); // amsgrad is off
    expectCode(() => extra.opt.loadState(extra.state), 'ERR_INVALID_ARG', /unexpected buffer '0\.vMax'/);
  });

  it('bad hyper-parameters or counts', () => {
    const { opt, state } = trained();
    expectCode(
      () => opt.loadState({ ...state, hyper: { ...state.hyper, beta1: 1.5 } }),
      'ERR_INVALID_ARG',
      /betas\[0\] must be in \[0, 1\), got 1\.5/,
    );
    const { eps: _eps, ...noEps } = state.hyper;
    expectCode(() => opt.loadState({ ...state, hyper: noEps }), 'ERR_INVALID_ARG', /hyper\.eps is missing/);
    expectCode(
      () => opt.loadState({ ...state, hyper: { ...state.hyper, momentum: 0.9 } }),
      'ERR_INVALID_ARG',
      /unknown hyper-parameter "momentum"/,
    );
    expectCode(() => opt.loadState({ ...state, step: -1 }), 'ERR_INVALID_ARG', /step/);
    expectCode(() => opt.loadState({ ...state, paramSteps: [1, 2, 1] }), 'ERR_INVALID_ARG', /paramSteps\[1\]/);
    expectCode(() => opt.loadState(null as unknown as OptimizerState), 'ERR_INVALID_ARG');
  });

  it('a refused state leaves the optimizer exactly as it was', () => {
    const { opt, state } = trained();
    const before = opt.state();
    const bad = { ...state, hyper: { ...state.hyper, lr: 0.5 }, buffers: { ...state.buffers, '2.v': new Float32Array(1) } };
    expectCode(() => opt.loadState(bad), 'ERR_SHAPE');
    expect(opt.state()).toEqual(before);
  });
});

describe('steady state', () => {
  /** The js backend, recording every call: its name and the arrays it was handed. */
  function spy(): { backend: Backend; calls: { fn: string; args: unknown[] }[] } {
    const js = getBackend('js');
    const calls: { fn: string; args: unknown[] }[] = [];
    const backend = new Proxy(js, {
      get(target, key, receiver) {
        const v = Reflect.get(target, key, receiver);
        if (typeof v !== 'function') return v;
        return (...args: unknown[]) => {
          calls.push({ fn: String(key), args });
          return (v as (...a: unknown[]) => unknown)(...args);
        };
      },
    });
    return { backend, calls };
  }

  it('one kernel call per parameter per step, on the same state buffers every step', () => {
    const { backend, calls } = spy();
    const params = makeParams(new Rng(10));
    const opt = new Adam(params, { amsgrad: true, backend });
    opt.step();
    const first = calls.map((c) => c.args.slice(3, 6));
    expect(calls.map((c) => c.fn)).toEqual(['adamStep', 'adamStep', 'adamStep']);
    calls.length = 0;
    opt.step();
    expect(calls.map((c) => c.fn)).toEqual(['adamStep', 'adamStep', 'adamStep']);
    calls.forEach((c, i) => {
      c.args.slice(3, 6).forEach((buf, k) => {
        expect(buf).toBe(first[i][k]);
      });
    });
    expect(calls.map((c) => c.args[6])).toEqual([2, 2, 2]);
  });

  it('zeroGrad fills each gradient once and skips parameters without one', () => {
    const { backend, calls } = spy();
    const params = makeParams(new Rng(11));
    params[1].grad = null;
    const opt = new SGD(params, { lr: 0.1, backend });
    opt.zeroGrad();
    expect(calls.map((c) => [c.fn, c.args[1]])).toEqual([
      ['fill', 0],
      ['fill', 0],
    ]);
    expect(Array.from(params[0].grad!)).toEqual(new Array(7).fill(0));
  });

  it('a new lr takes effect at the next step', () => {
    const js = getBackend('js');
    const p: Parameter = { data: new Float32Array([1]), grad: new Float32Array([1]) };
    const opt = new SGD([p], { lr: 0.5, backend: js });
    opt.step();
    opt.lr = 0.25;
    opt.step();
    expect(p.data[0]).toBe(0.25);
    expectCode(
      () => {
        opt.lr = -1;
      },
      'ERR_INVALID_ARG',
      /lr must be >= 0/,
    );
    expectCode(
      () => {
        opt.lr = NaN;
      },
      'ERR_INVALID_ARG',
      /lr must be a finite number/,
    );
  });

  it('a grad whose length differs from its parameter is refused before any update', () => {
    const js = getBackend('js');
    const params = makeParams(new Rng(12));
    const opt = new SGD(params, { lr: 0.1, backend: js });
    params[1].grad = new Float32Array(9);
    const before = params[0].data.slice();
    expectCode(() => opt.step(), 'ERR_SHAPE', /parameter 1's grad has 9 elements, its data 5/);
    expect(params[0].data).toEqual(before);
    expect(opt.stepCount).toBe(0);
  });
});
