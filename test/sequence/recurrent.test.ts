/**
 * LSTM and GRU beyond the reference values: gradcheck of every input, state and parameter (two stacked bidirectional
 * layers, initial states, uneven lengths), native against js on odd sizes, variable-length batches against each row run
 * alone without padding (PyTorch's packed-sequence semantics), and the layer's `returns` selections.
 */
import { describe, expect, it } from 'vitest';
import { GRU, LSTM, type Recurrent } from '../../lib/layers/index.js';
import { gradcheck } from '../../lib/gradcheck.js';
import { Random } from '../../lib/random.js';
import { Tensor } from '../../lib/tensor.js';
import { withBackend } from '../../lib/ops/current-backend.js';
import { withLengths } from '../../lib/ops/sequence-lengths.js';
import { backends, bothBackends } from '../helpers/backends.js';
import { expectClose } from '../helpers/close.js';
import { Rng } from '../helpers/random.js';
import { normwise } from '../helpers/tolerances.js';

const KINDS = [
  ['LSTM', (i: number, h: number, o = {}) => new LSTM(i, h, o)],
  ['GRU', (i: number, h: number, o = {}) => new GRU(i, h, o)],
] as const;

function random(seed: number, shape: number[], scale = 1, requiresGrad = true): Tensor {
  const rng = new Rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return new Tensor(
    Float32Array.from({ length: n }, () => rng.uniform(-scale, scale)),
    shape,
    { requiresGrad },
  );
}

/** The layer's whole result, run with the given states and lengths. */
function run(layer: Recurrent, x: Tensor, h0: Tensor | null, c0: Tensor | null, lengths: number[] | null) {
  const o = { h0, lengths };
  return layer instanceof LSTM ? layer.run(x, { ...o, c0 }) : { ...(layer as GRU).run(x, o), c: undefined };
}

describe.each(backends.map((b) => [b.name, b] as const))('LSTM and GRU on %s', (_name, backend) => {
  for (const [kind, make] of KINDS) {
    it(`${kind}: gradcheck of input, initial states and every parameter (2 layers, bidirectional, lengths 4, 2, 0)`, () => {
      withBackend(backend, () => {
        const layer = make(3, 2, { numLayers: 2, bidirectional: true });
        const [B, T] = [3, 4];
        const x = random(1, [B, T, 3]);
        const h0 = random(2, [4, B, 2], 0.5);
        const c0 = kind === 'LSTM' ? random(3, [4, B, 2], 0.5) : null;
        const lengths = [4, 2, 0];
        const inputs = [x, h0, ...(c0 ? [c0] : []), ...layer.parameters()];
        for (const part of ['output', 'h', 'c'] as const) {
          if (part === 'c' && c0 === null) continue;
          const report = gradcheck((xi, hi, ...rest) => {
            const r = run(layer, xi, hi, c0 === null ? null : rest[0], lengths);
            return r[part]!;
          }, inputs);
          expect(report.checked).toBe(inputs.reduce((n, t) => n + t.size, 0));
          expect(report.ok, `${part}: ${JSON.stringify(report)}`).toBe(true);
        }
      });
    });

    it(`${kind}: dropout between stacked layers (training): gradcheck with the masks held fixed, none in eval`, () => {
      withBackend(backend, () => {
        const rng = new Random(3);
        const layer = make(2, 3, { numLayers: 3, dropout: 0.5, rng });
        const x = random(4, [2, 3, 2]);
        const start = rng.getState();
        // Each forward draws its masks' seeds from rng: restoring its state repeats the same masks.
        const report = gradcheck(
          (xi) => {
            rng.setState(start);
            return run(layer, xi, null, null, [3, 2]).output;
          },
          [x, ...layer.parameters()],
        );
        expect(report.ok, JSON.stringify(report)).toBe(true);
        rng.setState(start);
        const a = run(layer, x, null, null, null).output.data.slice();
        const b = run(layer, x, null, null, null).output.data.slice();
        expect(Array.from(a)).not.toEqual(Array.from(b)); // fresh masks per call in training
        layer.eval();
        expect(Array.from(run(layer, x, null, null, null).output.data)).toEqual(Array.from(run(layer, x, null, null, null).output.data));
      });
    });

    it(`${kind}: a padded batch with lengths gives each row what it gives alone, unpadded; padded steps are 0 and get no gradient`, () => {
      withBackend(backend, () => {
        const layer = make(3, 4, { numLayers: 2, bidirectional: true });
        const [B, T, H, D, L] = [4, 6, 4, 2, 2];
        const lengths = [6, 3, 1, 5];
        const x = random(7, [B, T, 3]);
        const g = random(8, [B, T, D * H], 1, false);
        const gh = random(9, [L * D, B, H], 1, false);
        const r = run(layer, x, null, null, lengths);
        r.output.backward(g.data);
        r.h.backward(gh.data);
        const batchGrads = layer.parameters().map((p) => p.grad!.slice());
        const sums = layer.parameters().map((p) => new Float64Array(p.size));
        for (let b = 0; b < B; b++) {
          const n = lengths[b];
          for (const p of layer.parameters()) p.grad = null;
          const xb = new Tensor(x.data.slice(b * T * 3, (b * T + n) * 3), [1, n, 3], { requiresGrad: true });
          const rb = run(layer, xb, null, null, null);
          expectClose(
            r.output.data.subarray(b * T * D * H, (b * T + n) * D * H),
            rb.output.data,
            normwise(rb.output.data),
            `row ${b} output`,
          );
          expect(Array.from(r.output.data.subarray((b * T + n) * D * H, (b + 1) * T * D * H)).every((v) => v === 0)).toBe(true);
          for (let k = 0; k < L * D; k++) {
            expectClose(
              r.h.data.subarray((k * B + b) * H, (k * B + b + 1) * H),
              rb.h.data.subarray(k * H, (k + 1) * H),
              normwise(rb.h.data),
              `row ${b} h[${k}]`,
            );
          }
          rb.output.backward(g.data.slice(b * T * D * H, (b * T + n) * D * H));
          rb.h.backward(Float32Array.from({ length: L * D * H }, (_, i) => gh.data[(Math.floor(i / H) * B + b) * H + (i % H)]));
          expectClose(x.grad!.subarray(b * T * 3, (b * T + n) * 3), xb.grad!, normwise(xb.grad!, 1e-4), `row ${b} dx`);
          expect(Array.from(x.grad!.subarray((b * T + n) * 3, (b + 1) * T * 3)).every((v) => v === 0)).toBe(true);
          layer.parameters().forEach((p, i) => {
            for (let j = 0; j < p.size; j++) sums[i][j] += p.grad![j];
          });
        }
        for (const [i, [name]] of layer.namedParameters().entries()) expectClose(batchGrads[i], sums[i], normwise(sums[i], 1e-4), name);
      });
    });

    it(`${kind}: returns 'lastStep' gives each row's output at its last step, 'finalState' the top layer's final states`, () => {
      withBackend(backend, () => {
        const seq = make(3, 4, { bidirectional: true });
        const last = make(3, 4, { bidirectional: true, returns: 'lastStep' });
        const final = make(3, 4, { bidirectional: true, returns: 'finalState' });
        for (const other of [last, final]) for (const [i, p] of other.parameters().entries()) p.data.set(seq.parameters()[i].data);
        const lengths = [5, 2, 0];
        const x = withLengths(random(11, [3, 5, 3], 1, false), lengths);
        const out = seq.forward(x);
        const a = last.forward(x);
        const f = final.forward(x);
        expect(a.shape).toEqual([3, 8]);
        expect(f.shape).toEqual([3, 8]);
        const full = run(seq, x, null, null, lengths);
        for (let b = 0; b < 3; b++) {
          const want = lengths[b] === 0 ? new Float32Array(8) : out.data.subarray((b * 5 + lengths[b] - 1) * 8, (b * 5 + lengths[b]) * 8);
          expect(Array.from(a.data.subarray(b * 8, b * 8 + 8))).toEqual(Array.from(want));
          for (let d = 0; d < 2; d++) {
            expect(Array.from(f.data.subarray(b * 8 + d * 4, b * 8 + d * 4 + 4))).toEqual(
              Array.from(full.h.data.subarray((d * 3 + b) * 4, (d * 3 + b + 1) * 4)),
            );
          }
        }
      });
    });
  }
});

describe.skipIf(!bothBackends)('LSTM and GRU: native against js on odd sizes', () => {
  const [js, native] = backends;
  for (const [kind, make] of KINDS) {
    for (const [H, L, bidirectional] of [
      [5, 2, true],
      [37, 1, false],
    ] as const) {
      const title = `${kind} H ${H}, ${L} layers${bidirectional ? ', bidirectional' : ''}`;
      it(`${title}, uneven lengths and initial states: outputs, states, every gradient`, () => {
        const layer = make(7, H, { numLayers: L, bidirectional });
        const D = bidirectional ? 2 : 1;
        const [B, T] = [5, 9];
        const lengths = [9, 1, 0, 4, 8];
        const results = [js, native].map((backend) =>
          withBackend(backend, () => {
            for (const p of layer.parameters()) p.grad = null;
            const x = random(21, [B, T, 7]);
            const h0 = random(22, [L * D, B, H]);
            const c0 = kind === 'LSTM' ? random(23, [L * D, B, H]) : null;
            const r = run(layer, x, h0, c0, lengths);
            r.output.backward(random(24, [B, T, D * H], 1, false).data);
            r.h.backward(random(25, [L * D, B, H], 1, false).data);
            if (r.c) r.c.backward(random(26, [L * D, B, H], 1, false).data);
            return [
              r.output,
              r.h,
              ...(r.c ? [r.c] : []),
              x.grad!,
              h0.grad!,
              ...(c0 ? [c0.grad!] : []),
              ...layer.parameters().map((p) => p.grad!),
            ].map((t) => (t instanceof Tensor ? t.data.slice() : t.slice()));
          }),
        );
        for (const [i, want] of results[0].entries()) expectClose(results[1][i], want, normwise(want, 1e-4), `array ${i}`);
      });
    }
  }
});
