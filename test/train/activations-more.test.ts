/**
 * Issue 13's activations as ops, layers and Dense options: gradcheck of every new kind near its kinks' far side
 * and of logSoftmax (alone and after Dense), the layer classes' configs and registry round trip, GELU's
 * approximate option, Dense({ activation: 'logSoftmax' }), default initializers, and the CLI's --activation.
 */
import { describe, expect, it } from 'vitest';
import {
  Activation,
  Dense,
  GELU,
  Hardsigmoid,
  LogSoftmax,
  Mish,
  ReLU6,
  SELU,
  SiLU,
  Softsign,
  Tensor,
  layerFromConfig,
  registeredLayerTypes,
  withBackend,
} from '../../lib/index.js';
import { gradcheck } from '../../lib/gradcheck.js';
import { defaultInitializer, gainFor } from '../../lib/init.js';
import { activation, logSoftmax } from '../../lib/ops/index.js';
import { HIDDEN_ACTIVATIONS, buildMlp } from '../../lib/cli/model-spec.js';
import { backends } from '../helpers/backends.js';
import { expectClose } from '../helpers/close.js';
import { expectError } from '../helpers/errors.js';
import { Rng } from '../helpers/random.js';
import { runInProcess } from '../cli/run-cli.js';

const NEW_KINDS = ['gelu', 'gelu_tanh', 'silu', 'selu', 'mish', 'softsign', 'hardsigmoid', 'relu6'] as const;

/** Values spread over [−4.5, 7.5] and kept 0.05 away from every kink (0, ±3, 6), as gradcheck needs. */
function input(shape: number[], seed: number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1),
    data = new Rng(seed).floats(n, 6);
  for (let i = 0; i < n; i++) {
    let v = data[i] + 1.5;
    for (const k of [-3, 0, 3, 6]) if (Math.abs(v - k) < 0.05) v = k + 0.1;
    data[i] = v;
  }
  return new Tensor(data, shape, { requiresGrad: true });
}

describe.each(backends.map((b) => [b.name, b] as const))('new activations on %s', (_name, backend) => {
  const check = (fn: (...t: Tensor[]) => Tensor, inputs: Tensor[]) =>
    withBackend(backend, () => {
      const report = gradcheck(fn, inputs);
      expect(report.checked).toBeGreaterThan(0);
      expect(report.ok, `worst: ${JSON.stringify(report.worst)}, maxAbs ${report.maxAbsError}`).toBe(true);
    });

  it.each(NEW_KINDS)('gradcheck: activation %s over [−4.5, 7.5] (odd shape 3×7)', (kind) => {
    check((a) => activation(a, kind), [input([3, 7], kind.length)]);
  });

  it('gradcheck: logSoftmax (3×5 and 1×1), Dense with logSoftmax, and the LogSoftmax layer', () => {
    check((a) => logSoftmax(a), [input([3, 5], 1)]);
    check((a) => logSoftmax(a), [input([1, 1], 2)]);
    const layer = new Dense(3, 4, { activation: 'logSoftmax', biasInitializer: { kind: 'uniform', low: -0.5, high: 0.5 } });
    check((x) => layer.forward(x), [input([2, 3], 3), layer.weight, layer.bias!]);
    check((x) => new LogSoftmax().forward(x), [input([4, 3], 4)]);
  });

  it('Dense({ activation }) equals Dense then the activation layer, for every new name', () => {
    withBackend(backend, () => {
      const x = new Tensor(new Rng(3).floats(5 * 4, 3), [5, 4]);
      for (const kind of [...NEW_KINDS, 'logSoftmax'] as const) {
        const fused = new Dense(4, 3, { activation: kind });
        const plain = new Dense(4, 3, { kernelInitializer: () => {} });
        plain.weight.data.set(fused.weight.data);
        plain.bias!.data.set(fused.bias!.data);
        const want = new Activation(kind).forward(plain.forward(x));
        expectClose(fused.forward(x).data, want.data, { rtol: 1e-6 }, kind);
      }
    });
  });
});

describe('new activation layers', () => {
  const layers = [
    new GELU(),
    new GELU({ approximate: 'tanh' }),
    new SiLU(),
    new SELU(),
    new Mish(),
    new Softsign(),
    new Hardsigmoid(),
    new ReLU6(),
    new LogSoftmax(),
  ];

  it('have PyTorch’s type names, are registered, and round-trip through their config', () => {
    expect(layers.map((l) => l.type)).toEqual(['GELU', 'GELU', 'SiLU', 'SELU', 'Mish', 'Softsign', 'Hardsigmoid', 'ReLU6', 'LogSoftmax']);
    for (const layer of layers) {
      expect(registeredLayerTypes()).toContain(layer.type);
      const config = layer.getConfig();
      const rebuilt = layerFromConfig(JSON.parse(JSON.stringify(config)));
      expect(rebuilt.constructor).toBe(layer.constructor);
      expect(rebuilt.getConfig()).toEqual(config);
      expect((rebuilt as Activation).kind).toBe((layer as Activation).kind);
      expect(rebuilt.namedWeights()).toEqual([]);
    }
    expect(new GELU({ approximate: 'tanh' }).getConfig()).toEqual({ type: 'GELU', name: expect.any(String), approximate: 'tanh' });
    expect(new GELU().getConfig()).toEqual({ type: 'GELU', name: expect.any(String) });
  });

  it('GELU refuses an unknown approximate, in a config too; Dense refuses an unknown activation, listing the new names', () => {
    expectError(
      () => new GELU({ approximate: 'erf' as 'tanh' }),
      'ERR_INVALID_ARG',
      /GELU: approximate must be 'none' or 'tanh', got "erf"/,
    );
    expectError(() => layerFromConfig({ type: 'GELU', approximate: 'fast' }), 'ERR_INVALID_ARG', /approximate/);
    expectError(() => layerFromConfig({ type: 'SiLU', alpha: 1 }), 'ERR_INVALID_ARG', /unknown key "alpha"/);
    expectError(
      () => new Dense(2, 2, { activation: 'swish' as 'silu' }),
      'ERR_INVALID_ARG',
      /must be one of .*gelu, gelu_tanh, silu, selu, mish, softsign, hardsigmoid, relu6, softmax, logSoftmax; got "swish"/,
    );
  });

  it('Dense keeps activation logSoftmax in its config', () => {
    const d = new Dense(3, 2, { activation: 'logSoftmax', name: 'out' });
    expect(layerFromConfig(JSON.parse(JSON.stringify(d.getConfig()))).getConfig()).toEqual(d.getConfig());
  });

  it('default initializers: He for relu6, GELU, SiLU and Mish; LeCun normal for SELU (gain 3/4, PyTorch’s); Glorot otherwise', () => {
    for (const k of ['relu6', 'gelu', 'gelu_tanh', 'silu', 'mish'] as const) expect(defaultInitializer(k), k).toBe('heUniform');
    expect(defaultInitializer('selu')).toBe('lecunNormal');
    expect(gainFor('selu')).toBe(0.75);
    for (const k of ['softsign', 'hardsigmoid', 'logSoftmax'] as const) expect(defaultInitializer(k), k).toBe('glorotUniform');
    expect(defaultInitializer('leaky_relu', 0.2)).toEqual({ kind: 'heUniform', gain: gainFor('leaky_relu', 0.2) });
  });
});

describe('the CLI', () => {
  it('offers every new activation for --model mlp and builds it', () => {
    expect([...HIDDEN_ACTIVATIONS]).toEqual(expect.arrayContaining([...NEW_KINDS]));
    for (const kind of NEW_KINDS) expect((buildMlp([4, 5, 3], kind).layers[0] as Dense).activation).toBe(kind);
  });

  it('trains with --activation gelu', async () => {
    const run = await runInProcess([
      'train',
      '--data',
      'digits',
      '--limit',
      '300',
      '--epochs',
      '1',
      '--layers',
      '784-16-10',
      '--activation',
      'gelu',
      '--json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout.trim().split('\n')[0]).loss).toEqual(expect.any(Number));
  });
});
