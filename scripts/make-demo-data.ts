/**
 * Build the embedded demo set in public/demo/ from Debian's
 * dataset-fashion-mnist package: real Fashion-MNIST images written as
 * CIFAR-10 binary batches, so the app reads them with the same parser.
 *
 * Selection (fixed, no randomness): data_batch_1.bin holds the first 100
 * images of each class in the training file's order, test_batch.bin the first
 * 20 of each class from the test file. Classes are interleaved (0, 1, …, 9,
 * 0, 1, …) so any prefix of 10k images is balanced. Each 28x28 grayscale image
 * gets a 2-pixel zero border (32x32) and is copied into all 3 channels.
 *
 * Usage: npm run demo-data [-- /path/to/fashion-mnist]
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import {
  CIFAR_IMAGE_BYTES,
  CIFAR_RECORD_BYTES,
  parseCifarBatch,
} from '../src/data/cifar';

const SOURCE = process.argv[2] ?? '/usr/share/datasets/fashion-mnist';
const LICENCE = '/usr/share/doc/dataset-fashion-mnist/copyright';
const OUT = fileURLToPath(new URL('../public/demo/', import.meta.url));

const TRAIN_PER_CLASS = 100;
const TEST_PER_CLASS = 20;
const CLASSES = 10;
const SIDE = 28;
const BORDER = 2;

/** Fashion-MNIST's class names in label order (from its README). */
const CLASS_NAMES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

interface Idx {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
}

/** Read an IDX image file and its label file (both gzipped). */
function readIdx(images: string, labels: string): Idx {
  const img = gunzipSync(readFileSync(join(SOURCE, images)));
  const lab = gunzipSync(readFileSync(join(SOURCE, labels)));
  const iv = new DataView(img.buffer, img.byteOffset, img.byteLength);
  const lv = new DataView(lab.buffer, lab.byteOffset, lab.byteLength);
  if (iv.getUint32(0) !== 0x803 || lv.getUint32(0) !== 0x801) {
    throw new Error(`${images} / ${labels}: not IDX image and label files`);
  }

  const count = iv.getUint32(4);
  if (iv.getUint32(8) !== SIDE || iv.getUint32(12) !== SIDE) {
    throw new Error(`${images}: images are not ${SIDE}x${SIDE}`);
  }
  if (lv.getUint32(4) !== count) {
    throw new Error(`${labels}: label count differs from ${images}`);
  }
  return {
    images: img.subarray(16, 16 + count * SIDE * SIDE),
    labels: lab.subarray(8, 8 + count),
    count,
  };
}

/** Indices of the first `perClass` images of each class, interleaved by class. */
function pick(set: Idx, perClass: number): number[] {
  const byClass: number[][] = Array.from({ length: CLASSES }, () => []);
  for (let i = 0; i < set.count; i++) {
    const list = byClass[set.labels[i]];
    if (list.length < perClass) list.push(i);
  }

  const order: number[] = [];
  for (let k = 0; k < perClass; k++) {
    for (let c = 0; c < CLASSES; c++) order.push(byClass[c][k]);
  }
  return order;
}

/** CIFAR-10 records: label byte, then R, G, B planes of the bordered image. */
function toCifar(set: Idx, order: number[]): Uint8Array {
  const out = new Uint8Array(order.length * CIFAR_RECORD_BYTES);
  const plane = CIFAR_IMAGE_BYTES / 3;
  const side = SIDE + 2 * BORDER;
  order.forEach((index, r) => {
    const at = r * CIFAR_RECORD_BYTES;
    out[at] = set.labels[index];
    for (let y = 0; y < SIDE; y++) {
      const row = set.images.subarray(
        (index * SIDE + y) * SIDE,
        (index * SIDE + y + 1) * SIDE,
      );
      const to = (y + BORDER) * side + BORDER;
      for (let c = 0; c < 3; c++) out.set(row, at + 1 + c * plane + to);
    }
  });
  return out;
}

function licenceText(): string {
  return `Demo data set of DARTS Studio: Fashion-MNIST images in CIFAR-10 format
=======================================================================

Where the images come from
  Fashion-MNIST by Zalando Research (https://github.com/zalandoresearch/fashion-mnist),
  as packaged by Debian in dataset-fashion-mnist
  (/usr/share/datasets/fashion-mnist/*-idx*-ubyte.gz).
  Han Xiao, Kashif Rasul, Roland Vollgraf. Fashion-MNIST: a Novel Image
  Dataset for Benchmarking Machine Learning Algorithms. arXiv:1708.07747.

How they were converted (scripts/make-demo-data.ts, no randomness)
  data_batch_1.bin: the first ${TRAIN_PER_CLASS} images of each class, in the order of
    train-images-idx3-ubyte (${TRAIN_PER_CLASS * CLASSES} images).
  test_batch.bin: the first ${TEST_PER_CLASS} images of each class, in the order of
    t10k-images-idx3-ubyte (${TEST_PER_CLASS * CLASSES} images).
  Records are interleaved by class (0, 1, ..., 9, 0, 1, ...), so every prefix
  of a multiple of 10 images is balanced.
  Each 28x28 grayscale image is surrounded by a 2-pixel border of zeros
  (32x32) and copied into the red, green and blue planes of a CIFAR-10
  binary record (1 label byte + 3,072 pixel bytes).
  batches.meta.txt lists the Fashion-MNIST class names in label order.

Licence of the images (Debian's copyright file for the package, verbatim)
--------------------------------------------------------------------------
${readFileSync(LICENCE, 'utf8')}`;
}

function main(): void {
  const train = readIdx(
    'train-images-idx3-ubyte.gz',
    'train-labels-idx1-ubyte.gz',
  );
  const test = readIdx(
    't10k-images-idx3-ubyte.gz',
    't10k-labels-idx1-ubyte.gz',
  );
  const files: Array<[string, Uint8Array | string]> = [
    ['data_batch_1.bin', toCifar(train, pick(train, TRAIN_PER_CLASS))],
    ['test_batch.bin', toCifar(test, pick(test, TEST_PER_CLASS))],
    ['batches.meta.txt', `${CLASS_NAMES.join('\n')}\n`],
    ['LICENSE-fashion-mnist.txt', licenceText()],
  ];

  // Parse each batch back so a broken conversion never reaches the app.
  mkdirSync(OUT, { recursive: true });
  for (const [name, content] of files) {
    if (content instanceof Uint8Array) parseCifarBatch(name, content);
    writeFileSync(join(OUT, name), content);
    console.log(`wrote public/demo/${name} (${content.length} bytes)`);
  }
}

main();
