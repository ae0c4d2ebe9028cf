/**
 * Weight initializers with PyTorch's definitions (torch.nn.init), all drawing from the library's one
 * seeded generator unless given another. Fans follow PyTorch, adapted to how neuroblas stores weights:
 * a Dense weight is [in, out], so fan_in = shape[0] and fan_out = shape[1]; for 3-D and larger
 * (convolution weights [out, in, k…], PyTorch's layout) fan_in = in·Πk and fan_out = out·Πk.
 */
import { fail } from './errors.js';
import { closestName } from './check.js';
import type { ActivationKind } from './backend/contract.js';
import { defaultRandom, type Random } from './random.js';
import type { Shape } from './tensor.js';

export type InitializerName =
  | 'zeros'
  | 'ones'
  | 'glorotUniform'
  | 'glorotNormal'
  | 'xavierUniform'
  | 'xavierNormal'
  | 'heUniform'
  | 'heNormal'
  | 'kaimingUniform'
  | 'kaimingNormal'
  | 'lecunUniform'
  | 'lecunNormal'
  | 'orthogonal'
  | 'truncatedNormal';

const NAMES: readonly string[] = [
  'zeros',
  'ones',
  'constant',
  'uniform',
  'normal',
  'glorotUniform',
  'glorotNormal',
  'xavierUniform',
  'xavierNormal',
  'heUniform',
  'heNormal',
  'kaimingUniform',
  'kaimingNormal',
  'lecunUniform',
  'lecunNormal',
  'orthogonal',
  'truncatedNormal',
];

export type InitializerSpec =
  | InitializerName
  | { kind: 'constant'; value: number }
  | { kind: 'uniform'; low?: number; high?: number }
  | { kind: 'normal'; mean?: number; std?: number }
  /** Normal draws beyond 2 std from the mean are drawn again (TensorFlow's truncated_normal); std 0.05 as Keras. */
  | { kind: 'truncatedNormal'; mean?: number; std?: number }
  | { kind: InitializerName; gain?: number }
  /** A custom initializer fills `data` itself. */
  | ((data: Float32Array, shape: Shape, rng: Random) => void);

export interface Fans {
  fanIn: number;
  fanOut: number;
}

export function computeFans(shape: Shape): Fans {
  if (shape.length < 2) fail('ERR_SHAPE', `init: fans need a weight of at least 2 dimensions, got [${shape.join(', ')}]`);
  if (shape.length === 2) return { fanIn: shape[0], fanOut: shape[1] };
  let receptive = 1;
  for (let i = 2; i < shape.length; i++) receptive *= shape[i];
  return { fanIn: shape[1] * receptive, fanOut: shape[0] * receptive };
}

/** torch.nn.init.calculate_gain for the activations neuroblas has (SELU's 3/4 is PyTorch's; ELU, softplus, relu6 and
 *  the smooth ReLUs GELU, SiLU and Mish as ReLU). */
export function gainFor(kind: ActivationKind | 'softmax' | 'logSoftmax', param = 0): number {
  switch (kind) {
    case 'tanh':
      return 5 / 3;
    case 'selu':
      return 3 / 4;
    case 'relu':
    case 'elu':
    case 'softplus':
    case 'relu6':
    case 'gelu':
    case 'gelu_tanh':
    case 'silu':
    case 'mish':
      return Math.SQRT2;
    case 'leaky_relu':
      return Math.sqrt(2 / (1 + param * param));
    default:
      return 1; // linear, sigmoid, softsign, hardsigmoid, softmax, logSoftmax
  }
}

/**
 * He for the ReLU family (with the leaky slope in the gain; relu6, GELU, SiLU and Mish too), LeCun normal for SELU
 * (what self-normalization assumes, Keras's choice), Glorot for sigmoid, tanh, softsign, hardsigmoid, linear,
 * softmax and logSoftmax (gain 1, as Keras does).
 */
export function defaultInitializer(kind: ActivationKind | 'softmax' | 'logSoftmax', param = 0): InitializerSpec {
  if (kind !== 'leaky_relu' && gainFor(kind) === Math.SQRT2) return 'heUniform';
  if (kind === 'selu') return 'lecunNormal';
  if (kind === 'leaky_relu') return { kind: 'heUniform', gain: gainFor('leaky_relu', param) };
  return 'glorotUniform';
}

/**
 * A (semi-)orthogonal matrix, PyTorch's orthogonal_: rows = shape[0], cols = the product of the rest; W·Wᵀ = I when
 * rows ≤ cols, Wᵀ·W = I otherwise; then times `gain`. From a seeded Gaussian matrix by Gram–Schmidt in double, run
 * twice for orthogonality to rounding ("twice is enough"); positive diagonal of R, as PyTorch's sign correction.
 */
function fillOrthogonal(data: Float32Array, shape: Shape, gain: number, rng: Random): void {
  if (shape.length < 2) fail('ERR_SHAPE', `init: orthogonal needs a weight of at least 2 dimensions, got [${shape.join(', ')}]`);
  const rows = shape[0];
  const cols = data.length / rows;
  const long = Math.max(rows, cols),
    short = Math.min(rows, cols);
  // `short` vectors of length `long`, made orthonormal one by one.
  const q = Array.from({ length: short }, () => Float64Array.from({ length: long }, () => rng.normal()));
  for (let j = 0; j < short; j++) {
    const v = q[j];
    for (let pass = 0; pass < 2; pass++)
      for (let k = 0; k < j; k++) {
        let dot = 0;
        for (let i = 0; i < long; i++) dot += q[k][i] * v[i];
        for (let i = 0; i < long; i++) v[i] -= dot * q[k][i];
      }
    let norm = 0;
    for (let i = 0; i < long; i++) norm += v[i] * v[i];
    norm = Math.sqrt(norm);
    for (let i = 0; i < long; i++) v[i] /= norm;
  }
  // rows ≤ cols: vector r is row r; otherwise vector c is column c.
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) data[r * cols + c] = gain * (rows <= cols ? q[r][c] : q[c][r]);
}

function fillTruncatedNormal(data: Float32Array, mean: number, std: number, rng: Random): void {
  if (!Number.isFinite(mean) || !Number.isFinite(std) || std < 0)
    fail('ERR_INVALID_ARG', `init: truncatedNormal needs a finite mean and a finite std >= 0, got mean ${mean}, std ${std}`);
  for (let i = 0; i < data.length; i++) {
    let z = rng.normal();
    while (Math.abs(z) > 2) z = rng.normal();
    data[i] = mean + std * z;
  }
}

function fillUniform(data: Float32Array, bound: number, rng: Random): void {
  rng.fillUniform(data, -bound, bound);
}

/** Fills `data` (a weight of `shape`) according to `spec`. */
export function initialize(spec: InitializerSpec, data: Float32Array, shape: Shape, rng: Random = defaultRandom): void {
  if (typeof spec === 'function') {
    spec(data, shape, rng);
    return;
  }
  const { kind, ...o } = (typeof spec === 'string' ? { kind: spec } : spec) as {
    kind: string;
    gain?: number;
    value?: number;
    low?: number;
    high?: number;
    mean?: number;
    std?: number;
  };
  const fans = () => computeFans(shape);
  switch (kind) {
    case 'zeros':
      data.fill(0);
      return;
    case 'ones':
      data.fill(1);
      return;
    case 'constant':
      if (typeof o.value !== 'number' || !Number.isFinite(o.value))
        fail('ERR_INVALID_ARG', `init: constant needs a finite value, got ${String(o.value)}`);
      data.fill(o.value);
      return;
    case 'uniform':
      rng.fillUniform(data, o.low ?? 0, o.high ?? 1);
      return;
    case 'normal':
      rng.fillNormal(data, o.mean ?? 0, o.std ?? 1);
      return;
    case 'glorotUniform':
    case 'xavierUniform': {
      const { fanIn, fanOut } = fans();
      fillUniform(data, (o.gain ?? 1) * Math.sqrt(6 / (fanIn + fanOut)), rng);
      return;
    }
    case 'glorotNormal':
    case 'xavierNormal': {
      const { fanIn, fanOut } = fans();
      rng.fillNormal(data, 0, (o.gain ?? 1) * Math.sqrt(2 / (fanIn + fanOut)));
      return;
    }
    // Kaiming in PyTorch's default mode fan_in: std = gain/√fan_in, the uniform bound is √3·std.
    case 'heUniform':
    case 'kaimingUniform':
      fillUniform(data, (o.gain ?? Math.SQRT2) * Math.sqrt(3 / fans().fanIn), rng);
      return;
    case 'heNormal':
    case 'kaimingNormal':
      rng.fillNormal(data, 0, (o.gain ?? Math.SQRT2) / Math.sqrt(fans().fanIn));
      return;
    case 'lecunUniform':
      fillUniform(data, (o.gain ?? 1) * Math.sqrt(3 / fans().fanIn), rng);
      return;
    case 'lecunNormal':
      rng.fillNormal(data, 0, (o.gain ?? 1) / Math.sqrt(fans().fanIn));
      return;
    case 'orthogonal':
      fillOrthogonal(data, shape, o.gain ?? 1, rng);
      return;
    case 'truncatedNormal':
      fillTruncatedNormal(data, o.mean ?? 0, o.std ?? 0.05, rng);
      return;
    default: {
      const near = closestName(String(kind), NAMES);
      fail(
        'ERR_INVALID_ARG',
        `init: unknown initializer ${JSON.stringify(kind)}${near ? ` (did you mean "${near}"?)` : ''}; known: ${NAMES.join(', ')}`,
      );
    }
  }
}
