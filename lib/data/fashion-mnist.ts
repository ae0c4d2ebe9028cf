/**
 * Fashion-MNIST from an IDX directory (60,000 train / 10,000 test, 28×28, scaled to [0, 1]).
 * Default directory: where Debian's `dataset-fashion-mnist` package puts it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fail } from '../errors.js';
import { BYTE_SCALE } from '../byte-tensor.js';
import { sharedFloat32, sharedInt32, type ByteDataset, type ByteSplit, type Dataset, type Split } from './dataset.js';
import { readIdx } from './idx.js';
import { readIdxShared } from './idx-shared.js';

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

/** The image and label files of an IDX pair in `dir` (prefix "train" or "t10k"). */
function pairFiles(dir: string, prefix: string) {
  return { imagesFile: findFile(dir, `${prefix}-images-idx3-ubyte`), labelsFile: findFile(dir, `${prefix}-labels-idx1-ubyte`) };
}

/** The labels, checked to agree with the images' dimensions, and what a dataset says about its rows. */
function pairInfo(imagesFile: string, imageDims: number[], labelsFile: string, classNames?: string[]) {
  const labels = readIdx(labelsFile);
  if (imageDims.length !== 3) fail('ERR_IO', `${imagesFile}: expected 3 dimensions (count, rows, cols), got ${imageDims.length}`);
  if (labels.dims.length !== 1) fail('ERR_IO', `${labelsFile}: expected 1 dimension, got ${labels.dims.length}`);
  const [rows, h, w] = imageDims;
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
  return { y, rows, features, classes: classNames?.length ?? classes, sampleShape: [features], classNames };
}

/** Images and labels from a pair of IDX files in `dir` (prefix "train" or "t10k"), with the checks that they agree. */
export function loadIdxPair(dir: string, prefix: string, classNames?: string[]): Dataset {
  const { imagesFile, labelsFile } = pairFiles(dir, prefix);
  const images = readIdx(imagesFile);
  const info = pairInfo(imagesFile, images.dims, labelsFile, classNames);
  const x = sharedFloat32(images.data.length);
  for (let i = 0; i < x.length; i++) x[i] = images.data[i] / 255;
  return { x, ...info };
}

/**
 * The same pair with the pixels kept as bytes (a quarter of the floats' memory), read into shared memory as the file
 * is read and gunzipped (lib/data/idx-shared.ts: never the file and the data, nor two copies, at once), with `scale`
 * 1/255: `new ByteTensor(d.x, [d.rows, d.features], d.scale)` trains exactly as the float form does.
 */
export async function loadIdxPairBytes(dir: string, prefix: string, classNames?: string[]): Promise<ByteDataset> {
  const { imagesFile, labelsFile } = pairFiles(dir, prefix);
  const images = await readIdxShared(imagesFile);
  return { x: images.data, scale: BYTE_SCALE, ...pairInfo(imagesFile, images.dims, labelsFile, classNames) };
}

export function loadFashionMnist(dir = FASHION_MNIST_DIR): Split {
  checkDir(dir);
  return { train: loadIdxPair(dir, 'train', FASHION_CLASSES), test: loadIdxPair(dir, 't10k', FASHION_CLASSES) };
}

/** Fashion-MNIST with its pixels as bytes (47 MB for the training set instead of 188): see loadIdxPairBytes. */
export async function loadFashionMnistBytes(dir = FASHION_MNIST_DIR): Promise<ByteSplit> {
  checkDir(dir);
  return { train: await loadIdxPairBytes(dir, 'train', FASHION_CLASSES), test: await loadIdxPairBytes(dir, 't10k', FASHION_CLASSES) };
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
