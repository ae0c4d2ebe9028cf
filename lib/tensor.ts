/**
 * A tensor is a Float32Array plus a shape (row-major), and, when it takes part in training, a gradient
 * and the graph node that produced it. Memory is the garbage collector's: nothing to dispose, nothing
 * leaks when a tensor is forgotten. Arithmetic lives in lib/ops/ and runs through the backend contract;
 * this file only holds the data structure, the factories, and `backward()`. Which backend runs the ops is the
 * ops' business (lib/ops/current-backend.ts: currentBackend, useBackend, withBackend), not the tensor's.
 */
import { fail } from './errors.js';
import { backward as runBackward } from './graph.js';
import { defaultRandom, type Random } from './random.js';
import { isFloat32Array, plural, show } from './check.js';

export { isFloat32Array, isInt32Array } from './check.js';

export type Shape = readonly number[];

export function shapeSize(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** A shape as messages show it, `[2, 3]`; symbolic sizes are welcome (`['batch', 784]`). */
export function formatShape(shape: readonly (number | string)[]): string {
  return `[${shape.join(', ')}]`;
}

function checkShape(where: string, shape: Shape): void {
  if (!Array.isArray(shape)) fail('ERR_INVALID_ARG', `${where}: shape must be an array of sizes, got ${typeof shape}`);
  for (const d of shape) {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0)
      fail('ERR_INVALID_ARG', `${where}: shape ${JSON.stringify(shape)} must hold non-negative integers`);
  }
}

export interface TensorOptions {
  requiresGrad?: boolean;
  /** A name used in error messages and summaries (parameters get "0.weight"-style names). */
  name?: string;
}

export class Tensor {
  data: Float32Array;
  shape: number[];
  /** d(root)/d(this) after backward(); accumulates across backward() calls until zeroGrad(). */
  grad: Float32Array | null = null;
  requiresGrad: boolean;
  name: string;

  /** Graph bookkeeping (lib/graph.ts): the inputs of the op that made this tensor, and its backward step. */
  parents: readonly Tensor[] = [];
  backwardFn: (() => void) | null = null;
  op = 'leaf';
  /** True during a backward pass while `grad` holds no value yet (it is overwritten, not added to, first). */
  gradPending = false;

  constructor(data: Float32Array, shape: Shape, options: TensorOptions = {}) {
    checkShape('Tensor', shape);
    if (!isFloat32Array(data)) {
      fail(
        'ERR_INVALID_ARG',
        `Tensor: data must be a Float32Array, got ${show(data)}: convert it with Float32Array.from(data), ` +
          'or use tensor(values, shape), which copies any numbers',
      );
    }
    const n = shapeSize(shape);
    if (n !== data.length)
      fail(
        'ERR_SHAPE',
        `Tensor${options.name ? ` ${options.name}` : ''}: shape ${formatShape(shape)} holds ${n} elements, data has ${data.length}`,
      );
    this.data = data;
    this.shape = [...shape];
    this.requiresGrad = options.requiresGrad ?? false;
    this.name = options.name ?? '';
  }

  get size(): number {
    return this.data.length;
  }

  get ndim(): number {
    return this.shape.length;
  }

  /** A leaf is a tensor no op produced: an input or a parameter. Only leaves keep gradients between passes. */
  get isLeaf(): boolean {
    return this.backwardFn === null;
  }

  /** Back-propagates from this tensor: a scalar seeds d(this) = 1; otherwise pass the seed gradient. */
  backward(seed?: Float32Array): void {
    runBackward(this, seed);
  }

  /** Clears the gradient to zero (keeping its buffer, so training allocates it once). */
  zeroGrad(): void {
    if (this.grad !== null) this.grad.fill(0);
  }

  /** The value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) fail('ERR_SHAPE', `item: tensor of shape ${formatShape(this.shape)} has ${this.size} elements, not 1`);
    return this.data[0];
  }

  toArray(): number[] {
    return Array.from(this.data);
  }

  /** The same data, cut from the graph (no gradient flows through it). */
  detach(): Tensor {
    return new Tensor(this.data, this.shape);
  }

  /** A deep copy of the data, cut from the graph. */
  clone(): Tensor {
    return new Tensor(this.data.slice(), this.shape, { requiresGrad: this.requiresGrad });
  }

  toString(): string {
    const head = Array.from(this.data.subarray(0, 8), (v) => v.toPrecision(4)).join(', ');
    return `Tensor(${formatShape(this.shape)}${this.name ? ` ${this.name}` : ''}: ${head}${this.size > 8 ? ', …' : ''})`;
  }
}

/** A plain array or a typed array (not a DataView): a level of nesting in `tensor()`'s values. */
function isList(v: unknown): v is ArrayLike<unknown> {
  return Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));
}

/** `[1][0]`: where an element sits in nested values, as messages show it. */
function position(path: readonly number[]): string {
  return path.map((i) => `[${i}]`).join('');
}

/**
 * Nested values flattened row-major, with the shape read from the first entry at each depth; every other entry
 * must have the same length (rectangular) and every leaf must be a number, or the error names its position.
 */
function flatten(values: ArrayLike<unknown>): { data: Float32Array; shape: number[] } {
  const shape: number[] = [];
  for (let v: unknown = values; isList(v); v = v[0]) {
    shape.push(v.length);
    if (v.length === 0) break;
  }
  const data = new Float32Array(shapeSize(shape));
  let at = 0;
  const path: number[] = [];
  const firstAt = (depth: number) => position(path.slice(0, depth).map(() => 0));
  const walk = (v: ArrayLike<unknown>, depth: number): void => {
    const leaves = depth === shape.length - 1;
    if (leaves && v instanceof Float32Array) {
      data.set(v, at);
      at += v.length;
      return;
    }
    for (let i = 0; i < v.length; i++) {
      const e = v[i];
      path[depth] = i;
      if (leaves) {
        if (typeof e !== 'number') {
          fail('ERR_INVALID_ARG', `tensor: element ${position(path.slice(0, depth + 1))} is ${show(e)}, not a number`);
        }
        data[at++] = e;
        continue;
      }
      const where = position(path.slice(0, depth + 1));
      if (!isList(e))
        fail(
          'ERR_INVALID_ARG',
          `tensor: element ${where} is ${show(e)}, expected an array of ${shape[depth + 1]} like ${firstAt(depth + 1)}`,
        );
      if (e.length !== shape[depth + 1]) {
        fail(
          'ERR_INVALID_ARG',
          `tensor: element ${where} has ${plural(e.length, 'entry', 'entries')} where ${firstAt(depth + 1)} has ${shape[depth + 1]} ` +
            '(nested arrays must be rectangular)',
        );
      }
      walk(e, depth + 1);
    }
    path.length = depth;
  };
  walk(values, 0);
  return { data, shape };
}

/**
 * A tensor from numbers (copied to float32): a flat array or typed array, or nested arrays, whose shape is inferred
 * (`tensor([[1, 2], [3, 4]])` is 2×2); a number alone gives a scalar. `shape`, when given, reshapes the values (same
 * count). A value that is not a number (a string, null, a hole, …) or rows of different lengths are an
 * ERR_INVALID_ARG naming the position, never a NaN.
 */
export function tensor(values: ArrayLike<number> | NestedNumbers | number, shape?: Shape, options?: TensorOptions): Tensor {
  if (typeof values === 'number') return new Tensor(Float32Array.of(values), shape ?? [], options);
  if (!isList(values)) {
    fail('ERR_INVALID_ARG', `tensor: values must be a number, an array or typed array of numbers, or nested arrays, got ${show(values)}`);
  }
  const flat = flatten(values);
  return new Tensor(flat.data, shape ?? flat.shape, options);
}

/** Nested arrays of numbers, as `tensor()` takes them. */
export type NestedNumbers = readonly (number | ArrayLike<number> | NestedNumbers)[];

export function scalar(value: number, options?: TensorOptions): Tensor {
  return new Tensor(Float32Array.of(value), [], options);
}

export function zeros(shape: Shape, options?: TensorOptions): Tensor {
  checkShape('zeros', shape);
  return new Tensor(new Float32Array(shapeSize(shape)), shape, options);
}

export function full(shape: Shape, value: number, options?: TensorOptions): Tensor {
  checkShape('full', shape);
  return new Tensor(new Float32Array(shapeSize(shape)).fill(value), shape, options);
}

export function ones(shape: Shape, options?: TensorOptions): Tensor {
  return full(shape, 1, options);
}

/** Standard normal values from the library's seeded generator (or `rng`). */
export function randn(shape: Shape, options?: TensorOptions & { rng?: Random }): Tensor {
  const t = zeros(shape, options);
  (options?.rng ?? defaultRandom).fillNormal(t.data);
  return t;
}

/** Uniform values in [low, high) from the library's seeded generator (or `rng`). */
export function rand(shape: Shape, options?: TensorOptions & { rng?: Random; low?: number; high?: number }): Tensor {
  const t = zeros(shape, options);
  (options?.rng ?? defaultRandom).fillUniform(t.data, options?.low ?? 0, options?.high ?? 1);
  return t;
}
