/**
 * What `neuroblas train --model <spec>` builds: a preset by name, or a model spec file — the JSON that
 * `Sequential.toConfig()` gives and checkpoints store (`{ "type": "Sequential", "layers": [...] }`), or just the
 * array of layer configs. Presets:
 *
 * - `mlp` (the default): `--layers` widths (default features-100-classes), `--activation` on the hidden layers;
 * - `lenet`: the LeNet-5 of examples/lenet.ts (PyTorch's initialization) behind an Unflatten([1, 28, 28]), so it
 *   takes the 784-pixel rows the CLI reads from digits, Fashion-MNIST and IDX directories.
 *
 * Everything is checked against the data before training: a spec entry that cannot be built names its index
 * (the layer registry's messages), a layer that cannot take what the one before gives names its index and what
 * to do, and the output must be the logits of at least as many classes as the data has.
 */
import fs from 'node:fs';
import type { ActivationKind } from '../backend/contract.js';
import { fail, NeuroblasError } from '../errors.js';
import { Activation, Softmax } from '../layers/activation.js';
import { BatchNorm1d } from '../layers/batchnorm.js';
import { Conv2d } from '../layers/conv2d.js';
import { Dense } from '../layers/dense.js';
import { Dropout } from '../layers/dropout.js';
import { Flatten } from '../layers/flatten.js';
import type { Layer } from '../layers/layer.js';
import { MaxPool2d } from '../layers/pool.js';
import { Sequential } from '../layers/sequential.js';
import { Unflatten } from '../layers/unflatten.js';
import { ReLU } from '../layers/activation.js';
import type { Random } from '../random.js';
import { buildMlp, layerWidths } from './model-spec.js';

export const MODEL_PRESETS = ['mlp', 'lenet'] as const;
export const DEFAULT_MODEL = 'mlp';

/** PyTorch's nn.Linear initialization: weight and bias uniform in ±1/√in. */
function torchDense(inFeatures: number, outFeatures: number, activation: 'relu' | 'linear', rng?: Random): Dense {
  const bound = 1 / Math.sqrt(inFeatures);
  const uniform = { kind: 'uniform', low: -bound, high: bound } as const;
  return new Dense(inFeatures, outFeatures, { activation, kernelInitializer: uniform, biasInitializer: uniform, rng });
}

/**
 * LeNet-5 for [batch, 1, 28, 28] images and 10 classes: conv 5×5 1→6 (padding 2), ReLU, max-pool 2, conv 5×5 6→16,
 * ReLU, max-pool 2, flatten (400), dense 120, 84 (ReLU), 10. examples/lenet.ts trains exactly these layers.
 */
export function lenetLayers(rng?: Random): Layer[] {
  return [
    new Conv2d(1, 6, 5, { padding: 2, rng }),
    new ReLU(),
    new MaxPool2d(2),
    new Conv2d(6, 16, 5, { rng }),
    new ReLU(),
    new MaxPool2d(2),
    new Flatten(),
    torchDense(400, 120, 'relu', rng),
    torchDense(120, 84, 'relu', rng),
    torchDense(84, 10, 'linear', rng),
  ];
}

/** `--model lenet`: LeNet-5 on rows of 784 pixels (viewed as 1×28×28 images by its first layer). */
export function lenetForRows(): Sequential {
  return new Sequential([new Unflatten([1, 28, 28]), ...lenetLayers()]);
}

export interface ModelFlags {
  model?: string;
  layers?: number[];
  activation: ActivationKind;
}

export interface BuiltModel {
  model: Sequential;
  /** For messages and the plot's title: "784-100-10 relu MLP", "LeNet-5", "net.json". */
  description: string;
  /** The MLP's widths (for --model mlp), what the run records. */
  widths?: number[];
}

export interface DataShape {
  features: number;
  classes: number;
  name: string;
}

/** The model --model, --layers and --activation describe, checked against the data. */
export function buildModel(flags: ModelFlags, given: (flag: string) => boolean, data: DataShape): BuiltModel {
  const spec = flags.model ?? DEFAULT_MODEL;
  if (spec !== 'mlp') {
    for (const [key, flag] of [
      ['layers', '--layers'],
      ['activation', '--activation'],
    ] as const) {
      if (given(key)) fail('ERR_INVALID_ARG', `${flag} applies to --model mlp; --model ${spec} defines its own layers (drop ${flag})`);
    }
  }
  if (spec === 'mlp') {
    const widths = layerWidths(flags.layers, data.features, data.classes, data.name);
    return { model: buildMlp(widths, flags.activation), description: `${widths.join('-')} ${flags.activation} MLP`, widths };
  }
  if (spec === 'lenet') {
    if (data.features !== 784)
      fail(
        'ERR_INVALID_ARG',
        `--model lenet takes 28×28 images (784 values per row), but ${data.name} has ${data.features} features per row`,
      );
    if (data.classes > 10) fail('ERR_INVALID_ARG', `--model lenet has 10 outputs, but ${data.name} has ${data.classes} classes`);
    return { model: lenetForRows(), description: 'LeNet-5' };
  }
  const model = modelFromSpecFile(spec);
  checkModelFitsData(model, `--model ${spec}`, data);
  return { model, description: spec };
}

function readSpec(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      fail('ERR_IO', `--model ${file}: not a preset (${MODEL_PRESETS.join(', ')}) and no such file (a model spec is a JSON file)`);
    return fail('ERR_IO', `--model ${file}: cannot read (${code ?? (e as Error).message})`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    return fail('ERR_INVALID_ARG', `--model ${file}: not valid JSON (${(e as Error).message})`);
  }
}

/** A model spec file: `{ "type": "Sequential", "layers": [...] }` (Sequential.toConfig()'s JSON) or the layers array. */
export function modelFromSpecFile(file: string): Sequential {
  const spec = readSpec(file);
  const config = Array.isArray(spec) ? { type: 'Sequential', layers: spec } : spec;
  return Sequential.fromConfig(config, `--model ${file}`);
}

/** "[1, 28, 28]" for rows that are square images, to suggest an Unflatten. */
function squareImage(features: number): string | null {
  const side = Math.round(Math.sqrt(features));
  return side * side === features ? `[1, ${side}, ${side}]` : null;
}

/**
 * The model must take rows of `features` values and give one logit per class: each layer is checked in turn, so
 * the message names the first that cannot take what it gets. A final softmax is refused: the CLI trains with
 * softmax cross-entropy on logits, and a second softmax would train quietly worse.
 */
export function checkModelFitsData(model: Sequential, where: string, data: DataShape): void {
  let shape: number[] = [data.features];
  model.layers.forEach((layer, i) => {
    try {
      shape = layer.outputShape(shape);
    } catch (e) {
      if (!(e instanceof NeuroblasError)) throw e;
      const image = squareImage(data.features);
      const hint =
        i === 0 && shape.length === 1 && image !== null
          ? `; ${data.name} gives flat rows of ${data.features} values: start the model with ` +
            `{ "type": "Unflatten", "shape": ${image} } to view them as images`
          : '';
      fail(
        'ERR_INVALID_ARG',
        `${where}: layers[${i}] (${layer.type} "${layer.name}") cannot take ${data.name}'s rows: ${e.message}${hint}`,
      );
    }
  });
  if (shape.length !== 1)
    fail('ERR_INVALID_ARG', `${where}: gives outputs of shape [batch, ${shape.join(', ')}]; end it with a Flatten and a Dense of logits`);
  if (shape[0] < data.classes) fail('ERR_INVALID_ARG', `${where}: gives ${shape[0]} outputs, but ${data.name} has ${data.classes} classes`);
  const last = model.layers[model.layers.length - 1];
  if (last instanceof Softmax || (last instanceof Dense && last.activation === 'softmax'))
    fail(
      'ERR_INVALID_ARG',
      `${where}: ends with a softmax, but training applies softmax cross-entropy to the model's outputs (logits); remove the softmax`,
    );
}

/**
 * The number of values per row a model takes, from its first layers (those that fix it: Dense, Unflatten,
 * BatchNorm1d; activations and Dropout take anything). Null when the model does not say (a model that starts with
 * a convolution takes images, not rows).
 */
export function rowFeatures(model: Sequential): number | null {
  for (const layer of model.layers) {
    if (layer instanceof Dense) return layer.inFeatures;
    if (layer instanceof Unflatten) return layer.shape.reduce((a, b) => a * b, 1);
    if (layer instanceof BatchNorm1d) return layer.numFeatures;
    if (layer instanceof Sequential) return rowFeatures(layer);
    if (!(layer instanceof Activation || layer instanceof Dropout)) return null;
  }
  return null;
}
