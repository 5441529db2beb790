import { describe, expect, it } from 'vitest';
import { Rng } from '../core/random';
import { CIFAR_MEAN, CIFAR_STD, makeBatch } from './augment';
import type { ImageSet } from './types';

/** Pixel value of image i, channel c, row y, column x: never 0, so padding stands out. */
function pixel(i: number, c: number, y: number, x: number): number {
  return 1 + ((i * 37 + c * 80 + y * 3 + x * 5) % 255);
}

function handMade(count: number): ImageSet {
  const images = new Uint8Array(count * 3072);
  for (let i = 0; i < count; i++) {
    for (let c = 0; c < 3; c++) {
      for (let y = 0; y < 32; y++) {
        for (let x = 0; x < 32; x++) {
          images[i * 3072 + c * 1024 + y * 32 + x] = pixel(i, c, y, x);
        }
      }
    }
  }
  const labels = Uint8Array.from({ length: count }, (_, i) => i % 10);
  return { images, labels, count };
}

/** ToTensor then Normalize in float32, as PyTorch computes them. */
function normalise(v: number, c: number): number {
  const f = Math.fround;
  return f(f(f(v / 255) - f(CIFAR_MEAN[c])) / f(CIFAR_STD[c]));
}

/** The transform written the slow, obvious way: pad to 40x40, crop, flip. */
function expected(
  i: number,
  dy: number,
  dx: number,
  flip: boolean,
): Float32Array {
  const padded = (c: number, py: number, px: number) => {
    const y = py - 4;
    const x = px - 4;
    return y >= 0 && y < 32 && x >= 0 && x < 32 ? pixel(i, c, y, x) : 0;
  };
  const out = new Float32Array(32 * 32 * 3);
  for (let y = 0; y < 32; y++) {
    for (let x = 0; x < 32; x++) {
      const cx = flip ? 31 - x : x;
      for (let c = 0; c < 3; c++) {
        out[(y * 32 + x) * 3 + c] = normalise(padded(c, y + dy, cx + dx), c);
      }
    }
  }
  return out;
}

/** An Rng that returns scripted draws from next(), to force a given crop and flip. */
class Scripted extends Rng {
  constructor(private readonly draws: number[]) {
    super(0);
  }

  next(): number {
    return this.draws.shift()!;
  }
}

describe('makeBatch', () => {
  it('normalises without augmentation when no rng is given, in NHWC order', () => {
    const set = handMade(2);
    const { x, y, size } = makeBatch(set, [1, 0], null);

    expect(size).toBe(2);
    expect([...y]).toEqual([1, 0]);
    expect(x.length).toBe(2 * 32 * 32 * 3);
    expect(x.subarray(0, 3072)).toEqual(expected(1, 4, 4, false));
    expect(x.subarray(3072)).toEqual(expected(0, 4, 4, false));

    // Pixel (y=2, x=5), channel 1 of image 0, against plain double arithmetic.
    const v = pixel(0, 1, 2, 5);
    expect(x[3072 + (2 * 32 + 5) * 3 + 1]).toBeCloseTo(
      (v / 255 - 0.48215827) / 0.24348505,
      5,
    );
  });

  it('maps 0 and 255 to the extremes of each channel', () => {
    const images = new Uint8Array(3072);
    images.fill(255, 0, 1024);
    const set = { images, labels: new Uint8Array([0]), count: 1 };
    const { x } = makeBatch(set, [0], null);

    expect(x[0]).toBeCloseTo((1 - 0.49139968) / 0.24703233, 5);
    expect(x[1]).toBeCloseTo(-0.48215827 / 0.24348505, 5);
    expect(x[2]).toBeCloseTo(-0.44653124 / 0.26158768, 5);
  });

  it('crops from the zero-padded image and flips, padded pixels at -mean/std', () => {
    // dy = floor(0 * 9) = 0, dx = floor(0.95 * 9) = 8, flip since 0.1 < 0.5.
    const set = handMade(1);
    const { x } = makeBatch(set, [0], new Scripted([0, 0.95, 0.1]));
    const at = (row: number, col: number, c: number) =>
      x[(row * 32 + col) * 3 + c];
    const pad = [0, 1, 2].map((c) => -CIFAR_MEAN[c] / CIFAR_STD[c]);

    // Rows 0-3 come from the top padding.
    expect(at(0, 10, 0)).toBeCloseTo(pad[0], 5);
    expect(at(3, 10, 2)).toBeCloseTo(pad[2], 5);
    expect(pad[0]).toBeCloseTo(-1.98921, 4);

    // Output column 0 reads crop column 31 = padded column 39: right padding.
    expect(at(4, 0, 1)).toBeCloseTo(pad[1], 5);
    expect(at(4, 3, 1)).toBeCloseTo(pad[1], 5);

    // Output (row, col) reads padded (row, 39 - col) = image (row - 4, 35 - col).
    expect(at(4, 4, 0)).toBe(normalise(pixel(0, 0, 0, 31), 0));
    expect(at(5, 31, 2)).toBe(normalise(pixel(0, 2, 1, 4), 2));
    expect(at(31, 20, 1)).toBe(normalise(pixel(0, 1, 27, 15), 1));
  });

  it('matches the padded crop and flip recomputed from the same seeded draws', () => {
    const set = handMade(3);
    const indices = [0, 1, 2, 2, 1, 0, 0, 1, 2, 1, 0, 2];
    const { x } = makeBatch(set, indices, new Rng(2024));

    // Draw order per image: dy, dx, then flip.
    const twin = new Rng(2024);
    const seen = { flips: 0, shifted: 0 };
    indices.forEach((i, b) => {
      const dy = twin.int(9);
      const dx = twin.int(9);
      const flip = twin.next() < 0.5;
      if (flip) seen.flips++;
      if (dy !== 4 || dx !== 4) seen.shifted++;
      expect(x.subarray(b * 3072, (b + 1) * 3072)).toEqual(
        expected(i, dy, dx, flip),
      );
    });
    expect(seen.flips).toBeGreaterThan(0);
    expect(seen.flips).toBeLessThan(indices.length);
    expect(seen.shifted).toBeGreaterThan(0);
  });

  it('rejects an index outside the set', () => {
    expect(() => makeBatch(handMade(2), [0, 2], null)).toThrow(
      'makeBatch: index 2 at batch position 1 is outside the image set (0-1)',
    );
  });
});
