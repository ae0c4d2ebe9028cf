/**
 * The recurrent op: a stack of LSTM or GRU layers (one or two directions each) over a padded batch [B, T, I], with
 * optional initial states and per-row lengths. Each layer-direction is one backend crossing forward (lstmForward /
 * gruForward: the whole time loop) and one backward. The op records ONE graph node holding the output sequence and
 * the final states back to back ("packed"); `output`, `h` and `c` are views of it whose backward adds into its
 * gradient, so a loss on any of them (or all) reaches every weight in one backward pass through the stack.
 */
import { fail } from '../errors.js';
import { claimGrad, addGrad, needsGrad, record } from '../graph.js';
import type { Backend } from '../backend/contract.js';
import { formatShape, shapeSize, Tensor } from '../tensor.js';
import { currentBackend } from './current-backend.js';
import { KernelGrads } from './gradients.js';
import { allocF32, allocU8, type Workspace } from './workspace.js';

export type RecurrentKind = 'lstm' | 'gru';

/** One layer-direction's parameters, PyTorch's layout: weight_ih [G, I], weight_hh [G, H], bias_ih [G], bias_hh [G]. */
export interface RecurrentWeights {
  wih: Tensor;
  whh: Tensor;
  bih: Tensor;
  bhh: Tensor;
}

export interface RecurrentSpec {
  kind: RecurrentKind;
  hiddenSize: number;
  numLayers: number;
  directions: 1 | 2;
  /** Dropout between layers: the keep probability (1: none) and one seed per layer boundary (numLayers − 1). */
  keep: number;
  seeds: readonly number[];
}

export interface RecurrentResult {
  /** [B, T, directions·H]; padded steps are 0. */
  output: Tensor;
  /** [numLayers·directions, B, H]: each row's state after its last step. */
  h: Tensor;
  /** The LSTM's cells, like h; null for a GRU. */
  c: Tensor | null;
}

export const GATES: Record<RecurrentKind, number> = { lstm: 4, gru: 3 };

/** What one layer-direction's forward keeps for its backward. */
interface DirectionCache {
  gates: Float32Array;
  cells: Float32Array; // the LSTM's C, the GRU's HN
  Y: Float32Array;
}

/** Row r of src [rows, H] to columns d·H… of dst [rows, D·H], or back (`split`). */
function interleave(rows: number, H: number, D: number, d: number, a: Float32Array, b: Float32Array, split: boolean): void {
  for (let r = 0; r < rows; r++) {
    if (split) a.set(b.subarray(r * D * H + d * H, r * D * H + (d + 1) * H), r * H);
    else b.set(a.subarray(r * H, (r + 1) * H), r * D * H + d * H);
  }
}

/** A view of `src`'s elements offset… as a tensor of `shape`, whose gradient is added into src's. */
function part(be: Backend, src: Tensor, offset: number, shape: number[], ws: Workspace | undefined, key: string): Tensor {
  const n = shapeSize(shape);
  const out = new Tensor(src.data.subarray(offset, offset + n), shape);
  if (!src.requiresGrad) return out;
  return record(
    out,
    'part',
    [src],
    () => {
      if (claimGrad(src)) be.fill(src.size, 0, src.grad!);
      be.axpy(n, 1, out.grad!, src.grad!.subarray(offset, offset + n));
    },
    ws?.f32(key, n),
  );
}

/**
 * Elements of `src` picked by `index` (−1 picks 0) as a tensor of `shape`; the gradient is scattered back (a small
 * selection: a classifier head's last step or final state, B·features values).
 */
export function gather(be: Backend, src: Tensor, index: Int32Array, shape: number[], ws?: Workspace, key = 'gather'): Tensor {
  const n = index.length;
  const out = new Tensor(allocF32(ws, `${key}.out`, n), shape);
  for (let i = 0; i < n; i++) out.data[i] = index[i] < 0 ? 0 : src.data[index[i]];
  if (!needsGrad(src)) return out;
  return record(
    out,
    'gather',
    [src],
    () => {
      if (claimGrad(src)) be.fill(src.size, 0, src.grad!);
      const g = src.grad!,
        d = out.grad!;
      for (let i = 0; i < n; i++) if (index[i] >= 0) g[index[i]] += d[i];
    },
    ws?.f32(`${key}.grad`, n),
  );
}

function checkState(where: string, name: string, t: Tensor | null, shape: number[]): void {
  if (t === null) return;
  if (!(t instanceof Tensor)) fail('ERR_INVALID_ARG', `${where}: ${name} must be a Tensor ${formatShape(shape)}`);
  if (t.shape.length !== 3 || t.shape.some((s, i) => s !== shape[i]))
    fail('ERR_SHAPE', `${where}: ${name} must be ${formatShape(shape)} (layers·directions, batch, hidden), got ${formatShape(t.shape)}`);
}

export function recurrent(
  x: Tensor,
  weights: readonly RecurrentWeights[],
  spec: RecurrentSpec,
  h0: Tensor | null,
  c0: Tensor | null,
  lengths: Int32Array | null,
  ws?: Workspace,
  where = 'recurrent',
): RecurrentResult {
  const { kind, hiddenSize: H, numLayers: L, directions: D } = spec;
  const lstm = kind === 'lstm';
  const G = GATES[kind] * H;
  if (x.shape.length !== 3) fail('ERR_SHAPE', `${where}: expected input [batch, steps, features], got ${formatShape(x.shape)}`);
  const [B, T, I] = x.shape;
  const stateShape = [L * D, B, H];
  checkState(where, 'h0', h0, stateShape);
  checkState(where, 'c0', c0, stateShape);
  if (c0 !== null && !lstm) fail('ERR_INVALID_ARG', `${where}: a GRU has no cell state (c0)`);
  const be = currentBackend();
  const BH = B * H,
    BTH = B * T * H;
  const outSize = BTH * D,
    hOff = outSize,
    cOff = hOff + L * D * BH;
  const packed = new Tensor(allocF32(ws, 'rnn.packed', cOff + (lstm ? L * D * BH : 0)), [cOff + (lstm ? L * D * BH : 0)]);
  const P = packed.data;
  const inputs: Float32Array[] = [x.data];
  const masks: (Uint8Array | null)[] = [];
  const caches: DirectionCache[] = [];
  const dropping = spec.keep < 1;
  for (let l = 0; l < L; l++) {
    const In = l === 0 ? I : D * H;
    const last = l === L - 1;
    // The layer's output [B, T, D·H]: the packed output for the last layer, a buffer of its own below it.
    const out = last ? P.subarray(0, outSize) : allocF32(ws, `rnn.out${l}`, outSize);
    for (let d = 0; d < D; d++) {
      const k = l * D + d;
      const w = weights[k];
      const Y = D === 1 ? out : allocF32(ws, `rnn.y${k}`, BTH);
      const cache: DirectionCache = { gates: allocF32(ws, `rnn.gates${k}`, B * T * G), cells: allocF32(ws, `rnn.cells${k}`, BTH), Y };
      caches.push(cache);
      const hT = P.subarray(hOff + k * BH, hOff + (k + 1) * BH);
      const init = (t: Tensor | null) => (t === null ? null : t.data.subarray(k * BH, (k + 1) * BH));
      if (lstm) {
        const cT = P.subarray(cOff + k * BH, cOff + (k + 1) * BH);
        be.lstmForward(
          B,
          T,
          In,
          H,
          G,
          d === 1,
          inputs[l],
          w.wih.data,
          w.whh.data,
          w.bih.data,
          w.bhh.data,
          init(h0),
          init(c0),
          lengths,
          cache.gates,
          cache.cells,
          Y,
          hT,
          cT,
        );
      } else {
        be.gruForward(
          B,
          T,
          In,
          H,
          G,
          d === 1,
          inputs[l],
          w.wih.data,
          w.whh.data,
          w.bih.data,
          w.bhh.data,
          init(h0),
          lengths,
          cache.gates,
          cache.cells,
          allocF32(ws, 'rnn.hidden', B * G),
          Y,
          hT,
        );
      }
      if (D === 2) interleave(B * T, H, D, d, Y, out, false);
    }
    if (last) break;
    if (dropping) {
      const mask = allocU8(ws, `rnn.mask${l}`, outSize);
      const dropped = allocF32(ws, `rnn.dropped${l}`, outSize);
      be.dropoutForward(outSize, spec.keep, spec.seeds[l], out, mask, dropped);
      masks.push(mask);
      inputs.push(dropped);
    } else {
      masks.push(null);
      inputs.push(out);
    }
  }
  const params = weights.flatMap((w) => [w.wih, w.whh, w.bih, w.bhh]);
  const result = () => ({
    output: part(be, packed, 0, [B, T, D * H], ws, 'rnn.output.grad'),
    h: part(be, packed, hOff, stateShape, ws, 'rnn.h.grad'),
    c: lstm ? part(be, packed, cOff, stateShape, ws, 'rnn.c.grad') : null,
  });
  if (!needsGrad(x, h0, c0, ...params)) return result();
  record(
    packed,
    kind,
    [x, h0, c0, ...params],
    () => {
      const dP = packed.grad!;
      const dh0 = allocF32(ws, 'rnn.dh0', L * D * BH);
      const dc0 = allocF32(ws, 'rnn.dc0', L * D * BH);
      let dOut = dP.subarray(0, outSize);
      for (let l = L - 1; l >= 0; l--) {
        const In = l === 0 ? I : D * H;
        const needInput = l > 0 || x.requiresGrad;
        const dIn = needInput ? allocF32(ws, `rnn.din${l}`, B * T * In) : null;
        for (let d = 0; d < D; d++) {
          const k = l * D + d;
          const w = weights[k];
          const cache = caches[k];
          let dY = dOut;
          if (D === 2) {
            dY = allocF32(ws, 'rnn.dy', BTH);
            interleave(B * T, H, D, d, dY, dOut, true);
          }
          const g = new KernelGrads(be, w.wih, () => allocF32(ws, `rnn.dwih-unused${k}`, G * In));
          const dWhh = g.shared(w.whh, () => allocF32(ws, `rnn.dwhh-scratch${k}`, G * H)) ?? allocF32(ws, 'rnn.dwhh-unused', G * H);
          const dbih = g.shared(w.bih, () => allocF32(ws, `rnn.dbih-scratch${k}`, G)) ?? allocF32(ws, 'rnn.dbih-unused', G);
          const dbhh = g.shared(w.bhh, () => allocF32(ws, `rnn.dbhh-scratch${k}`, G)) ?? allocF32(ws, 'rnn.dbhh-unused', G);
          const dX = dIn === null ? null : d === 0 ? dIn : allocF32(ws, 'rnn.dx-reverse', B * T * In);
          const state = (t: Tensor | null) => (t === null ? null : t.data.subarray(k * BH, (k + 1) * BH));
          const dhT = dP.subarray(hOff + k * BH, hOff + (k + 1) * BH);
          const dGsize = B * T * G;
          if (lstm) {
            be.lstmBackward(
              B,
              T,
              In,
              H,
              G,
              d === 1,
              inputs[l],
              w.wih.data,
              w.whh.data,
              state(h0),
              state(c0),
              lengths,
              cache.gates,
              cache.cells,
              cache.Y,
              dY,
              dhT,
              dP.subarray(cOff + k * BH, cOff + (k + 1) * BH),
              allocF32(ws, 'rnn.dg', dGsize),
              allocF32(ws, 'rnn.hprev', BTH),
              allocF32(ws, 'rnn.dhstep', BH),
              g.beta,
              g.dWeight,
              dWhh,
              dbih,
              dbhh,
              dX,
              dh0.subarray(k * BH, (k + 1) * BH),
              dc0.subarray(k * BH, (k + 1) * BH),
            );
          } else {
            be.gruBackward(
              B,
              T,
              In,
              H,
              G,
              d === 1,
              inputs[l],
              w.wih.data,
              w.whh.data,
              state(h0),
              lengths,
              cache.gates,
              cache.cells,
              cache.Y,
              dY,
              dhT,
              allocF32(ws, 'rnn.dg', dGsize),
              allocF32(ws, 'rnn.dgh', dGsize),
              allocF32(ws, 'rnn.hprev', BTH),
              allocF32(ws, 'rnn.dhstep', BH),
              g.beta,
              g.dWeight,
              dWhh,
              dbih,
              dbhh,
              dX,
              dh0.subarray(k * BH, (k + 1) * BH),
            );
          }
          g.finish();
          if (dX !== null && d === 1) be.axpy(B * T * In, 1, dX, dIn!);
        }
        if (l > 0) {
          const mask = masks[l - 1];
          if (mask !== null) be.dropoutBackward(outSize, spec.keep, mask, dIn!, dIn!);
          dOut = dIn!;
        } else if (dIn !== null) {
          addGrad(
            be,
            x,
            (dst) => be.copy(dIn.length, dIn, dst),
            () => allocF32(ws, 'rnn.dx-scratch', dIn.length),
          );
        }
      }
      for (const [t, grad] of [
        [h0, dh0],
        [c0, dc0],
      ] as const) {
        if (t?.requiresGrad)
          addGrad(
            be,
            t,
            (dst) => be.copy(grad.length, grad, dst),
            () => allocF32(ws, 'rnn.dstate-scratch', grad.length),
          );
      }
    },
    ws?.f32('rnn.packed.grad', P.length),
  );
  return result();
}
