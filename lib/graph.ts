/**
 * The tape. An op's output records its parents and a backward step; `backward()` sorts the graph
 * topologically and walks it in reverse, each step ADDING into its parents' gradients (micrograd style),
 * so a tensor used twice (fan-out) gets the sum of both contributions.
 *
 * One refinement keeps the hot path lean: at the start of a pass every intermediate gradient is marked
 * *pending* instead of being zero-filled. The first op to reach a pending gradient overwrites it
 * (a kernel's beta = 0, or a direct write); later ones add (beta = 1, or a scratch buffer and axpy).
 * Leaves (inputs, parameters) are not pending: their gradients accumulate across passes until zeroGrad(), as in
 * PyTorch; except that the training loop, instead of zeroGrad() before each step, marks the parameters' gradients
 * pending (overwriteGrads) and zeroes the unreached ones after backward (settleGrads): the same gradients without a
 * pass that fills them with zeros and a weight-gradient GEMM that reads those zeros back (beta 1).
 */
import { fail } from './errors.js';
import type { Backend } from './backend/contract.js';
import { isFloat32Array } from './check.js';

/**
 * What the tape needs of a tensor (lib/tensor.ts's Tensor is one): this module sits below the tensor type, which
 * calls `backward` from its own `backward()`, so it names the fields it uses instead of importing the class.
 */
export interface GraphNode {
  data: Float32Array;
  shape: number[];
  readonly size: number;
  name: string;
  grad: Float32Array | null;
  requiresGrad: boolean;
  parents: readonly GraphNode[];
  backwardFn: (() => void) | null;
  op: string;
  gradPending: boolean;
}

let gradEnabled = true;

/** True unless inside noGrad(). */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Runs fn without recording the graph (inference, evaluation, weight updates). Synchronous only. */
export function noGrad<T>(fn: () => T): T {
  const previous = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = previous;
  }
}

/** Whether an op on these inputs must record a backward step. */
export function needsGrad(...inputs: (GraphNode | null | undefined)[]): boolean {
  if (!gradEnabled) return false;
  for (const t of inputs) if (t?.requiresGrad) return true;
  return false;
}

/**
 * Makes `out` a node of the graph. `gradBuffer` (from a workspace) saves the pass from allocating the
 * gradient; without it the gradient is allocated when backward first needs it.
 */
export function record<T extends GraphNode>(
  out: T,
  op: string,
  parents: (T | null)[],
  backwardFn: () => void,
  gradBuffer?: Float32Array,
): T {
  out.requiresGrad = true;
  out.op = op;
  out.parents = parents.filter((p): p is T => p?.requiresGrad === true);
  out.backwardFn = backwardFn;
  if (gradBuffer !== undefined) out.grad = gradBuffer;
  return out;
}

/**
 * The next backward() overwrites these leaves' gradients (kernels write them with beta = 0) instead of adding to
 * them: what zeroGrad() then backward() computes, without zero-filling the buffers first. Until settleGrads(leaves)
 * runs after that backward, a gradient the pass did not reach still holds its old values: nothing may read them.
 */
export function overwriteGrads(leaves: readonly GraphNode[]): void {
  for (let i = 0; i < leaves.length; i++) if (leaves[i].grad !== null) leaves[i].gradPending = true;
}

/** After overwriteGrads and backward(): the gradients the pass did not reach are zero, as after zeroGrad(). */
export function settleGrads(leaves: readonly GraphNode[]): void {
  for (let i = 0; i < leaves.length; i++) {
    const t = leaves[i];
    if (!t.gradPending) continue;
    t.grad!.fill(0);
    t.gradPending = false;
  }
}

/**
 * Claims t's gradient for writing. Returns true when it holds no value yet (the caller may overwrite it,
 * e.g. with beta = 0), false when the caller must add to it.
 */
export function claimGrad(t: GraphNode): boolean {
  if (t.grad === null) {
    t.grad = new Float32Array(t.size);
    t.gradPending = false;
    return true;
  }
  if (t.gradPending) {
    t.gradPending = false;
    return true;
  }
  return false;
}

/**
 * Adds a gradient that a kernel can only write (not accumulate): the kernel writes straight into t.grad
 * when that is still empty, otherwise into `scratch()` which is then added with one axpy.
 */
export function addGrad(be: Backend, t: GraphNode, write: (dst: Float32Array) => void, scratch: () => Float32Array): void {
  if (claimGrad(t)) {
    write(t.grad!);
    return;
  }
  const s = scratch();
  write(s);
  be.axpy(t.size, 1, s, t.grad!);
}

/** Every node that `root` depends on through tensors requiring grad, parents before children. */
function topologicalOrder(root: GraphNode): GraphNode[] {
  const order: GraphNode[] = [];
  const visited = new Set<GraphNode>();
  // Iterative DFS: deep graphs (long chains of ops) must not overflow the call stack.
  const stack: [GraphNode, number][] = [[root, 0]];
  visited.add(root);
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const [node, i] = top;
    if (i < node.parents.length) {
      top[1] = i + 1;
      const p = node.parents[i];
      if (!visited.has(p)) {
        visited.add(p);
        stack.push([p, 0]);
      }
    } else {
      stack.pop();
      order.push(node);
    }
  }
  return order;
}

/** d(root)/d(every leaf requiring grad), accumulated into their `.grad`. */
export function backward(root: GraphNode, seed?: Float32Array): void {
  if (!root.requiresGrad) {
    fail(
      'ERR_INVALID_ARG',
      `backward: ${root.name || 'this tensor'} does not require grad ` +
        `(no input or parameter with requiresGrad reaches it, or it was computed under noGrad)`,
    );
  }
  if (seed === undefined && root.size !== 1) {
    fail(
      'ERR_SHAPE',
      `backward: the root has shape [${root.shape.join(', ')}]; a non-scalar root needs a seed gradient of ${root.size} elements`,
    );
  }
  if (seed !== undefined && (!isFloat32Array(seed) || seed.length !== root.size)) {
    fail('ERR_SHAPE', `backward: the seed gradient must be a Float32Array of ${root.size} elements`);
  }
  const order = topologicalOrder(root);
  for (const node of order) {
    if (node.backwardFn === null) continue; // leaves keep accumulating
    if (node.grad === null) node.grad = new Float32Array(node.size);
    node.gradPending = true;
  }
  // Seed: d(root)/d(root) = 1 (or the given seed), replacing whatever a leaf root held.
  if (claimGrad(root)) {
    if (seed === undefined) root.grad![0] = 1;
    else root.grad!.set(seed);
  } else {
    // A leaf root keeps accumulating, like every leaf.
    const g = root.grad!;
    for (let i = 0; i < g.length; i++) g[i] += seed === undefined ? 1 : seed[i];
  }
  for (let i = order.length - 1; i >= 0; i--) {
    const node = order[i];
    // A node nobody wrote to has a zero gradient: its backward would add nothing.
    if (node.backwardFn !== null && !node.gradPending) node.backwardFn();
  }
  // Intermediate gradients nobody reached are zero, not stale.
  for (const node of order) {
    if (node.gradPending) {
      node.grad!.fill(0);
      node.gradPending = false;
    }
  }
}
