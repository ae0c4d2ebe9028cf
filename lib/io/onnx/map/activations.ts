/**
 * Every activation, as a layer (ReLU, GELU, …) and fused in Dense: one expression tree of standard operators per kind,
 * valid in opsets 13–17 (GELU and Mish have no operator of their own before opsets 20 and 18, so they are written as
 * PyTorch 1.13 writes them). The same trees import them back.
 */
import { fail } from '../../../errors.js';
import { Activation, type ActivationName } from '../../../layers/activation.js';
import type { Layer } from '../../../layers/layer.js';
import type { GraphBuilder } from '../builder.js';
import type { ImportMatch, Imported, OnnxMapping } from '../mapping.js';
import { Attributes } from '../graph-view.js';
import { c, emit, matchTemplate, op, type Expr } from '../template.js';

const SQRT2 = Math.SQRT2;
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
/** PyTorch's SELU constants, which are ONNX Selu's defaults too. */
const SELU_ALPHA = 1.6732632423543772;
const SELU_GAMMA = 1.0507009873554805;
const lastAxis = { axis: { value: 'lastAxis' as const, default: -1 } };

/** The tree of each kind; 'param' is LeakyReLU's slope or ELU's alpha. */
export const ACTIVATION_TEMPLATES: Record<ActivationName, Expr> = {
  linear: op('Identity', ['x']),
  sigmoid: op('Sigmoid', ['x']),
  tanh: op('Tanh', ['x']),
  relu: op('Relu', ['x']),
  leaky_relu: op('LeakyRelu', ['x'], { alpha: { value: 'param', default: 0.01, float: true } }),
  elu: op('Elu', ['x'], { alpha: { value: 'param', default: 1, float: true } }),
  softplus: op('Softplus', ['x']),
  // 0.5·x·(1 + erf(x/√2)), PyTorch's export of nn.GELU().
  gelu: op('Mul', [op('Mul', ['x', op('Add', [op('Erf', [op('Div', ['x', c(SQRT2)])]), c(1)])]), c(0.5)]),
  // 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
  gelu_tanh: op('Mul', [
    op('Mul', [
      'x',
      op('Add', [
        op('Tanh', [op('Mul', [op('Add', ['x', op('Mul', [op('Mul', [op('Mul', ['x', 'x']), 'x']), c(0.044715)])]), c(SQRT_2_OVER_PI)])]),
        c(1),
      ]),
    ]),
    c(0.5),
  ]),
  silu: op('Mul', ['x', op('Sigmoid', ['x'])]),
  selu: op('Selu', ['x'], {
    alpha: { value: SELU_ALPHA, default: SELU_ALPHA, float: true },
    gamma: { value: SELU_GAMMA, default: SELU_GAMMA, float: true },
  }),
  mish: op('Mul', ['x', op('Tanh', [op('Softplus', ['x'])])]),
  softsign: op('Softsign', ['x']),
  // relu6(x + 3)/6 = clip(x/6 + 1/2, 0, 1).
  hardsigmoid: op('HardSigmoid', ['x'], { alpha: { value: 1 / 6, float: true }, beta: { value: 0.5, default: 0.5, float: true } }),
  relu6: op('Clip', ['x', c(0), c(6)]),
  softmax: op('Softmax', ['x'], lastAxis),
  logSoftmax: op('LogSoftmax', ['x'], lastAxis),
};

/** Writes activation `kind` (with its parameter) applied to `x`; Dense's fused activation goes through here too. */
export function exportActivation(kind: ActivationName, param: number, g: GraphBuilder, x: string): string {
  return emit(ACTIVATION_TEMPLATES[kind], g, x, param);
}

/** Larger trees first, so that x·σ(x) is SiLU rather than a Sigmoid followed by something else. */
const BY_SIZE = (Object.entries(ACTIVATION_TEMPLATES) as [ActivationName, Expr][]).sort(([, a], [, b]) => size(b) - size(a));

function size(e: Expr): number {
  return e === 'x' || 'c' in e ? 0 : 1 + e.args.reduce((n, a) => n + size(a), 0);
}

/** The nodes reachable from `x` within `depth` steps, nearest first: where a tree that reads `x` can end. */
function reachable(m: ImportMatch, depth: number): string[] {
  const seen = new Set<string>();
  let frontier = [m.x];
  for (let d = 0; d < depth && frontier.length > 0; d++) {
    const next: string[] = [];
    for (const v of frontier) {
      for (const node of m.view.consumers.get(v) ?? []) {
        for (const out of node.output ?? []) {
          if (out && !seen.has(out)) {
            seen.add(out);
            next.push(out);
          }
        }
      }
    }
    frontier = next;
  }
  return [...seen];
}

function importActivation(m: ImportMatch): Imported | null {
  const ends = reachable(m, 12);
  for (const [kind, expr] of BY_SIZE) {
    for (const end of ends) {
      const match = matchTemplate(m.view, end, expr, m.x, m.shape.length + 1);
      if (match === null || !match.nodes.includes(m.node)) continue;
      if (kind === 'softmax' || kind === 'logSoftmax') {
        if (m.opset < 13 && m.shape.length !== 1) continue; // before opset 13 the axis meant "flatten from here"
      }
      const layer = new Activation(kind, kind === 'leaky_relu' || kind === 'elu' ? { alpha: match.param } : {});
      return { layers: [layer], nodes: match.nodes, output: end };
    }
  }
  explainAttributes(m);
  return null;
}

/** For a one-node activation whose attributes kept it from matching: ERR_UNSUPPORTED naming the first such attribute. */
function explainAttributes(m: ImportMatch): void {
  for (const [kind, expr] of BY_SIZE) {
    if (expr === 'x' || 'c' in expr || expr.op !== m.node.op_type || !expr.args.every((a) => a === 'x' || 'c' in a)) continue;
    const specs = expr.attrs ?? {};
    const attrs = new Attributes(m.node, m.view.file);
    for (const a of m.node.attribute ?? []) {
      const name = a.name ?? '';
      const spec = specs[name];
      if (spec === undefined) attrs.unsupported(name, `is not supported by neuroblas's ${kind}`);
      if (typeof spec.value === 'number') {
        const v = spec.float ? attrs.float(name, Number.NaN) : attrs.int(name, Number.NaN);
        if (!(Math.abs(v - spec.value) <= 1e-6 * Math.max(1, Math.abs(spec.value))))
          attrs.unsupported(name, `= ${v} is not supported (neuroblas's ${kind} has ${spec.value})`);
      }
      if (spec.value === 'lastAxis')
        attrs.unsupported(name, `= ${attrs.int(name, 0)} is not supported here (neuroblas's ${kind} is over the last axis)`);
    }
  }
}

const OPS = ['Identity', 'Sigmoid', 'Tanh', 'Relu', 'LeakyRelu', 'Elu', 'Softplus', 'Selu', 'Softsign', 'HardSigmoid', 'Clip'];

export const activationMapping: OnnxMapping = {
  // Every Activation subclass's type ("Linear": Identity's name in files before 0.2).
  layerTypes: ['Identity', 'Linear', 'ReLU', 'Sigmoid', 'Tanh', 'LeakyReLU', 'ELU', 'Softplus', 'GELU', 'SiLU', 'SELU', 'Mish'].concat([
    'Softsign',
    'Hardsigmoid',
    'ReLU6',
    'Softmax',
    'LogSoftmax',
  ]),
  exportLayer(layer: Layer, g: GraphBuilder, x: string): string {
    if (!(layer instanceof Activation)) fail('ERR_INVALID_ARG', `${layer.name}: not an activation layer`);
    return exportActivation(layer.kind, layer.param, g, x);
  },
  // Where a tree's first node can be: its operator, or the Mul/Div/Add that starts GELU's and SiLU's trees.
  ops: [...OPS, 'Softmax', 'LogSoftmax', 'Mul', 'Div', 'Add', 'Erf'],
  importNode: importActivation,
};
