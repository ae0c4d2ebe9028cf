/**
 * Architecture as JSON: every built-in layer's getConfig() rebuilds the same layer through the registry,
 * Sequential.toConfig()/fromConfig() round-trip through JSON text (nested containers too), and a config
 * that cannot be built is refused naming the entry and the problem.
 */
import { describe, expect, it } from 'vitest';
import {
  BatchNorm1d,
  Dense,
  Dropout,
  ELU,
  Flatten,
  Identity,
  Layer,
  LeakyReLU,
  ReLU,
  Sequential,
  Sigmoid,
  Softmax,
  Softplus,
  Tanh,
  Activation,
  layerFromConfig,
  registerLayer,
  registeredLayerTypes,
  checkConfigKeys,
  type LayerConfig,
  type Shape,
  Tensor,
} from '../../lib/index.js';
import { expectError } from '../helpers/errors.js';

const builtins = (): Layer[] => [
  new Dense(6, 4, { activation: 'leaky_relu', alpha: 0.2, name: 'd1' }),
  new Dense(4, 3, { useBias: false, activation: 'softmax' }),
  new ReLU(),
  new Sigmoid(),
  new Tanh(),
  new Softplus(),
  new Softmax(),
  new Identity(),
  new LeakyReLU(0.3),
  new ELU(0.7),
  new Dropout(0.25),
  new BatchNorm1d(5, { eps: 1e-3, momentum: 0.2, affine: false }),
  new Flatten({ name: 'flat' }),
];

describe('layer configs', () => {
  it('every built-in type is registered', () => {
    for (const t of [
      'Dense',
      'ReLU',
      'Sigmoid',
      'Tanh',
      'Softplus',
      'Softmax',
      'Identity',
      'Linear',
      'LeakyReLU',
      'ELU',
      'Dropout',
      'BatchNorm1d',
      'Flatten',
      'Unflatten',
      'Sequential',
    ]) {
      expect(registeredLayerTypes()).toContain(t);
    }
  });

  it.each(builtins().map((l) => [l.type, l] as const))('%s: getConfig → JSON → layerFromConfig gives the same layer', (_type, layer) => {
    const config = layer.getConfig();
    const rebuilt = layerFromConfig(JSON.parse(JSON.stringify(config)));
    expect(rebuilt.constructor).toBe(layer.constructor);
    expect(rebuilt.getConfig()).toEqual(config);
    expect(rebuilt.name).toBe(layer.name);
    expect(rebuilt.namedWeights().map(([n, d]) => [n, d.length])).toEqual(layer.namedWeights().map(([n, d]) => [n, d.length]));
  });

  it('Identity is the linear activation; configs that say "Linear" (the name before 0.2) still build it', () => {
    expect(new Activation('linear').type).toBe('Identity');
    expect(new Activation('linear').getConfig()).toEqual({ type: 'Identity', name: expect.any(String) });
    const old = layerFromConfig({ type: 'Linear', name: 'lin' });
    expect(old).toBeInstanceOf(Identity);
    expect([old.type, old.name, (old as Activation).kind]).toEqual(['Identity', 'lin', 'linear']);
    expectError(() => layerFromConfig({ type: 'Linear', alpha: 1 }), 'ERR_INVALID_ARG', /unknown key "alpha"/);
  });

  it('Dense keeps in, out, activation, alpha and useBias; BatchNorm eps, momentum and affine', () => {
    expect(new Dense(3, 2, { activation: 'elu', alpha: 0.5, useBias: false, name: 'x' }).getConfig()).toEqual({
      type: 'Dense',
      name: 'x',
      in: 3,
      out: 2,
      activation: 'elu',
      alpha: 0.5,
      useBias: false,
    });
    const bn = layerFromConfig({ type: 'BatchNorm1d', numFeatures: 4, eps: 0.01, momentum: 0.3, affine: false }) as BatchNorm1d;
    expect([bn.numFeatures, bn.eps, bn.momentum, bn.affine, bn.parameters().length]).toEqual([4, 0.01, 0.3, false, 0]);
  });

  it('Sequential round-trips through JSON text, nested containers included (weights named as PyTorch nests them)', () => {
    const model = new Sequential(
      [
        new Flatten(),
        new Dense(12, 6, { activation: 'relu' }),
        new Sequential([new Dense(6, 6, { activation: 'tanh' }), new BatchNorm1d(6)], { name: 'block' }),
        new Dropout(0.1),
        new Dense(6, 2),
      ],
      { name: 'net' },
    );
    const config = model.toConfig();
    const rebuilt = Sequential.fromConfig(JSON.parse(JSON.stringify(config)));
    expect(rebuilt.toConfig()).toEqual(config);
    expect(rebuilt.name).toBe('net');
    expect(rebuilt.namedWeights().map(([n]) => n)).toEqual(model.namedWeights().map(([n]) => n));
    expect(rebuilt.namedWeights().map(([n]) => n)).toContain('2.1.running_var');
    expect(rebuilt.outputShape([3, 4])).toEqual([2]);
  });

  it('a config without names gets fresh ones', () => {
    const model = Sequential.fromConfig({ type: 'Sequential', layers: [{ type: 'Dense', in: 2, out: 3 }, { type: 'ReLU' }] });
    expect(model.layers.map((l) => l.type)).toEqual(['Dense', 'ReLU']);
    expect(model.layers[0].name).toMatch(/^dense_\d+$/);
    expect((model.layers[0] as Dense).activation).toBe('linear');
  });
});

describe('configs that cannot be built are refused, naming the entry', () => {
  const seq = (...layers: unknown[]) => ({ type: 'Sequential', name: 'm', layers });

  it('an unknown type, listing the known ones', () => {
    expectError(
      () => Sequential.fromConfig(seq({ type: 'Dense', in: 2, out: 2 }, { type: 'Conv3d', name: 'c' })),
      'ERR_INVALID_ARG',
      /^Sequential\.fromConfig: layers\[1\]: unknown layer type "Conv3d" \(known: .*BatchNorm1d.*Dense/,
    );
  });

  it('a bad value, with the layer index, type and name', () => {
    expectError(
      () => Sequential.fromConfig(seq({ type: 'ReLU' }, { type: 'Dense', name: 'd7', in: -1, out: 2 })),
      'ERR_INVALID_ARG',
      /^Sequential\.fromConfig: layers\[1\] \(Dense "d7"\): .*inFeatures must be a positive integer, got -1/,
    );
    expectError(
      () => Sequential.fromConfig(seq({ type: 'Dense', in: 2, out: 2, activation: 'swish' })),
      'ERR_INVALID_ARG',
      /layers\[0\] \(Dense\): .*activation must be one of/,
    );
    expectError(
      () => Sequential.fromConfig(seq({ type: 'BatchNorm1d', numFeatures: 3, momentum: '0.1' })),
      'ERR_INVALID_ARG',
      /layers\[0\] \(BatchNorm1d\): "momentum" must be a number, got "0.1"/,
    );
    expectError(
      () => Sequential.fromConfig(seq({ type: 'Dense', in: 2, out: 2, useBias: 'no' })),
      'ERR_INVALID_ARG',
      /"useBias" must be a boolean/,
    );
    expectError(
      () => Sequential.fromConfig(seq({ type: 'Dropout', rate: 1.5 })),
      'ERR_INVALID_ARG',
      /layers\[0\] \(Dropout\): .*rate must be in \[0, 1\)/,
    );
    expectError(
      () => Sequential.fromConfig(seq({ type: 'ReLU', name: '' })),
      'ERR_INVALID_ARG',
      /layers\[0\] \(ReLU ""\): layer name must be a non-empty string/,
    );
  });

  it('an unknown or missing key', () => {
    expectError(
      () => Sequential.fromConfig(seq({ type: 'Dense', in: 2, out: 2, units: 4 })),
      'ERR_INVALID_ARG',
      /layers\[0\] \(Dense\): unknown key "units" \(a Dense config has: type, name, in, out/,
    );
    expectError(() => Sequential.fromConfig(seq({ type: 'Dense', in: 2 })), 'ERR_INVALID_ARG', /layers\[0\] \(Dense\): "out" is missing/);
    expectError(() => Sequential.fromConfig(seq({ type: 'ReLU', alpha: 0.1 })), 'ERR_INVALID_ARG', /unknown key "alpha"/);
  });

  it('entries and containers of the wrong shape', () => {
    expectError(
      () => Sequential.fromConfig(seq(null)),
      'ERR_INVALID_ARG',
      /layers\[0\]: a layer config must be an object with a "type", got null/,
    );
    expectError(() => Sequential.fromConfig(seq({ type: 7 })), 'ERR_INVALID_ARG', /layers\[0\]: "type" must be a string, got 7/);
    expectError(
      () => Sequential.fromConfig({ type: 'Dense', in: 1, out: 1 }),
      'ERR_INVALID_ARG',
      /expected type "Sequential", got "Dense"/,
    );
    expectError(() => Sequential.fromConfig({ type: 'Sequential', layers: 'all' }), 'ERR_INVALID_ARG', /"layers" must be an array/);
    expectError(() => Sequential.fromConfig({ type: 'Sequential', layers: [], extra: 1 }), 'ERR_INVALID_ARG', /unknown key "extra"/);
    expectError(() => Sequential.fromConfig('[]'), 'ERR_INVALID_ARG', /expected an object/);
  });

  it('an error deep in a nested container carries the whole path, once', () => {
    const err = expectError(() => Sequential.fromConfig(seq({ type: 'ReLU' }, seq({ type: 'Dense', in: 2, out: 0 }))), 'ERR_INVALID_ARG');
    expect(err.message).toMatch(
      /^Sequential\.fromConfig: layers\[1\] \(Sequential "m"\): layers\[0\] \(Dense\): .*outFeatures must be a positive integer, got 0$/,
    );
    expect(err.message.match(/Sequential\.fromConfig/g)).toHaveLength(1);
  });
});

describe('registerLayer', () => {
  /** A layer the library does not know: y = scale·x. */
  class Scale extends Layer {
    readonly type = 'TestScale';
    constructor(
      readonly factor: number,
      options: { name?: string } = {},
    ) {
      super('scale', options.name);
    }
    // The forward() style: a layer of your own may implement forward() instead of apply().
    override forward(x: Tensor): Tensor {
      return new Tensor(
        x.data.map((v) => v * this.factor),
        x.shape,
      );
    }
    outputShape(s: Shape): number[] {
      return [...s];
    }
    override getConfig(): LayerConfig {
      return { type: 'TestScale', name: this.name, factor: this.factor };
    }
  }
  const fromConfig = (c: LayerConfig) => {
    checkConfigKeys(c, ['factor']);
    return new Scale(c.factor as number, { name: c.name });
  };

  it('makes a new layer type savable and buildable', () => {
    registerLayer('TestScale', fromConfig);
    registerLayer('TestScale', fromConfig); // the same factory again is harmless (a module evaluated twice)
    const model = new Sequential([new Dense(2, 2), new Scale(3)]);
    const rebuilt = Sequential.fromConfig(JSON.parse(JSON.stringify(model.toConfig())));
    expect(rebuilt.layers[1]).toBeInstanceOf(Scale);
    expect((rebuilt.layers[1] as Scale).factor).toBe(3);
    expectError(
      () => Sequential.fromConfig({ type: 'Sequential', layers: [{ type: 'TestScale' }] }),
      'ERR_INVALID_ARG',
      /layers\[0\] \(TestScale\): "factor" is missing/,
    );
  });

  it('a layer of your own runs inside a Sequential whether it implements forward() or apply(); one that implements neither says so', () => {
    const y = new Sequential([new Scale(2), new Scale(3)]).forward(new Tensor(Float32Array.from([1, -2]), [1, 2]));
    expect(Array.from(y.data)).toEqual([6, -12]);
    class Empty extends Layer {
      readonly type = 'Empty';
      constructor() {
        super('empty', 'hollow');
      }
      outputShape(s: Shape): number[] {
        return [...s];
      }
    }
    expectError(
      () => new Empty().forward(new Tensor(Float32Array.from([1]), [1, 1])),
      'ERR_INVALID_ARG',
      /hollow: a layer must implement apply\(\)/,
    );
  });

  it('refuses a second factory for a taken type, and bad arguments', () => {
    expectError(() => registerLayer('Dense', () => new Dense(1, 1)), 'ERR_INVALID_ARG', /"Dense" is already registered/);
    expectError(() => registerLayer('', fromConfig), 'ERR_INVALID_ARG', /type must be a non-empty string/);
    expectError(() => registerLayer('X', 'f' as never), 'ERR_INVALID_ARG', /must be a function/);
  });

  it('a layer class without getConfig cannot be saved, and says which layer', () => {
    class Opaque extends Layer {
      readonly type = 'Opaque';
      constructor() {
        super('opaque', 'mystery');
      }
      override apply(x: Tensor): Tensor {
        return x;
      }
      outputShape(s: Shape): number[] {
        return [...s];
      }
    }
    expectError(
      () => new Sequential([new Dense(2, 2), new Opaque()]).toConfig(),
      'ERR_INVALID_ARG',
      /mystery: Opaque layers cannot be saved yet/,
    );
  });
});
