/**
 * What the Fashion-MNIST epoch benches (mlp-epoch.ts, lenet-epoch.ts) share: their common flags, both backends with
 * the native thread count pinned, and the data.
 */
import { getBackend, loadFashionMnistBytes, FASHION_MNIST_DIR } from '../lib/index.js';
import { option, stringOption } from './args.js';

/** --epochs (default `epochs`), --threads (1), --js-rows (default `jsRows`), --dir, and both backends (native pinned). */
export function fashionEpochFlags(defaults: { epochs: number; jsRows: number }) {
  const epochs = option('--epochs', defaults.epochs);
  const threads = option('--threads', 1);
  const jsRows = option('--js-rows', defaults.jsRows);
  const dir = stringOption('--dir', FASHION_MNIST_DIR);
  const native = getBackend('native');
  native.setNumThreads(threads);
  const js = getBackend('js');
  console.log(`loading Fashion-MNIST from ${dir} …`);
  return { epochs, threads, jsRows, dir, native, js };
}

/** The flags, then the data with its pixels as bytes (wrapped in ByteTensors to train: 47 MB instead of 188). */
export async function fashionEpochBenchBytes(defaults: { epochs: number; jsRows: number }) {
  const flags = fashionEpochFlags(defaults);
  return { ...flags, ...(await loadFashionMnistBytes(flags.dir)) };
}
