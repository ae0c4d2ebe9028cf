/**
 * Epoch bench: LeNet-5 on Fashion-MNIST (examples/lenet.ts's recipe: Adam lr 1e-3, batch 128) through `fitBlocking`,
 * native vs js vs PyTorch, and the test accuracy after the native run.
 *
 *   npx tsx bench/lenet-epoch.ts [--epochs N] [--threads T] [--js-rows R] [--no-js] [--no-torch] [--dir DIR]
 *
 * - threads: OpenBLAS threads of the native backend (and torch's), pinned to 1 by default.
 * - native epoch: the median over N epochs (default 5) of fit's EpochLogs.seconds (the training loop only: batch
 *   copies, forward, loss, backward, optimizer; not the test-set evaluation), then the test accuracy after N epochs.
 * - js epoch: a whole epoch would take minutes, so by default the js backend trains one epoch on the first R = 3840
 *   rows (30 batches of 128, 1/15.6 of an epoch) and the time is scaled by 60000/R. --js-rows 60000 runs a whole one.
 * - torch: bench/peers/lenet_torch.py with /usr/bin/python3 and torch.set_num_threads(T), same recipe and data.
 */
import {
  Adam,
  ByteTensor,
  backendInfo,
  evaluate,
  fitBlocking,
  manualSeed,
  useBackend,
  type Backend,
  type ByteDataset,
} from '../lib/index.js';
import { headRows } from '../examples/fashion-mlp.js';
import { LENET, lenet } from '../examples/lenet.js';
import { flag, median } from './args.js';
import { fashionEpochBenchBytes } from './fashion-setup.js';
import { torchPeer } from './peers.js';
import { bothKernelSets, reportRows } from './kernel-sets.js';

bothKernelSets('LeNet-5 epoch');

const { epochs, threads, jsRows, dir, native, js, train, test } = await fashionEpochBenchBytes({ epochs: LENET.epochs, jsRows: 3840 });
// The images stay bytes, as in examples/lenet.ts: fit converts one batch at a time.
const images = (d: ByteDataset) => new ByteTensor(d.x, [d.rows, 1, 28, 28], d.scale);
const xTest = images(test);

/** Trains LeNet-5 from seed 1 on `backend` for `n` epochs; each epoch's seconds and (when asked) the test accuracy. */
async function trainOn(
  backend: Backend,
  data: ByteDataset,
  n: number,
  withAccuracy: boolean,
): Promise<{ seconds: number[]; accuracy: number }> {
  const previous = useBackend(backend);
  try {
    manualSeed(1);
    const model = lenet();
    const optimizer = new Adam(model.parameters(), { lr: LENET.lr, backend });
    const history = await fitBlocking(model, images(data), data.y, {
      optimizer,
      epochs: n,
      batchSize: LENET.batchSize,
      callbacks: {
        onEpochEnd: (l) =>
          console.log(
            `  ${backend.name} epoch ${l.epoch}: ${l.seconds.toFixed(3)} s ` +
              `(train loss ${l.loss.toFixed(4)}, acc ${(100 * l.accuracy!).toFixed(2)} %)`,
          ),
      },
    });
    const accuracy = withAccuracy ? evaluate(model, xTest, test.y, { batchSize: 1000 }).accuracy! : NaN;
    return { seconds: history.map((l) => l.seconds), accuracy };
  } finally {
    useBackend(previous);
  }
}

const info = backendInfo();
console.log(`native: ${native.getNumThreads()} OpenBLAS thread(s)${info.openblas ? ` · ${JSON.stringify(info.openblas)}` : ''}`);
console.log(`LeNet-5 on ${train.rows} rows, batch ${LENET.batchSize}, Adam lr ${LENET.lr}, ${epochs} epoch(s)`);

console.log('native fit:');
const nat = await trainOn(native, train, epochs, true);
const nativeEpoch = median(nat.seconds);

let jsEpoch = NaN;
let jsNote = 'skipped (--no-js)';
if (!flag('--no-js')) {
  const rows = Math.min(jsRows, train.rows);
  console.log(`js fit (${rows} rows${rows < train.rows ? `, scaled ×${(train.rows / rows).toFixed(2)} to an epoch` : ''}):`);
  const j = await trainOn(js, headRows(train, rows), 1, false);
  jsEpoch = j.seconds[0] * (train.rows / rows);
  jsNote = rows < train.rows ? `${rows} rows scaled to ${train.rows}` : 'one whole epoch';
}

let torch: ReturnType<typeof torchPeer> = 'skipped (--no-torch)';
if (!flag('--no-torch')) {
  console.log('torch peer:');
  torch = torchPeer('lenet_torch.py', epochs, threads, dir, 1_200_000);
}

const rows: [string, string][] = [
  [`native epoch (s, median of ${epochs})`, nativeEpoch.toFixed(3)],
  [`js epoch (s; ${jsNote})`, Number.isFinite(jsEpoch) ? `${jsEpoch.toFixed(2)} (${(jsEpoch / nativeEpoch).toFixed(1)}× native)` : '—'],
  typeof torch === 'string'
    ? ['torch epoch', torch]
    : [
        `torch ${torch.version} epoch (s, median, ${threads} thread(s))`,
        `${torch.median.toFixed(3)} (native/torch ${(nativeEpoch / torch.median).toFixed(3)})`,
      ],
  [
    `test accuracy after ${epochs} epoch(s)`,
    `native ${(100 * nat.accuracy).toFixed(2)} %${typeof torch === 'string' ? '' : ` · torch ${(100 * torch.accuracy).toFixed(2)} %`}`,
  ],
];
reportRows(`LeNet-5 epoch, Fashion-MNIST, ${threads} thread(s)`, rows);
