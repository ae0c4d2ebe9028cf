/**
 * The PyTorch reference values, read from test/fixtures/reference/ (copied from the project's shared
 * reference set; see the README there). Never from /work/shared: a user's clone has no such folder.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const folder = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'reference');

/** The parsed JSON of one reference file, e.g. reference<SgemmRef>('sgemm'). */
export function reference<T>(name: string): T {
  return JSON.parse(fs.readFileSync(path.join(folder, `${name}.json`), 'utf8')) as T;
}

export interface SgemmCase {
  transA: boolean;
  transB: boolean;
  M: number;
  N: number;
  K: number;
  alpha: number;
  beta: number;
  A: number[];
  B: number[];
  C: number[];
  out: number[];
}
export interface SgemmRef {
  cases: SgemmCase[];
}

export interface ActivationsRef {
  x: number[];
  g: number[];
  cases: Record<string, { params: { slope?: number; alpha?: number }; y: number[]; dx: number[] }>;
}

export interface SoftmaxXentRef {
  cases: { B: number; C: number; logits: number[]; labels: number[]; loss: number; probs: number[]; grad: number[] }[];
}

export interface LossesRef {
  bce_with_logits: { shape: [number, number]; logits: number[]; targets: number[]; loss: number; grad: number[] };
  mse: { shape: [number, number]; pred: number[]; target: number[]; loss: number; grad: number[] };
}

export interface MlpRef {
  sizes: number[];
  activation: string;
  X: number[];
  labels: number[];
  W: number[][];
  b: number[][];
  logits: number[];
  loss: number;
  dW: number[][];
  db: number[][];
}

export interface OptimizersRef {
  p0: number[];
  grads: number[][];
  cases: Record<string, { hyper: Record<string, number | boolean | number[]>; steps: number[][] }>;
}

export interface BatchnormRef {
  B: number;
  F: number;
  eps: number;
  momentum: number;
  x: number[];
  gamma: number[];
  beta: number[];
  y: number[];
  g: number[];
  dx: number[];
  dgamma: number[];
  dbeta: number[];
  running_mean: number[];
  running_var: number[];
}
