import type { Rng } from '../core/random';
import type { Batch } from './augment';

const SIDE = 32;
const CHANNELS = 3;

/**
 * Cutout (reference utils.py `Cutout`), in place on a normalised NHWC batch
 * of [size, 32, 32, 3]: per image, draw a centre row y then column x, each
 * uniform over 0..31, and zero rows [y - length/2, y + length/2) by the same
 * columns, clipped to the image, in all three channels.
 *
 * As in the reference, the half-length is rounded down (`length // 2`), so an
 * odd length zeroes a square one pixel narrower. A length of 0 draws nothing
 * and leaves the batch as it is.
 *
 * Porting note: the reference draws each image's centre inside its data
 * loader, between that image's crop and flip; here all centres are drawn
 * after the batch is made, from whichever `Rng` the caller passes (keep it
 * apart from the crop/flip one so turning cutout on does not change crops).
 */
export function applyCutout(batch: Batch, length: number, rng: Rng): void {
  if (!Number.isInteger(length) || length < 0) {
    throw new RangeError(
      `applyCutout: length ${length} is not an integer >= 0; pass the ` +
        'cutout side in pixels (16 in the reference), or 0 for none',
    );
  }
  const expected = batch.size * SIDE * SIDE * CHANNELS;
  if (batch.x.length !== expected) {
    throw new RangeError(
      `applyCutout: batch.x holds ${batch.x.length} values; a batch of ` +
        `${batch.size} 32x32x3 images holds ${expected}. Make it with makeBatch`,
    );
  }
  if (length === 0) return;

  const half = Math.floor(length / 2);
  for (let b = 0; b < batch.size; b++) {
    const y = rng.int(SIDE);
    const x = rng.int(SIDE);
    const y1 = Math.max(0, y - half);
    const y2 = Math.min(SIDE, y + half);
    const x1 = Math.max(0, x - half);
    const x2 = Math.min(SIDE, x + half);

    // NHWC, so one row's run of columns is contiguous across the channels.
    const image = b * SIDE * SIDE * CHANNELS;
    for (let row = y1; row < y2; row++) {
      const start = image + (row * SIDE + x1) * CHANNELS;
      batch.x.fill(0, start, start + (x2 - x1) * CHANNELS);
    }
  }
}
