/**
 * Fashion-MNIST from an IDX directory (60,000 train / 10,000 test, 28×28, scaled to [0, 1]).
 * Default directory: where Debian's `dataset-fashion-mnist` package puts it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fail } from '../errors.js';
import { BYTE_SCALE } from '../byte-tensor.js';
import { sharedFloat32, sharedInt32, sharedUint8, type ByteDataset, type ByteSplit, type Dataset, type Split } from './dataset.js';
import { readIdx } from './idx.js';

export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';
export const FASHION_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

function findFile(dir: string, base: string): string {
  for (const name of [`${base}.gz`, base]) {
    const file = path.join(dir, name);
    if (fs.existsSync(file)) return file;
  }
  fail(
    'ERR_IO',
    `fashion-mnist: ${path.join(dir, base)}[.gz] not found; ` +
      `install it with \`apt-get install dataset-fashion-mnist\` or pass the directory that holds the IDX files`,
  );
}

/** The images (not yet converted) and labels of an IDX pair in `dir`, checked to agree. */
function readIdxPair(dir: string, prefix: string, classNames?: string[]) {
  const imagesFile = findFile(dir, `${prefix}-images-idx3-ubyte`);
  const labelsFile = findFile(dir, `${prefix}-labels-idx1-ubyte`);
  const images = readIdx(imagesFile);
  const labels = readIdx(labelsFile);
  if (images.dims.length !== 3) fail('ERR_IO', `${imagesFile}: expected 3 dimensions (count, rows, cols), got ${images.dims.length}`);
  if (labels.dims.length !== 1) fail('ERR_IO', `${labelsFile}: expected 1 dimension, got ${labels.dims.length}`);
  const [rows, h, w] = images.dims;
  if (labels.dims[0] !== rows) fail('ERR_IO', `${labelsFile}: ${labels.dims[0]} labels for ${rows} images in ${imagesFile}`);
  const y = sharedInt32(rows);
  let classes = 0;
  for (let i = 0; i < rows; i++) {
    y[i] = labels.data[i];
    if (y[i] + 1 > classes) classes = y[i] + 1;
  }
  if (classNames && classes > classNames.length)
    fail('ERR_IO', `${labelsFile}: label ${classes - 1} is outside the ${classNames.length} classes`);
  const features = h * w;
  const info = { y, rows, features, classes: classNames?.length ?? classes, sampleShape: [features], classNames };
  return { pixels: images.data, info };
}

/** Images and labels from a pair of IDX files in `dir` (prefix "train" or "t10k"), with the checks that they agree. */
export function loadIdxPair(dir: string, prefix: string, classNames?: string[]): Dataset {
  const { pixels, info } = readIdxPair(dir, prefix, classNames);
  const x = sharedFloat32(pixels.length);
  for (let i = 0; i < x.length; i++) x[i] = pixels[i] / 255;
  return { x, ...info };
}

/**
 * The same pair with the pixels kept as bytes (a quarter of the floats' memory), on shared memory like the floats,
 * with `scale` 1/255: `new ByteTensor(d.x, [d.rows, d.features], d.scale)` trains exactly as the float form does.
 */
export function loadIdxPairBytes(dir: string, prefix: string, classNames?: string[]): ByteDataset {
  const { pixels, info } = readIdxPair(dir, prefix, classNames);
  const x = sharedUint8(pixels.length);
  x.set(pixels);
  return { x, scale: BYTE_SCALE, ...info };
}

export function loadFashionMnist(dir = FASHION_MNIST_DIR): Split {
  checkDir(dir);
  return { train: loadIdxPair(dir, 'train', FASHION_CLASSES), test: loadIdxPair(dir, 't10k', FASHION_CLASSES) };
}

/** Fashion-MNIST with its pixels as bytes (47 MB for the training set instead of 188): see loadIdxPairBytes. */
export function loadFashionMnistBytes(dir = FASHION_MNIST_DIR): ByteSplit {
  checkDir(dir);
  return { train: loadIdxPairBytes(dir, 'train', FASHION_CLASSES), test: loadIdxPairBytes(dir, 't10k', FASHION_CLASSES) };
}

function checkDir(dir: string): void {
  if (!fs.existsSync(dir)) {
    fail(
      'ERR_IO',
      `fashion-mnist: directory ${dir} not found; ` +
        `install it with \`apt-get install dataset-fashion-mnist\` or pass the directory that holds the IDX files`,
    );
  }
}
