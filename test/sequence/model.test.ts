/**
 * Sequence models end to end: Embedding → LSTM/GRU → Dense against PyTorch (sequence_classifier.json) in the training
 * loop's reuse mode, the Embedding's gradcheck and index checks, bad arguments, save/load round trips, crafted files,
 * and training with fit in its worker thread (rebuilt from the config, lengths derived from the padding there too).
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  Adam,
  Dense,
  Embedding,
  GRU,
  LSTM,
  Sequential,
  Tensor,
  crossEntropyLoss,
  encodeSafetensors,
  gradcheck,
  loadModel,
  manualSeed,
  saveModel,
  tensor,
  withBackend,
} from '../../lib/index.js';
import { CHECKSUM_KEY, checkpointChecksum } from '../../lib/io/checksum.js';
import { CHECKPOINT_FORMAT, type F32Tensor } from '../../lib/index.js';
import { backends } from '../helpers/backends.js';
import { expectClose } from '../helpers/close.js';
import { expectError } from '../helpers/errors.js';
import { Rng } from '../helpers/random.js';
import { reference } from '../helpers/reference.js';
import { normwise } from '../helpers/tolerances.js';
import { scratchDir } from '../io/scratch-dir.js';

interface ClassifierCase {
  kind: 'lstm' | 'gru';
  V: number;
  E: number;
  H: number;
  C: number;
  B: number;
  T: number;
  indices: number[];
  labels: number[];
  params: Record<string, number[]>;
  logits: number[];
  loss: number;
  grads: Record<string, number[]>;
}

const file = scratchDir('sequence');

/** PyTorch's Linear weight [out, in] as neuroblas's Dense weight [in, out]. */
function transpose(w: ArrayLike<number>, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = w[i * cols + j];
  return out;
}

function classifier(c: ClassifierCase): Sequential {
  const Rnn = c.kind === 'lstm' ? LSTM : GRU;
  return new Sequential([new Embedding(c.V, c.E), new Rnn(c.E, c.H, { returns: 'lastStep' }), new Dense(c.H, c.C)]);
}

/** Padded token rows: lengths 1..T, tokens 1..V−1, 0 = padding; label 1 when token 3 occurs. */
function tokenData(rows: number, T: number, V: number, seed: number): { x: Tensor; y: Int32Array; lengths: number[] } {
  const rng = new Rng(seed);
  const x = new Float32Array(rows * T);
  const y = new Int32Array(rows);
  const lengths: number[] = [];
  for (let r = 0; r < rows; r++) {
    const n = 1 + rng.int(T);
    lengths.push(n);
    for (let t = 0; t < n; t++) {
      x[r * T + t] = 1 + rng.int(V - 1);
      if (x[r * T + t] === 3) y[r] = 1;
    }
  }
  return { x: new Tensor(x, [rows, T]), y, lengths };
}

describe.each(backends.map((b) => [b.name, b] as const))('sequence models on %s', (_name, backend) => {
  for (const c of reference<{ cases: ClassifierCase[] }>('sequence_classifier').cases) {
    const title = `Embedding → ${c.kind.toUpperCase()} → last step → Dense`;
    it(`${title}: logits, loss and every gradient as PyTorch, in the training loop's reuse mode`, () => {
      withBackend(backend, () => {
        const model = classifier(c);
        const [emb, rnn, head] = model.layers as [Embedding, LSTM | GRU, Dense];
        emb.weight.data.set(c.params['embedding.weight']);
        for (const [name, t] of rnn.namedParameters()) t.data.set(c.params[`rnn.${name}`]);
        head.weight.data.set(transpose(c.params['head.weight'], c.C, c.H));
        head.bias!.data.set(c.params['head.bias']);
        for (const reuse of [true, true]) {
          model.zeroGrad();
          const logits = model.forward(tensor(c.indices, [c.B, c.T]), { reuse });
          expectClose(logits.data, c.logits, normwise(c.logits), 'logits');
          const loss = crossEntropyLoss(logits, Int32Array.from(c.labels));
          expectClose(loss.data, [c.loss], { rtol: 1e-5 }, 'loss');
          loss.backward();
          expectClose(emb.weight.grad!, c.grads['embedding.weight'], normwise(c.grads['embedding.weight'], 1e-4), 'embedding.weight');
          for (const [name, t] of rnn.namedParameters())
            expectClose(t.grad!, c.grads[`rnn.${name}`], normwise(c.grads[`rnn.${name}`], 1e-4), name);
          const dHead = transpose(c.grads['head.weight'], c.C, c.H);
          expectClose(head.weight.grad!, dHead, normwise(dHead, 1e-4), 'head.weight');
          expectClose(head.bias!.grad!, c.grads['head.bias'], normwise(c.grads['head.bias'], 1e-4), 'head.bias');
        }
      });
    });
  }

  it('Embedding: gradcheck of the table (repeated indices), and the padding row gets no gradient', () => {
    withBackend(backend, () => {
      const layer = new Embedding(5, 3);
      const x = tensor([0, 4, 4, 1, 2, 4], [2, 3]);
      const report = gradcheck(() => layer.forward(x), [layer.weight]);
      expect(report.checked).toBe(15);
      expect(report.ok, JSON.stringify(report)).toBe(true);
      const padded = new Embedding(5, 3, { paddingIdx: 4 });
      padded.forward(x).backward(new Float32Array(18).fill(1));
      expect(Array.from(padded.weight.grad!)).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0]);
    });
  });

  it('predict on a padded batch gives each row what it gives alone without its padding (lengths from paddingIdx)', () => {
    withBackend(backend, () => {
      manualSeed(3);
      const model = new Sequential([
        new Embedding(7, 4, { paddingIdx: 0 }),
        new GRU(4, 5, { bidirectional: true, returns: 'finalState' }),
        new Dense(10, 3),
      ]);
      const { x, lengths } = tokenData(6, 8, 7, 5);
      const all = model.predict(x);
      for (let r = 0; r < 6; r++) {
        const alone = model.predict(new Tensor(x.data.slice(r * 8, r * 8 + lengths[r]), [1, lengths[r]]));
        expectClose(all.data.subarray(r * 3, r * 3 + 3), alone.data, normwise(alone.data), `row ${r}`);
      }
    });
  });
});

describe('sequence layers: bad arguments', () => {
  it('an index that is not an integer in range is ERR_INVALID_ARG naming the value and its position', () => {
    const e = new Embedding(10, 2, { name: 'emb' });
    expectError(() => e.forward(tensor([[1, 2.5]])), 'ERR_INVALID_ARG', /emb: index 2\.5 at \[0, 1\] is not an integer/);
    expectError(() => e.forward(tensor([[1], [10]])), 'ERR_INVALID_ARG', /emb: index 10 at \[1, 0\] is outside \[0, 10\)/);
    expectError(() => e.forward(tensor([[-1]])), 'ERR_INVALID_ARG', /index -1 at \[0, 0\]/);
    expectError(() => e.forward(new Tensor(Float32Array.of(Number.NaN), [1, 1])), 'ERR_INVALID_ARG', /index NaN/);
    expectError(() => new Embedding(10, 2, { paddingIdx: 10 }), 'ERR_INVALID_ARG', /paddingIdx must be an integer in \[0, 10\)/);
    expectError(() => new Embedding(0, 2), 'ERR_INVALID_ARG', /numEmbeddings/);
  });

  it('LSTM/GRU options, inputs, states and lengths are checked, naming what is wrong', () => {
    expectError(() => new LSTM(0, 4), 'ERR_INVALID_ARG', /inputSize must be an integer >= 1/);
    expectError(() => new GRU(3, 2.5), 'ERR_INVALID_ARG', /hiddenSize/);
    expectError(
      () => new LSTM(3, 4, { returns: 'last' as never }),
      'ERR_INVALID_ARG',
      /returns must be one of 'sequence', 'lastStep', 'finalState'/,
    );
    expectError(() => new LSTM(3, 4, { dropout: 0.2 }), 'ERR_INVALID_ARG', /needs numLayers >= 2/);
    expectError(() => new LSTM(3, 4, { numLayers: 2, dropout: 1 }), 'ERR_INVALID_ARG', /dropout must be in \[0, 1\)/);
    expectError(() => new GRU(3, 4, { bidirectonal: true } as never), 'ERR_INVALID_ARG', /did you mean "bidirectional"/);
    const lstm = new LSTM(3, 4, { name: 'rnn' });
    const x = tensor(new Float32Array(2 * 5 * 3), [2, 5, 3]);
    expectError(
      () => lstm.forward(tensor(new Float32Array(20), [2, 5, 2])),
      'ERR_SHAPE',
      /rnn: expected input \[batch, steps, 3\], got \[batch, 5, 2\]/,
    );
    expectError(() => lstm.run(x, { lengths: [5] }), 'ERR_SHAPE', /lengths has 1 values, the batch has 2 rows/);
    expectError(() => lstm.run(x, { lengths: [5, 6] }), 'ERR_INVALID_ARG', /lengths\[1\] is 6, not an integer in \[0, 5\]/);
    expectError(() => lstm.run(x, { h0: tensor(new Float32Array(8), [2, 4]) }), 'ERR_SHAPE', /h0 must be \[1, 2, 4\]/);
    expectError(() => new GRU(3, 4).run(x, { c0: tensor(new Float32Array(8), [1, 2, 4]) } as never), 'ERR_INVALID_ARG', /no cell state/);
    expectError(() => lstm.run(x, { lenghts: [1, 2] } as never), 'ERR_INVALID_ARG', /did you mean "lengths"/);
  });
});

describe('sequence models: save, load and files made to hurt', () => {
  it('a checkpoint round trip keeps Embedding (paddingIdx), stacked bidirectional LSTM and GRU, their names and outputs', () => {
    manualSeed(4);
    for (const Rnn of [LSTM, GRU]) {
      const model = new Sequential([
        new Embedding(9, 4, { paddingIdx: 0 }),
        new Rnn(4, 3, { numLayers: 2, bidirectional: true, dropout: 0.25, returns: 'lastStep' }),
        new Dense(6, 2),
      ]);
      const { x } = tokenData(5, 6, 9, 2);
      const before = model.predict(x);
      const p = file(`${Rnn.name}.safetensors`);
      saveModel(p, model);
      const loaded = loadModel(p).model;
      expect(loaded.toConfig().layers).toEqual(model.toConfig().layers);
      expect(loaded.namedWeights().map(([n]) => n)).toContain('1.weight_hh_l1_reverse');
      expect(Array.from(loaded.predict(x).data)).toEqual(Array.from(before.data));
    }
  });

  it('a file declaring huge recurrent or embedding layers is refused before anything is built', () => {
    const f32 = (shape: number[]): F32Tensor => ({ dtype: 'F32', shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)) });
    for (const [layer, tensors, message] of [
      [
        { type: 'LSTM', inputSize: 2 ** 16, hiddenSize: 2 ** 16 },
        { '0.weight_ih_l0': f32([4, 1]) },
        /"0\.weight_ih_l0" has shape \[4, 1\], the model needs \[262144, 65536\]/,
      ],
      [{ type: 'GRU', inputSize: 2, hiddenSize: 2, numLayers: 1024 }, {}, /"0\.weight_ih_l0" is missing/],
      [{ type: 'GRU', inputSize: 2, hiddenSize: 2, numLayers: 2 ** 20 }, {}, /numLayers must be at most 1024/],
      [{ type: 'Embedding', numEmbeddings: 2 ** 30, dim: 2 ** 10 }, { '0.weight': f32([1, 1]) }, /the model needs \[1073741824, 1024\]/],
    ] as const) {
      const metadata: Record<string, string> = {
        format: CHECKPOINT_FORMAT,
        format_version: '1',
        library_version: '0.2.0',
        architecture: JSON.stringify({ type: 'Sequential', name: 'm', layers: [layer] }),
        weight_layout: '{}',
        epoch: '0',
        metrics: '{}',
        history: '[]',
        random: JSON.stringify({ s: [1, 2, 3, 4], spare: null }),
      };
      metadata[CHECKSUM_KEY] = checkpointChecksum(tensors as Record<string, F32Tensor>, metadata);
      const p = file(`${layer.type}-huge.safetensors`);
      fs.writeFileSync(p, encodeSafetensors(tensors as Record<string, F32Tensor>, metadata));
      const start = performance.now();
      expectError(() => loadModel(p, { restoreRandom: false }), 'ERR_IO', message);
      expect(performance.now() - start).toBeLessThan(500);
    }
  });
});

describe('sequence models: fit', () => {
  function model(seed: number): Sequential {
    manualSeed(seed);
    return new Sequential([new Embedding(6, 8, { paddingIdx: 0 }), new LSTM(8, 16, { returns: 'lastStep' }), new Dense(16, 2)]);
  }

  it("fit's worker thread trains padded sequences exactly as fitBlocking on this thread does, and learns the task", async () => {
    const { x, y } = tokenData(256, 12, 6, 9);
    const inWorker = model(1);
    const history = await inWorker.fit(x, y, {
      optimizer: new Adam(inWorker.parameters(), { lr: 0.01 }),
      epochs: 6,
      batchSize: 32,
      worker: true,
    });
    const onThread = model(1);
    onThread.fitBlocking(x, y, { optimizer: new Adam(onThread.parameters(), { lr: 0.01 }), epochs: 6, batchSize: 32 });
    const reference = onThread.getWeights();
    for (const [i, w] of inWorker.getWeights().entries()) expect(Array.from(w)).toEqual(Array.from(reference[i]));
    expect(history.at(-1)!.accuracy).toBeGreaterThan(0.9);
  }, 120_000);

  it('the default fit (a GRU classifier large enough for the worker: batch rows × parameters above 2^18) learns too', async () => {
    manualSeed(2);
    const m = new Sequential([new Embedding(6, 8, { paddingIdx: 0 }), new GRU(8, 48, { returns: 'finalState' }), new Dense(48, 2)]);
    expect(64 * m.parameterCount()).toBeGreaterThan(2 ** 18);
    const { x, y } = tokenData(512, 12, 6, 4);
    const history = await m.fit(x, y, { optimizer: new Adam(m.parameters(), { lr: 0.01 }), epochs: 4, batchSize: 64 });
    expect(history.at(-1)!.accuracy).toBeGreaterThan(0.9);
  }, 120_000);
});
