/**
 * Files made to hurt: a checksum proves nothing against them (anyone can recompute SHA-256), so loadModel must
 * refuse them by what they are. An architecture whose parameters the file does not hold is refused before any
 * layer is built (nothing allocated), nesting is bounded, whatever else goes wrong while building is ERR_IO,
 * non-finite optimizer or callback state is refused, and what is not a regular file is never opened for reading.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import {
  Adam,
  CHECKPOINT_FORMAT,
  EarlyStopping,
  Layer,
  NeuroblasError,
  SGD,
  decodeSafetensors,
  encodeSafetensors,
  loadModel,
  registerLayer,
  saveModel,
  type F32Tensor,
} from '../../lib/index.js';
import { CHECKSUM_KEY, checkpointChecksum } from '../../lib/io/checksum.js';
import { backends } from '../helpers/backends.js';
import { expectError } from '../helpers/errors.js';
import { blobs, makeModel } from './checkpoint-fixtures.js';
import { scratchDir } from './scratch-dir.js';

const file = scratchDir('crafted');

/** A checkpoint as an attacker writes it: any architecture, any tensors, with a valid checksum. */
function crafted(name: string, architecture: string, tensors: Record<string, F32Tensor> = {}): string {
  const metadata: Record<string, string> = {
    format: CHECKPOINT_FORMAT,
    format_version: '1',
    library_version: '0.2.0',
    architecture,
    weight_layout: '{}',
    epoch: '0',
    metrics: '{}',
    history: '[]',
    random: JSON.stringify({ s: [1, 2, 3, 4], spare: null }),
  };
  metadata[CHECKSUM_KEY] = checkpointChecksum(tensors, metadata);
  const p = file(name);
  fs.writeFileSync(p, encodeSafetensors(tensors, metadata));
  return p;
}

const f32 = (shape: number[]): F32Tensor => ({ dtype: 'F32', shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)) });
const sequential = (layers: unknown[]): string => JSON.stringify({ type: 'Sequential', name: 'm', layers });

/** ERR_IO whose message starts with the file's path and matches `message`, within `ms` milliseconds. */
function refusedFast(p: string, message: RegExp, ms = 500): void {
  const start = performance.now();
  let thrown: unknown;
  try {
    loadModel(p, { restoreRandom: false });
  } catch (e) {
    thrown = e;
  }
  const elapsed = performance.now() - start;
  expect(thrown, String(thrown)).toBeInstanceOf(NeuroblasError);
  const err = thrown as NeuroblasError;
  expect(err.code, err.message).toBe('ERR_IO');
  expect(err.message.startsWith(`${p}: `), err.message).toBe(true);
  expect(err.message).toMatch(message);
  expect(elapsed, `${p} took ${elapsed.toFixed(0)} ms to refuse`).toBeLessThan(ms);
}

describe('item 9: an architecture is checked against the tensors before anything is built', () => {
  it('a 2 KB file declaring Dense(100000 → 100000) is an ERR_IO, fast, never a RangeError', () => {
    const p = crafted('huge-dense.safetensors', sequential([{ type: 'Dense', in: 100_000, out: 100_000 }]), {
      '0.weight': f32([2, 2]),
      '0.bias': f32([2]),
    });
    expect(fs.statSync(p).size).toBeLessThan(2048);
    refusedFast(p, /weight "0\.weight" has shape \[2, 2\], the model needs \[100000, 100000\]/);
  });

  it('Dense(2³¹ → 1) is refused in well under a second, without allocating 8 GB', () => {
    const p = crafted('dense-2-31.safetensors', sequential([{ type: 'Dense', in: 2 ** 31, out: 1 }]), { '0.weight': f32([1, 1]) });
    refusedFast(p, /weight "0\.weight" has shape \[1, 1\], the model needs \[2147483648, 1\]/);
  });

  it('a declared weight the file does not hold at all is refused before building', () => {
    refusedFast(
      crafted('no-tensors.safetensors', sequential([{ type: 'Dense', in: 2 ** 20, out: 2 ** 10 }])),
      /weight "0\.weight" is missing \(the architecture declares \[1048576, 1024\]\)/,
    );
  });

  it('every built-in layer with state: Conv2d, BatchNorm1d/2d (with and without affine), nested Sequentials', () => {
    refusedFast(
      crafted('conv.safetensors', sequential([{ type: 'Conv2d', inChannels: 4096, outChannels: 4096, kernelSize: [64, 64] }]), {
        '0.weight': f32([1, 1, 1, 1]),
        '0.bias': f32([1]),
      }),
      /weight "0\.weight" has shape \[1, 1, 1, 1\], the model needs \[4096, 4096, 64, 64\]/,
    );
    // Without affine, a BatchNorm still keeps gamma and beta arrays of numFeatures: only its buffers are in the file.
    refusedFast(
      crafted('bn.safetensors', sequential([{ type: 'BatchNorm2d', numFeatures: 2 ** 30, affine: false }]), {
        '0.running_mean': f32([1]),
        '0.running_var': f32([1]),
      }),
      /weight "0\.running_mean" has shape \[1\], the model needs \[1073741824\]/,
    );
    refusedFast(
      crafted(
        'nested.safetensors',
        sequential([
          { type: 'ReLU' },
          { type: 'Sequential', layers: [{ type: 'Flatten' }, { type: 'BatchNorm1d', numFeatures: 2 ** 29 }] },
        ]),
        { '1.1.weight': f32([3]), '1.1.bias': f32([3]), '1.1.running_mean': f32([3]), '1.1.running_var': f32([3]) },
      ),
      /weight "1\.1\.weight" has shape \[3\], the model needs \[536870912\]/,
    );
  });

  it('20,000 nested Sequentials are an ERR_IO (nesting bounded), never a stack overflow', () => {
    const depth = 20_000;
    const architecture = `${'{"type":"Sequential","layers":['.repeat(depth)}${']}'.repeat(depth)}`;
    refusedFast(crafted('deep.safetensors', architecture), /Sequentials nested 65 deep; at most 64/, 2000);
    // 64 levels still load.
    const ok = `${'{"type":"Sequential","layers":['.repeat(64)}{"type":"Dense","in":2,"out":1}${']}'.repeat(64)}`;
    const name = `${'0.'.repeat(64)}`;
    const p = crafted('deep-ok.safetensors', ok, { [`${name}weight`]: f32([2, 1]), [`${name}bias`]: f32([1]) });
    expect(loadModel(p, { restoreRandom: false }).model.parameterCount()).toBe(3);
  });

  it('any other failure while building (a layer of your own that throws) is an ERR_IO naming the file', () => {
    class Fragile extends Layer {
      readonly type = 'Fragile';
      outputShape(s: number[]): number[] {
        return s;
      }
    }
    registerLayer('CraftedFragile', (c) => {
      if (c.size !== 1) throw new TypeError('size is not 1');
      return new Fragile('fragile');
    });
    refusedFast(
      crafted('fragile.safetensors', sequential([{ type: 'CraftedFragile', size: 7 }])),
      /cannot be built.*TypeError: size is not 1/,
    );
  });
  it('a layer type of your own registered with StateShapes is checked before its factory runs', () => {
    let built = 0;
    registerLayer(
      'CraftedSized',
      () => {
        built++;
        throw new Error('must not be called');
      },
      (c) => [['weight', [c.n as number]]],
    );
    refusedFast(
      crafted('sized.safetensors', sequential([{ type: 'CraftedSized', n: 1e9 }]), { '0.weight': f32([1]) }),
      /weight "0\.weight" has shape \[1\], the model needs \[1000000000\]/,
    );
    expect(built).toBe(0);
  });
});

describe.each(backends)('item 10: non-finite optimizer and callback state is refused ($name)', (backend) => {
  const target = file(`state-${backend.name}.safetensors`);
  const { x, y } = blobs(32);
  const model = makeModel();
  const optimizer = new Adam(model.parameters(), { lr: 0.01, backend });
  const stopping = new EarlyStopping({ monitor: 'loss', patience: 3 });

  /** The trained file, with `change` applied to a copy and the checksum redone. */
  function edited(name: string, change: (tensors: Record<string, F32Tensor>, metadata: Record<string, string>) => void): string {
    const { tensors, metadata } = decodeSafetensors(new Uint8Array(fs.readFileSync(target)), target);
    const copy = Object.fromEntries(Object.entries(tensors).map(([k, t]) => [k, { ...t, data: t.data.slice() }]));
    change(copy, metadata);
    metadata[CHECKSUM_KEY] = checkpointChecksum(copy, metadata);
    const p = file(`${name}-${backend.name}.safetensors`);
    fs.writeFileSync(p, encodeSafetensors(copy, metadata));
    return p;
  }

  it('a NaN or Infinity in an optimizer buffer', async () => {
    await model.fit(x, y, { optimizer, epochs: 2, batchSize: 16, callbacks: [stopping] });
    saveModel(target, model, { optimizer, callbacks: [stopping] });
    expect(loadModel(target, { backend, restoreRandom: false }).optimizer).not.toBeNull();
    for (const [bad, shown] of [
      [NaN, 'NaN'],
      [Infinity, 'Infinity'],
    ] as const) {
      const p = edited('opt-nan', (t) => {
        t['optimizer.2.v'].data[4] = bad;
      });
      expectError(
        () => loadModel(p, { backend, restoreRandom: false }),
        'ERR_IO',
        new RegExp(`optimizer state "optimizer\\.2\\.v" holds ${shown} at index 4: corrupted`),
      );
    }
  });

  it('a NaN in a callback tensor, or an overflowing number (1e999 reads as Infinity) in a callback state', () => {
    const p = edited('cb-nan', (t) => {
      t['callbacks.0.bestWeights.0'].data[1] = NaN;
    });
    expectError(
      () => loadModel(p, { backend, restoreRandom: false }),
      'ERR_IO',
      /callback state "callbacks\.0\.bestWeights\.0" holds NaN at index 1/,
    );
    const q = edited('cb-inf', (_, m) => {
      m.callbacks = m.callbacks.replace(/"bestValue":[^,]+/, '"bestValue":1e999');
    });
    expectError(() => loadModel(q, { backend, restoreRandom: false }), 'ERR_IO', /callback 0's state: bestValue is Infinity/);
  });

  it('an optimizer hyper-parameter that overflows to Infinity', () => {
    const p = edited('opt-hyper', (_, m) => {
      m.optimizer = m.optimizer.replace(/"lr":[^,}]+/, '"lr":1e999');
    });
    expectError(() => loadModel(p, { backend, restoreRandom: false }), 'ERR_IO', /the saved optimizer: hyper\.lr is Infinity/);
  });

  it('saveModel refuses non-finite optimizer state before writing (ERR_BAD_DATA), as it does weights', async () => {
    const m = makeModel();
    const sgd = new SGD(m.parameters(), { lr: 0.1, momentum: 0.9, backend });
    await m.fit(x, y, { optimizer: sgd, epochs: 1, batchSize: 16 });
    sgd.sharedState().buffers['1.momentum'][3] = NaN; // a diverged step
    const out = file(`save-nan-${backend.name}.safetensors`);
    expectError(() => saveModel(out, m, { optimizer: sgd }), 'ERR_BAD_DATA', /optimizer state optimizer\.1\.momentum holds NaN at index 3/);
    expect(fs.existsSync(out)).toBe(false);
  });
});

describe('item 11: only regular files are read', () => {
  it('a FIFO is refused at once, without blocking', () => {
    const fifo = file('pipe.safetensors');
    const made = spawnSync('mkfifo', [fifo]);
    expect(made.status, String(made.stderr)).toBe(0);
    // In a child process, so that a regression blocks the child (killed by the timeout), not the test runner.
    const script = `import('${new URL('../../lib/index.ts', import.meta.url).href}').then(({ loadModel }) => {
      try { loadModel(${JSON.stringify(fifo)}); console.log('loaded'); } catch (e) { console.log(e.code + ' ' + e.message); }
    });`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(child.signal, `blocked on the FIFO: ${child.stderr}`).toBeNull();
    expect(child.stdout.trim()).toBe(`ERR_IO ${fifo}: cannot read the checkpoint (not a regular file but a FIFO)`);
  });

  it('a character device (/dev/zero would never end) is refused the same way; a directory stays EISDIR', () => {
    expectError(
      () => loadModel('/dev/zero'),
      'ERR_IO',
      /^\/dev\/zero: cannot read the checkpoint \(not a regular file but a character device\)$/,
    );
    const dir = file('a-dir.safetensors');
    fs.mkdirSync(dir);
    expectError(() => loadModel(dir), 'ERR_IO', /a-dir\.safetensors: cannot read the checkpoint: is a directory$/);
  });

  it('a symbolic link to a regular checkpoint still loads', () => {
    const real = file('real.safetensors');
    saveModel(real, makeModel());
    const link = file('link.safetensors');
    fs.symlinkSync(real, link);
    expect(loadModel(link, { restoreRandom: false }).model.layers).toHaveLength(5);
  });
});
