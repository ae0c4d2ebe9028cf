/**
 * Weights both threads see: every parameter and buffer of the model moves into a SharedArrayBuffer, on the
 * caller's model (its Tensors keep their identity, only `.data` is swapped, so the optimizer, the callbacks and
 * any reference to `model.layers[0].weight` stay valid) and on the worker's rebuilt copy. The worker's updates are
 * then visible on the caller's thread as they happen (ctx.model.getWeights() in a callback, predict), and what a
 * callback writes (EarlyStopping restoring the best weights) is what the worker trains on next, with no copies.
 *
 * This works because layers and optimizers read `param.data` when they run and never keep the array itself;
 * buffers (BatchNorm's running statistics) are swapped through the one layer type that has them.
 */
import { fail } from '../errors.js';
import { BatchNorm } from '../layers/batchnorm.js';
import { Layer } from '../layers/layer.js';
import { Sequential } from '../layers/sequential.js';
import { toSharedFloat32 } from '../shared-memory.js';

/** The layers that own weights, in the order namedWeights() lists them (nested Sequentials flattened). */
function leafLayers(layer: Layer): Layer[] {
  return layer instanceof Sequential ? layer.layers.flatMap(leafLayers) : [layer];
}

/** A setter for each buffer of `layer`, or null when the layer has buffers this file does not know how to swap. */
function bufferSetters(layer: Layer): ((data: Float32Array) => void)[] | null {
  const names = layer.namedBuffers().map(([name]) => name);
  if (names.length === 0) return [];
  if (!(layer instanceof BatchNorm)) return null;
  return names.map((name) => {
    if (name === 'running_mean') return (data: Float32Array) => { layer.running.mean = data; };
    if (name === 'running_var') return (data: Float32Array) => { layer.running.variance = data; };
    return fail('ERR_INVALID_ARG', `${layer.name}: unknown buffer ${name}`);
  });
}

interface Slot {
  get(): Float32Array;
  set(data: Float32Array): void;
}

/** Every weight array of the model with a way to replace it, or the name of a layer whose buffers cannot be. */
function slots(model: Sequential): Slot[] | string {
  const out: Slot[] = [];
  for (const layer of leafLayers(model)) {
    for (const [, t] of layer.namedParameters()) out.push({ get: () => t.data, set: (d) => { t.data = d; } });
    const setters = bufferSetters(layer);
    if (setters === null) return `${layer.name} (${layer.type})`;
    layer.namedBuffers().forEach(([, data], i) => out.push({ get: () => data, set: setters[i] }));
  }
  return out;
}

/** Why the model's weights cannot be shared with a worker, or null when they can. */
export function unshareableWeights(model: Sequential): string | null {
  const s = slots(model);
  return typeof s === 'string' ? `${s} keeps buffers that cannot be shared with a worker` : null;
}

/** On the caller's thread: moves each weight array not already shared into shared memory; returns them all. */
export function shareWeights(model: Sequential): Float32Array[] {
  const s = slots(model);
  if (typeof s === 'string') fail('ERR_INVALID_ARG', `fit: ${s} keeps buffers that cannot be shared with a worker`);
  // Layers allocate their weights on shared memory (layer.ts's weightTensor), so this copies only what a caller
  // put there itself (a Tensor's .data replaced with an ordinary array).
  return s.map((slot) => {
    const data = toSharedFloat32(slot.get());
    if (data !== slot.get()) slot.set(data);
    return data;
  });
}

/** In the worker: the rebuilt model takes the caller's shared arrays in place of its freshly initialized ones. */
export function adoptWeights(model: Sequential, weights: readonly Float32Array[]): void {
  const s = slots(model);
  if (typeof s === 'string') fail('ERR_INVALID_ARG', `fit worker: ${s} keeps buffers that cannot be shared`);
  if (s.length !== weights.length) fail('ERR_SHAPE', `fit worker: the rebuilt model has ${s.length} weight arrays, the caller's ${weights.length}`);
  s.forEach((slot, i) => {
    if (slot.get().length !== weights[i].length) fail('ERR_SHAPE', `fit worker: weight array ${i} has ${weights[i].length} values, the rebuilt model expects ${slot.get().length}`);
    slot.set(weights[i]);
  });
}
