/**
 * Elementwise functions written once as expression trees of ONNX operators, used both ways: `emit` writes the nodes
 * (export), `matchTemplate` recognizes them in a graph (import), so what neuroblas writes it reads back, and PyTorch's
 * exports of the same functions (SiLU as x·σ(x), GELU through Erf, Mish as x·tanh(softplus(x))) match the same trees.
 */
import type { GraphBuilder } from './builder.js';
import { Attributes, type GraphView } from './graph-view.js';
import type { NodeProto } from './proto.js';

/** An attribute of a template node: a fixed number, the layer's parameter (LeakyReLU's slope), or the last axis. */
export interface AttrSpec {
  value: number | 'param' | 'lastAxis';
  /** ONNX's default, when the attribute may be absent. */
  default?: number;
  float?: boolean;
}

export type Expr = 'x' | { c: number } | { op: string; args: Expr[]; attrs?: Record<string, AttrSpec> };

export const op = (name: string, args: Expr[], attrs?: Record<string, AttrSpec>): Expr => ({ op: name, args, attrs });
export const c = (value: number): Expr => ({ c: value });

const COMMUTATIVE = new Set(['Add', 'Mul']);

/** Writes `expr` with `x` as its input; returns the output value. Constants become scalar initializers. */
export function emit(expr: Expr, g: GraphBuilder, x: string, param: number): string {
  if (expr === 'x') return x;
  if ('c' in expr) return g.constant([], [expr.c]);
  const inputs = expr.args.map((a) => emit(a, g, x, param));
  const attrs: Record<string, number> = {};
  const floats: string[] = [];
  for (const [name, spec] of Object.entries(expr.attrs ?? {})) {
    attrs[name] = spec.value === 'param' ? param : spec.value === 'lastAxis' ? -1 : spec.value;
    if (spec.float) floats.push(name);
  }
  return g.node(expr.op, inputs, attrs, floats);
}

export interface TemplateMatch {
  nodes: NodeProto[];
  /** The value of the 'param' attribute, when the template has one. */
  param: number | undefined;
}

/** Equal as float32 constants written by different tools are: within a few ulps. */
function close(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b));
}

/**
 * Whether `value` is `expr` applied to `x` (commutative Add/Mul in either order). Attributes are checked too: a node
 * whose attributes differ (another alpha, an attribute the template does not have) does not match.
 */
export function matchTemplate(view: GraphView, value: string, expr: Expr, x: string, rank: number): TemplateMatch | null {
  const state: TemplateMatch = { nodes: [], param: undefined };
  return walk(view, value, expr, x, rank, state) ? state : null;
}

function walk(view: GraphView, value: string, expr: Expr, x: string, rank: number, state: TemplateMatch): boolean {
  if (expr === 'x') return value === x;
  if ('c' in expr) {
    const v = view.scalar(value);
    return v !== undefined && close(v, expr.c);
  }
  const node = view.producer.get(value);
  if (node === undefined || node.op_type !== expr.op || (node.domain ?? '') !== '' || node.output?.length !== 1) return false;
  const inputs = node.input ?? [];
  if (inputs.length !== expr.args.length || !attributesMatch(node, view.file, expr.attrs ?? {}, rank, state)) return false;
  const orders = COMMUTATIVE.has(expr.op) && inputs.length === 2 ? [inputs, [inputs[1], inputs[0]]] : [inputs];
  for (const order of orders) {
    const trial: TemplateMatch = { nodes: [...state.nodes, node], param: state.param };
    if (order.every((input, i) => walk(view, input, expr.args[i], x, rank, trial))) {
      state.nodes = trial.nodes;
      state.param = trial.param;
      return true;
    }
  }
  return false;
}

function attributesMatch(node: NodeProto, file: string, specs: Record<string, AttrSpec>, rank: number, state: TemplateMatch): boolean {
  const names = new Set((node.attribute ?? []).map((a) => a.name));
  for (const name of names) if (name === undefined || !(name in specs)) return false;
  const attrs = new Attributes(node, file);
  for (const [name, spec] of Object.entries(specs)) {
    if (!names.has(name) && spec.default === undefined) return false;
    const v = spec.float ? attrs.float(name, spec.default ?? Number.NaN) : attrs.int(name, spec.default ?? Number.NaN);
    if (spec.value === 'param') state.param = v;
    else if (spec.value === 'lastAxis') {
      if (v !== -1 && v !== rank - 1) return false;
    } else if (!close(v, spec.value)) return false;
  }
  return true;
}
