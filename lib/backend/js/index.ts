/**
 * The pure-TypeScript backend: the specification every other backend must match. Raw — it trusts its
 * arguments; lib/backend/checked.ts validates them before any call reaches these functions. Each file here
 * holds one family of kernels and exports each under its name in the contract table (contract.ts); the
 * backend is every such export, so a new kernel needs no line here.
 */
import { type Backend, KERNEL_NAMES } from '../contract.js';
import * as activations from './activations.js';
import * as batchnorm from './batchnorm.js';
import * as conv from './conv.js';
import * as data from './data.js';
import * as dense from './dense.js';
import * as dropout from './dropout.js';
import * as elementwise from './elementwise.js';
import * as embedding from './embedding.js';
import * as losses from './losses.js';
import * as optim from './optim.js';
import * as pool from './pool.js';
import * as recurrent from './recurrent.js';
import * as softmax from './softmax.js';
// The sequence layers' kernels.
import * as clip from './clip.js';
import * as conv1d from './conv1d.js';
import * as layernorm from './layernorm.js';
import * as pool1d from './pool1d.js';

export { dropoutHash, keepThreshold } from './dropout.js';

const families: Record<string, unknown> = {
  ...activations,
  ...batchnorm,
  ...conv,
  ...data,
  ...dense,
  ...dropout,
  ...elementwise,
  ...embedding,
  ...losses,
  ...optim,
  ...pool,
  ...recurrent,
  ...softmax,
  ...clip,
  ...conv1d,
  ...layernorm,
  ...pool1d,
};

const kernels: Record<string, unknown> = {};
for (const name of KERNEL_NAMES) {
  if (typeof families[name] !== 'function') throw new Error(`js backend: no implementation of the kernel ${name} in lib/backend/js/`);
  kernels[name] = families[name];
}

export const jsBackend = {
  ...kernels,
  name: 'js',
  // JavaScript runs the kernels on the calling thread; there is nothing to configure.
  setNumThreads(_n: number): void {},
  getNumThreads: () => 1,
} as Backend;
