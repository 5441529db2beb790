import type { Rng } from '../core/random';
import { CIFAR_IMAGE_BYTES } from './cifar';
import type { ImageSet } from './types';

/** Per-channel mean of CIFAR-10's training pixels in [0, 1] (reference utils.py). */
export const CIFAR_MEAN: readonly number[] = [
  0.49139968, 0.48215827, 0.44653124,
];

/** Per-channel standard deviation of CIFAR-10's training pixels in [0, 1]. */
export const CIFAR_STD: readonly number[] = [
  0.24703233, 0.24348505, 0.26158768,
];

/** A batch ready for TF.js: `x` is [size, 32, 32, 3] NHWC, `y` the [size] class ids. */
export interface Batch {
  x: Float32Array;
  y: Int32Array;
  size: number;
}

const SIDE = 32;
const PLANE = SIDE * SIDE;
const PAD = 4;

/**
 * normalised[c * 256 + v] = (v / 255 - mean[c]) / std[c], each step rounded
 * to float32 as PyTorch's ToTensor and Normalize compute it, so values match
 * the reference bit for bit.
 */
const NORMALISED = buildTable();

/**
 * The value of a zero-padded pixel per channel: torchvision pads the raw
 * image with 0 before Normalize, so padding becomes -mean/std, not 0.
 */
const PADDED = new Float32Array([0, 1, 2].map((c) => NORMALISED[c * 256]));

/**
 * Gather images into a normalised NHWC batch; with `rng`, apply the reference's
 * training transform per image: a random 32x32 crop of the image zero-padded
 * by 4, then a horizontal flip with probability 0.5 (draws: dy, dx, flip).
 */
export function makeBatch(
  set: ImageSet,
  indices: ArrayLike<number>,
  rng: Rng | null,
): Batch {
  const size = indices.length;
  const x = new Float32Array(size * PLANE * 3);
  const y = new Int32Array(size);

  for (let b = 0; b < size; b++) {
    const index = indices[b];
    if (!(index >= 0 && index < set.count && Number.isInteger(index))) {
      throw new RangeError(
        `makeBatch: index ${index} at batch position ${b} is outside the ` +
          `image set (0-${set.count - 1})`,
      );
    }
    y[b] = set.labels[index];

    // Crop offsets into the padded 40x40 image; 4 means no shift.
    const dy = rng ? rng.int(2 * PAD + 1) : PAD;
    const dx = rng ? rng.int(2 * PAD + 1) : PAD;
    const flip = rng ? rng.next() < 0.5 : false;
    const src = index * CIFAR_IMAGE_BYTES;
    writeImage(set.images, src, x, b * PLANE * 3, dy, dx, flip);
  }
  return { x, y, size };
}

/** Write one cropped, flipped, normalised image as 32x32x3 at `out[at]`. */
function writeImage(
  images: Uint8Array,
  src: number,
  out: Float32Array,
  at: number,
  dy: number,
  dx: number,
  flip: boolean,
): void {
  const p0 = PADDED[0];
  const p1 = PADDED[1];
  const p2 = PADDED[2];

  for (let row = 0; row < SIDE; row++) {
    const sy = row + dy - PAD;
    const rowInside = sy >= 0 && sy < SIDE;
    for (let col = 0; col < SIDE; col++) {
      // The flip mirrors the crop, so output column col reads crop column 31 - col.
      const sx = (flip ? SIDE - 1 - col : col) + dx - PAD;
      const o = at + (row * SIDE + col) * 3;
      if (rowInside && sx >= 0 && sx < SIDE) {
        const s = src + sy * SIDE + sx;
        out[o] = NORMALISED[images[s]];
        out[o + 1] = NORMALISED[256 + images[s + PLANE]];
        out[o + 2] = NORMALISED[512 + images[s + 2 * PLANE]];
      } else {
        out[o] = p0;
        out[o + 1] = p1;
        out[o + 2] = p2;
      }
    }
  }
}

function buildTable(): Float32Array {
  const table = new Float32Array(3 * 256);
  const f = Math.fround;
  for (let c = 0; c < 3; c++) {
    const mean = f(CIFAR_MEAN[c]);
    const std = f(CIFAR_STD[c]);
    for (let v = 0; v < 256; v++) {
      table[c * 256 + v] = f(f(f(v / 255) - mean) / std);
    }
  }
  return table;
}
