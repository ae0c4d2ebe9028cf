/**
 * LSTM and GRU layer-directions over a whole [B, T, I] batch, the specification of native/recurrent.cc: the input
 * projection for every step is one GEMM, each step's hidden product one GEMM, then a fused pass over the gates. Row b
 * runs over its first lengths[b] steps only (from the last of them down to 0 when `reverse`): later steps output 0,
 * and its final state is the one after its last step. Elementwise math runs in double on float32 values, rounded
 * once on store.
 */
import { sigmoid } from './activations.js';
import { colSum } from './dense.js';
import { sgemm } from './sgemm.js';

// One step's hidden product [B, G] and backward's dG rows for one step: grow-only, so calls allocate nothing once warm.
let stepScratch = new Float32Array(0);
let rowsScratch = new Float32Array(0);
function scratch(n: number): Float32Array {
  if (stepScratch.length < n) stepScratch = new Float32Array(Math.max(n, stepScratch.length * 2));
  return stepScratch;
}
function rowsOf(n: number): Float32Array {
  if (rowsScratch.length < n) rowsScratch = new Float32Array(Math.max(n, rowsScratch.length * 2));
  return rowsScratch;
}

const lengthOf = (lengths: Int32Array | null, b: number, T: number) => (lengths === null ? T : lengths[b]);

/** The step that ran just before step t of a row of length len (-1: none, the initial state). */
function previousStep(t: number, reverse: boolean, len: number): number {
  if (!reverse) return t - 1;
  return t + 1 < len ? t + 1 : -1;
}

/** gates [B·T, G] = X·Wihᵀ + bih (+ bhh when given). */
function project(
  BT: number,
  G: number,
  I: number,
  X: Float32Array,
  Wih: Float32Array,
  bih: Float32Array,
  bhh: Float32Array | null,
  gates: Float32Array,
): void {
  sgemm(false, true, BT, G, I, 1, X, Wih, 0, gates);
  for (let r = 0; r < BT; r++) {
    const o = r * G;
    for (let j = 0; j < G; j++) gates[o + j] = bhh === null ? gates[o + j] + bih[j] : gates[o + j] + bih[j] + bhh[j];
  }
}

function start(n: number, init: Float32Array | null, state: Float32Array): void {
  if (init === null) state.fill(0, 0, n);
  else state.set(init.subarray(0, n));
}

/** Hprev[b, t] = the hidden state step t of row b started from (h0 or 0 before its first step; 0 on padded steps). */
function previousStates(
  B: number,
  T: number,
  H: number,
  reverse: boolean,
  lengths: Int32Array | null,
  h0: Float32Array | null,
  Y: Float32Array,
  Hprev: Float32Array,
): void {
  for (let b = 0; b < B; b++) {
    const len = lengthOf(lengths, b, T);
    for (let t = 0; t < T; t++) {
      const to = (b * T + t) * H;
      const p = t < len ? previousStep(t, reverse, len) : -2;
      if (p >= 0) Hprev.set(Y.subarray((b * T + p) * H, (b * T + p + 1) * H), to);
      else if (p === -1 && h0 !== null) Hprev.set(h0.subarray(b * H, (b + 1) * H), to);
      else Hprev.fill(0, to, to + H);
    }
  }
}

/** One step's rows of dG [B, G] (row b of step t is dG[(b·T + t)·G…]) times Whh [G, H] into dhStep [B, H]. */
function stepBackProduct(
  B: number,
  T: number,
  H: number,
  G: number,
  t: number,
  dG: Float32Array,
  Whh: Float32Array,
  dhStep: Float32Array,
): void {
  const rows = rowsOf(B * G);
  for (let b = 0; b < B; b++) rows.set(dG.subarray((b * T + t) * G, (b * T + t + 1) * G), b * G);
  sgemm(false, false, B, H, G, 1, rows, Whh, 0, dhStep);
}

/** The weight gradients and dX from the gates' pre-activation gradients (input side dGx, hidden side dGh). */
function weightGradients(
  BT: number,
  I: number,
  H: number,
  G: number,
  X: Float32Array,
  Wih: Float32Array,
  Hprev: Float32Array,
  dGx: Float32Array,
  dGh: Float32Array,
  beta: number,
  dWih: Float32Array,
  dWhh: Float32Array,
  dbih: Float32Array,
  dbhh: Float32Array,
  dX: Float32Array | null,
): void {
  sgemm(true, false, G, I, BT, 1, dGx, X, beta, dWih);
  sgemm(true, false, G, H, BT, 1, dGh, Hprev, beta, dWhh);
  colSum(BT, G, dGx, beta, dbih);
  colSum(BT, G, dGh, beta, dbhh);
  if (dX !== null) sgemm(false, false, BT, I, G, 1, dGx, Wih, 0, dX);
}

export function lstmForward(
  B: number,
  T: number,
  I: number,
  H: number,
  G: number,
  reverse: boolean,
  X: Float32Array,
  Wih: Float32Array,
  Whh: Float32Array,
  bih: Float32Array,
  bhh: Float32Array,
  h0: Float32Array | null,
  c0: Float32Array | null,
  lengths: Int32Array | null,
  gates: Float32Array,
  C: Float32Array,
  Y: Float32Array,
  hT: Float32Array,
  cT: Float32Array,
): void {
  project(B * T, G, I, X, Wih, bih, bhh, gates);
  start(B * H, h0, hT);
  start(B * H, c0, cT);
  const hp = scratch(B * G);
  for (let s = 0; s < T; s++) {
    const t = reverse ? T - 1 - s : s;
    sgemm(false, true, B, G, H, 1, hT, Whh, 0, hp);
    for (let b = 0; b < B; b++) {
      const g = (b * T + t) * G,
        o = (b * T + t) * H;
      if (t >= lengthOf(lengths, b, T)) {
        gates.fill(0, g, g + G);
        C.fill(0, o, o + H);
        Y.fill(0, o, o + H);
        continue;
      }
      const p = b * G,
        st = b * H;
      for (let j = 0; j < H; j++) {
        const i = Math.fround(sigmoid(gates[g + j] + hp[p + j]));
        const f = Math.fround(sigmoid(gates[g + H + j] + hp[p + H + j]));
        const z = Math.fround(Math.tanh(gates[g + 2 * H + j] + hp[p + 2 * H + j]));
        const out = Math.fround(sigmoid(gates[g + 3 * H + j] + hp[p + 3 * H + j]));
        gates[g + j] = i;
        gates[g + H + j] = f;
        gates[g + 2 * H + j] = z;
        gates[g + 3 * H + j] = out;
        const c = Math.fround(f * cT[st + j] + i * z);
        const h = Math.fround(out * Math.tanh(c));
        C[o + j] = c;
        Y[o + j] = h;
        cT[st + j] = c;
        hT[st + j] = h;
      }
    }
  }
}

export function lstmBackward(
  B: number,
  T: number,
  I: number,
  H: number,
  G: number,
  reverse: boolean,
  X: Float32Array,
  Wih: Float32Array,
  Whh: Float32Array,
  h0: Float32Array | null,
  c0: Float32Array | null,
  lengths: Int32Array | null,
  gates: Float32Array,
  C: Float32Array,
  Y: Float32Array,
  dY: Float32Array,
  dhT: Float32Array | null,
  dcT: Float32Array | null,
  dG: Float32Array,
  Hprev: Float32Array,
  dhStep: Float32Array,
  beta: number,
  dWih: Float32Array,
  dWhh: Float32Array,
  dbih: Float32Array,
  dbhh: Float32Array,
  dX: Float32Array | null,
  dh0: Float32Array,
  dc0: Float32Array,
): void {
  const dh = dh0,
    dc = dc0;
  start(B * H, dhT, dh);
  start(B * H, dcT, dc);
  for (let s = T - 1; s >= 0; s--) {
    const t = reverse ? T - 1 - s : s;
    for (let b = 0; b < B; b++) {
      const g = (b * T + t) * G,
        o = (b * T + t) * H,
        st = b * H;
      const len = lengthOf(lengths, b, T);
      if (t >= len) {
        dG.fill(0, g, g + G);
        continue;
      }
      const p = previousStep(t, reverse, len);
      for (let j = 0; j < H; j++) {
        const i = gates[g + j],
          f = gates[g + H + j],
          z = gates[g + 2 * H + j],
          out = gates[g + 3 * H + j];
        const cPrev = p >= 0 ? C[(b * T + p) * H + j] : c0 === null ? 0 : c0[st + j];
        const tc = Math.tanh(C[o + j]);
        const dhj = dh[st + j] + dY[o + j];
        const dct = dc[st + j] + dhj * out * (1 - tc * tc);
        dG[g + j] = dct * z * i * (1 - i);
        dG[g + H + j] = dct * cPrev * f * (1 - f);
        dG[g + 2 * H + j] = dct * i * (1 - z * z);
        dG[g + 3 * H + j] = dhj * tc * out * (1 - out);
        dc[st + j] = dct * f;
      }
    }
    stepBackProduct(B, T, H, G, t, dG, Whh, dhStep);
    for (let b = 0; b < B; b++) if (t < lengthOf(lengths, b, T)) dh.set(dhStep.subarray(b * H, (b + 1) * H), b * H);
  }
  previousStates(B, T, H, reverse, lengths, h0, Y, Hprev);
  weightGradients(B * T, I, H, G, X, Wih, Hprev, dG, dG, beta, dWih, dWhh, dbih, dbhh, dX);
}

export function gruForward(
  B: number,
  T: number,
  I: number,
  H: number,
  G: number,
  reverse: boolean,
  X: Float32Array,
  Wih: Float32Array,
  Whh: Float32Array,
  bih: Float32Array,
  bhh: Float32Array,
  h0: Float32Array | null,
  lengths: Int32Array | null,
  gates: Float32Array,
  HN: Float32Array,
  hidden: Float32Array,
  Y: Float32Array,
  hT: Float32Array,
): void {
  project(B * T, G, I, X, Wih, bih, null, gates);
  start(B * H, h0, hT);
  for (let s = 0; s < T; s++) {
    const t = reverse ? T - 1 - s : s;
    sgemm(false, true, B, G, H, 1, hT, Whh, 0, hidden);
    for (let b = 0; b < B; b++) {
      const g = (b * T + t) * G,
        o = (b * T + t) * H;
      if (t >= lengthOf(lengths, b, T)) {
        gates.fill(0, g, g + G);
        HN.fill(0, o, o + H);
        Y.fill(0, o, o + H);
        continue;
      }
      const p = b * G,
        st = b * H;
      for (let j = 0; j < H; j++) {
        const r = Math.fround(sigmoid(gates[g + j] + (hidden[p + j] + bhh[j])));
        const u = Math.fround(sigmoid(gates[g + H + j] + (hidden[p + H + j] + bhh[H + j])));
        const hn = Math.fround(hidden[p + 2 * H + j] + bhh[2 * H + j]);
        const n = Math.fround(Math.tanh(gates[g + 2 * H + j] + r * hn));
        const h = Math.fround((1 - u) * n + u * hT[st + j]);
        gates[g + j] = r;
        gates[g + H + j] = u;
        gates[g + 2 * H + j] = n;
        HN[o + j] = hn;
        Y[o + j] = h;
        hT[st + j] = h;
      }
    }
  }
}

export function gruBackward(
  B: number,
  T: number,
  I: number,
  H: number,
  G: number,
  reverse: boolean,
  X: Float32Array,
  Wih: Float32Array,
  Whh: Float32Array,
  h0: Float32Array | null,
  lengths: Int32Array | null,
  gates: Float32Array,
  HN: Float32Array,
  Y: Float32Array,
  dY: Float32Array,
  dhT: Float32Array | null,
  dGx: Float32Array,
  dGh: Float32Array,
  Hprev: Float32Array,
  dhStep: Float32Array,
  beta: number,
  dWih: Float32Array,
  dWhh: Float32Array,
  dbih: Float32Array,
  dbhh: Float32Array,
  dX: Float32Array | null,
  dh0: Float32Array,
): void {
  const dh = dh0;
  start(B * H, dhT, dh);
  previousStates(B, T, H, reverse, lengths, h0, Y, Hprev);
  for (let s = T - 1; s >= 0; s--) {
    const t = reverse ? T - 1 - s : s;
    for (let b = 0; b < B; b++) {
      const g = (b * T + t) * G,
        o = (b * T + t) * H,
        st = b * H;
      if (t >= lengthOf(lengths, b, T)) {
        dGx.fill(0, g, g + G);
        dGh.fill(0, g, g + G);
        continue;
      }
      for (let j = 0; j < H; j++) {
        const r = gates[g + j],
          u = gates[g + H + j],
          n = gates[g + 2 * H + j];
        const dhj = dh[st + j] + dY[o + j];
        const dan = dhj * (1 - u) * (1 - n * n);
        const dar = dan * HN[o + j] * r * (1 - r);
        const dau = dhj * (Hprev[o + j] - n) * u * (1 - u);
        dGx[g + j] = dar;
        dGx[g + H + j] = dau;
        dGx[g + 2 * H + j] = dan;
        dGh[g + j] = dar;
        dGh[g + H + j] = dau;
        dGh[g + 2 * H + j] = dan * r;
        dh[st + j] = dhj * u; // the direct path; the hidden product's is added below
      }
    }
    stepBackProduct(B, T, H, G, t, dGh, Whh, dhStep);
    for (let b = 0; b < B; b++) {
      if (t >= lengthOf(lengths, b, T)) continue;
      for (let j = 0; j < H; j++) dh[b * H + j] += dhStep[b * H + j];
    }
  }
  weightGradients(B * T, I, H, G, X, Wih, Hprev, dGx, dGh, beta, dWih, dWhh, dbih, dbhh, dX);
}
