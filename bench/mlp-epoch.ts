/**
 * Epoch bench: MLP-A on Fashion-MNIST (784-512-256-10 ReLU, He uniform init, SGD lr 0.05 momentum 0.9, batch 128,
 * softmax cross-entropy; examples/fashion-mlp.ts's recipe) through `fitBlocking`, against the GEMMs alone.
 *
 *   npx tsx bench/mlp-epoch.ts [--epochs N] [--threads T] [--js-rows R] [--no-js] [--no-torch] [--dir DIR]
 *
 * - threads: OpenBLAS threads of the native backend (and torch's), pinned to 1 by default.
 * - native epoch: the median over N epochs (default 3) of fit's EpochLogs.seconds (the training loop only: batch
 *   copies, forward, loss, backward, optimizer; not the test-set evaluation).
 * - js epoch: one epoch is ~50 s, so by default the js backend trains one epoch on the first R = 6016 rows
 *   (47 batches of 128, 1/10 of an epoch) and the time is scaled by 60000/R. --js-rows 60000 runs a whole epoch.
 * - GEMM-only: exactly the sgemm calls of one training step, for every batch of an epoch (468 of 128 rows and one of
 *   96), through getBackend('native').sgemm: forward X·W for the 3 layers, dW = Xᵀ·dY for the 3 layers and
 *   dX = dY·Wᵀ for the 2 upper layers (8 calls per step). Median over N repetitions.
 * - data: the pixels stay bytes (loadFashionMnistBytes, ByteTensor), each batch converted to floats as it is gathered,
 *   so the float copy of the dataset (188 MB) never exists; the weights are bit-identical to training on floats.
 * - torch: bench/peers/mlp_epoch.py with /usr/bin/python3 and torch.set_num_threads(T), same recipe, when torch imports.
 */
import {
  ByteTensor,
  SGD,
  backendInfo,
  evaluate,
  fitBlocking,
  manualSeed,
  useBackend,
  type Backend,
  type ByteDataset,
} from '../lib/index.js';
import { MLP_A, headRows, mlpA } from '../examples/fashion-mlp.js';
import { flag, median } from './args.js';
import { fashionEpochBenchBytes } from './fashion-setup.js';
import { torchPeer } from './peers.js';
import { bothKernelSets, reportRows } from './kernel-sets.js';

bothKernelSets('MLP-A epoch');

const { epochs, threads, jsRows, dir, native, js, train, test } = await fashionEpochBenchBytes({ epochs: 3, jsRows: 6016 });
const xTest = new ByteTensor(test.x, [test.rows, test.features], test.scale);

/** Trains MLP-A from seed 1 on `backend` for `n` epochs; each epoch's seconds and the test accuracy. */
async function trainOn(backend: Backend, data: ByteDataset, n: number): Promise<{ seconds: number[]; accuracy: number }> {
  const previous = useBackend(backend);
  try {
    manualSeed(1);
    const model = mlpA();
    const optimizer = new SGD(model.parameters(), { lr: MLP_A.lr, momentum: MLP_A.momentum, backend });
    const x = new ByteTensor(data.x, [data.rows, data.features], data.scale);
    const history = await fitBlocking(model, x, data.y, {
      optimizer,
      epochs: n,
      batchSize: MLP_A.batchSize,
      callbacks: {
        onEpochEnd: (l) =>
          console.log(`  ${backend.name} epoch ${l.epoch}: ${l.seconds.toFixed(3)} s (train acc ${(100 * l.accuracy!).toFixed(2)} %)`),
      },
    });
    const accuracy = evaluate(model, xTest, test.y, { batchSize: 1000 }).accuracy!;
    return { seconds: history.map((l) => l.seconds), accuracy };
  } finally {
    useBackend(previous);
  }
}

/** The sgemm calls of every training step of one epoch (batches of 128 over `rows` rows), on `b`. Seconds. */
function gemmEpoch(b: Backend, rows: number): number {
  const bs = MLP_A.batchSize;
  const dims = [784, 512, 256, 10];
  const W = dims.slice(1).map((out, i) => filledArray(dims[i] * out, 0.05));
  const dW = dims.slice(1).map((out, i) => new Float32Array(dims[i] * out));
  const H = dims.slice(1).map((d) => filledArray(bs * d, 0.5)); // layer outputs (H[2]: logits)
  // The batch of inputs as fit has it: one reused float buffer (the first batch's pixels), the dataset being bytes.
  const X = Float32Array.from(train.x.subarray(0, bs * 784), (v) => v * train.scale);
  const dH = dims.slice(1).map((d) => filledArray(bs * d, 0.01)); // gradients w.r.t. the layer outputs
  const t0 = process.hrtime.bigint();
  for (let start = 0; start < rows; start += bs) {
    const M = Math.min(bs, rows - start);
    const inputs = [X, H[0], H[1]];
    // forward: H_l = X_l · W_l  (M×K · K×N)
    for (let l = 0; l < 3; l++) b.sgemm(false, false, M, dims[l + 1], dims[l], 1, inputs[l], W[l], 0, H[l]);
    // backward, top layer first: dW_l = X_lᵀ · dH_l (K×M · M×N); dX_l = dH_l · W_lᵀ (M×N · N×K) for l = 2, 1
    for (let l = 2; l >= 0; l--) {
      b.sgemm(true, false, dims[l], dims[l + 1], M, 1, inputs[l], dH[l], 0, dW[l]);
      if (l > 0) b.sgemm(false, true, M, dims[l], dims[l + 1], 1, dH[l], W[l], 0, dH[l - 1]);
    }
  }
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

function filledArray(n: number, scale: number): Float32Array {
  const a = new Float32Array(n);
  let x = 12345;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    a[i] = (x / 2 ** 32 - 0.5) * scale;
  }
  return a;
}

const info = backendInfo();
console.log(`native: ${native.getNumThreads()} OpenBLAS thread(s)${info.openblas ? ` · ${JSON.stringify(info.openblas)}` : ''}`);
console.log(`MLP-A on ${train.rows} rows, batch ${MLP_A.batchSize}, ${epochs} epoch(s) per measurement`);

console.log('native fit:');
const nat = await trainOn(native, train, epochs);
const nativeEpoch = median(nat.seconds);
// Peak RSS of the process so far: the data, the model and the native training (the js run and the GEMM-only timing
// come after).
const nativeRssMb = process.resourceUsage().maxRSS / 1024;

let jsEpoch = NaN;
let jsNote = 'skipped (--no-js)';
if (!flag('--no-js')) {
  const rows = Math.min(jsRows, train.rows);
  console.log(`js fit (${rows} rows${rows < train.rows ? `, scaled ×${(train.rows / rows).toFixed(2)} to an epoch` : ''}):`);
  const j = await trainOn(js, headRows(train, rows), 1);
  jsEpoch = j.seconds[0] * (train.rows / rows);
  jsNote = rows < train.rows ? `${rows} rows scaled to ${train.rows}` : 'one whole epoch';
}

console.log('GEMM-only (native sgemm, the 8 calls of each step, every batch of an epoch):');
gemmEpoch(native, 20 * MLP_A.batchSize); // warm-up
const gemm: number[] = [];
for (let i = 0; i < epochs; i++) {
  gemm.push(gemmEpoch(native, train.rows));
  console.log(`  gemm epoch ${i + 1}: ${gemm[i].toFixed(3)} s`);
}
const gemmEpochS = median(gemm);
const flops = (() => {
  const per = 784 * 512 + 512 * 256 + 256 * 10;
  return 2 * train.rows * (3 * per - 784 * 512); // forward + dW: 2 per; dX for the 2 upper layers only
})();

let torch: ReturnType<typeof torchPeer> = 'skipped (--no-torch)';
if (!flag('--no-torch')) {
  console.log('torch peer:');
  torch = torchPeer('mlp_epoch.py', epochs, threads, dir, 600_000);
}

const rows: [string, string][] = [
  ['native epoch (s, median)', nativeEpoch.toFixed(3)],
  [`js epoch (s; ${jsNote})`, Number.isFinite(jsEpoch) ? jsEpoch.toFixed(2) : '—'],
  [
    'native / js',
    Number.isFinite(jsEpoch) ? `${(nativeEpoch / jsEpoch).toFixed(3)} (js is ${(jsEpoch / nativeEpoch).toFixed(1)}× slower)` : '—',
  ],
  ['GEMM-only (s, median)', `${gemmEpochS.toFixed(3)} (${(flops / gemmEpochS / 1e9).toFixed(1)} GFLOP/s)`],
  ['native epoch / GEMM-only (goal ≤ 1.05)', (nativeEpoch / gemmEpochS).toFixed(3)],
  [`test accuracy after ${epochs} epoch(s), native`, `${(100 * nat.accuracy).toFixed(2)} %`],
  typeof torch === 'string'
    ? ['torch epoch', torch]
    : [
        `torch ${torch.version} epoch (s, median, ${threads} thread(s))`,
        `${torch.median.toFixed(3)} (native/torch ${(nativeEpoch / torch.median).toFixed(3)}; ` +
          `torch test acc ${(100 * torch.accuracy).toFixed(2)} %)`,
      ],
];
const torchRss = typeof torch === 'string' || torch.maxRssMb === undefined ? '' : ` · torch ${torch.maxRssMb.toFixed(0)}`;
rows.push(['peak RSS of training (MB; goal ≤ 250)', `native ${nativeRssMb.toFixed(0)}${torchRss}`]);
reportRows(`MLP-A epoch, Fashion-MNIST, ${threads} thread(s)`, rows);
