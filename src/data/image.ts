/**
 * An image the user drops, as the evaluation network reads it: 32x32 RGBA
 * pixels (already resized by the caller) normalised per channel into an
 * NHWC float array.
 */
export const IMAGE_SIDE = 32;

/**
 * (v/255 − mean[c]) / std[c] for the R, G and B of each pixel; alpha is
 * dropped. `rgba` holds 32·32·4 bytes, row-major.
 */
export function normaliseRgba(
  rgba: ArrayLike<number>,
  mean: readonly number[],
  std: readonly number[],
): Float32Array {
  const pixels = IMAGE_SIDE * IMAGE_SIDE;
  if (rgba.length !== pixels * 4) {
    throw new RangeError(
      `normaliseRgba: expected ${pixels * 4} RGBA bytes (32x32), got ` +
        `${rgba.length}; resize the image to 32x32 first`,
    );
  }
  const out = new Float32Array(pixels * 3);
  for (let p = 0; p < pixels; p++) {
    for (let c = 0; c < 3; c++) {
      out[p * 3 + c] = (rgba[p * 4 + c] / 255 - mean[c]) / std[c];
    }
  }
  return out;
}
