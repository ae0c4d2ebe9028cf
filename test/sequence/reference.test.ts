/**
 * Embedding, LSTM and GRU against PyTorch (test/fixtures/reference/{embedding,lstm,gru}.json) on every backend: outputs,
 * final states and every gradient (input, initial states, each parameter under its state_dict name), with and without
 * initial states, one bidirectional case, for loss = Σ out·g + Σ h_n·gh (+ Σ c_n·gc), and in reuse (training-loop) mode.
 */
import { describe, expect, it } from 'vitest';
import { Embedding, GRU, LSTM } from '../../lib/layers/index.js';
import { tensor, type Tensor } from '../../lib/tensor.js';
import { withBackend } from '../../lib/ops/current-backend.js';
import { backends } from '../helpers/backends.js';
import { expectClose } from '../helpers/close.js';
import { reference } from '../helpers/reference.js';
import { normwise } from '../helpers/tolerances.js';

interface EmbeddingCase {
  V: number;
  D: number;
  B: number;
  T: number;
  padding_idx: number | null;
  indices: number[];
  weight: number[];
  y: number[];
  g: number[];
  dweight: number[];
}
interface RnnCase {
  B: number;
  T: number;
  I: number;
  H: number;
  bidirectional: boolean;
  x: number[];
  g: number[];
  gh: number[];
  gc?: number[];
  out: number[];
  h_n: number[];
  c_n?: number[];
  dx: number[];
  h0?: number[];
  c0?: number[];
  dh0?: number[];
  dc0?: number[];
  params: Record<string, number[]>;
  grads: Record<string, number[]>;
}

/** Σ a·g over a tensor, as the root of the reference's loss: backward seeds each part with its g. */
function seedBackward(parts: [Tensor, number[]][]): void {
  for (const [t, g] of parts) t.backward(Float32Array.from(g));
}

describe.each(backends.map((b) => [b.name, b] as const))('sequence layers against PyTorch on %s', (_name, backend) => {
  for (const c of reference<{ cases: EmbeddingCase[] }>('embedding').cases) {
    it(`Embedding(${c.V}, ${c.D}, paddingIdx ${c.padding_idx}): output and weight gradient (repeats add, padding row none)`, () => {
      withBackend(backend, () => {
        const layer = new Embedding(c.V, c.D, { paddingIdx: c.padding_idx });
        if (c.padding_idx !== null)
          expect(Array.from(layer.weight.data.subarray(c.padding_idx * c.D, (c.padding_idx + 1) * c.D))).toEqual(new Array(c.D).fill(0));
        layer.weight.data.set(c.weight);
        for (const reuse of [false, true, true]) {
          layer.weight.grad = null;
          const y = layer.forward(tensor(c.indices, [c.B, c.T]), { reuse });
          expect(y.shape).toEqual([c.B, c.T, c.D]);
          expectClose(y.data, c.y, { rtol: 0 }, 'y');
          y.backward(Float32Array.from(c.g));
          expectClose(layer.weight.grad!, c.dweight, normwise(c.dweight), 'dweight');
        }
      });
    });
  }

  for (const kind of ['lstm', 'gru'] as const) {
    for (const c of reference<{ cases: RnnCase[] }>(kind).cases) {
      const extra = `${c.bidirectional ? ' bidirectional' : ''}${c.h0 ? ' with initial states' : ''}`;
      const title = `${kind.toUpperCase()} B ${c.B} T ${c.T} I ${c.I} H ${c.H}${extra}`;
      it(`${title}: output, final states and every gradient`, () => {
        withBackend(backend, () => {
          const options = { bidirectional: c.bidirectional };
          const layer = kind === 'lstm' ? new LSTM(c.I, c.H, options) : new GRU(c.I, c.H, options);
          for (const [name, t] of layer.namedParameters()) t.data.set(c.params[name]);
          const D = c.bidirectional ? 2 : 1;
          for (let pass = 0; pass < 2; pass++) {
            for (const p of layer.parameters()) p.grad = null;
            const x = tensor(c.x, [c.B, c.T, c.I], { requiresGrad: true });
            const h0 = c.h0 ? tensor(c.h0, [D, c.B, c.H], { requiresGrad: true }) : null;
            const c0 = c.c0 ? tensor(c.c0, [D, c.B, c.H], { requiresGrad: true }) : null;
            const r: { output: Tensor; h: Tensor; c?: Tensor } =
              layer instanceof LSTM ? layer.run(x, { h0, c0 }) : (layer as GRU).run(x, { h0 });
            expectClose(r.output.data, c.out, normwise(c.out), 'out');
            expectClose(r.h.data, c.h_n, normwise(c.h_n), 'h_n');
            const parts: [Tensor, number[]][] = [
              [r.output, c.g],
              [r.h, c.gh],
            ];
            if (r.c !== undefined && c.c_n) {
              expectClose(r.c.data, c.c_n, normwise(c.c_n), 'c_n');
              parts.push([r.c, c.gc!]);
            }
            seedBackward(parts);
            expectClose(x.grad!, c.dx, normwise(c.dx, 1e-4), 'dx');
            if (h0) expectClose(h0.grad!, c.dh0!, normwise(c.dh0!, 1e-4), 'dh0');
            if (c0) expectClose(c0.grad!, c.dc0!, normwise(c.dc0!, 1e-4), 'dc0');
            for (const [name, t] of layer.namedParameters()) expectClose(t.grad!, c.grads[name], normwise(c.grads[name], 1e-4), name);
          }
        });
      });
    }
  }
});
