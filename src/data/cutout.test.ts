import { describe, expect, it } from 'vitest';
import { Rng } from '../core/random';
import type { Batch } from './augment';
import { applyCutout } from './cutout';

/** An Rng whose int() returns queued values, to place cutout centres by hand. */
class QueuedRng extends Rng {
  readonly asked: number[] = [];

  constructor(private readonly queue: number[]) {
    super(0);
  }

  int(n: number): number {
    this.asked.push(n);
    const v = this.queue.shift();
    if (v === undefined) throw new Error('QueuedRng: queue is empty');
    return v;
  }
}

/** A batch whose every value is nonzero and distinct, so zeroes stand out. */
function filledBatch(size: number): Batch {
  const x = Float32Array.from({ length: size * 32 * 32 * 3 }, (_, i) => i + 1);
  return { x, y: new Int32Array(size), size };
}

/** The (image, row, col) of every pixel with all three channels zero. */
function zeroedPixels(batch: Batch): Set<string> {
  const out = new Set<string>();
  for (let p = 0; p < batch.size * 1024; p++) {
    const zeros = [0, 1, 2].filter((c) => batch.x[p * 3 + c] === 0).length;
    expect(zeros === 0 || zeros === 3).toBe(true);
    if (zeros === 3) {
      out.add(
        `${Math.floor(p / 1024)},${Math.floor((p % 1024) / 32)},${p % 32}`,
      );
    }
  }
  return out;
}

function square(b: number, y1: number, y2: number, x1: number, x2: number) {
  const out = new Set<string>();
  for (let y = y1; y < y2; y++) {
    for (let x = x1; x < x2; x++) out.add(`${b},${y},${x}`);
  }
  return out;
}

describe('applyCutout', () => {
  it('zeroes the 16x16 square [8, 24) x [8, 24) for centre (16, 16)', () => {
    const batch = filledBatch(1);
    applyCutout(batch, 16, new QueuedRng([16, 16]));

    expect(zeroedPixels(batch)).toEqual(square(0, 8, 24, 8, 24));
  });

  it('clips the square at the corner: centre (0, 0) zeroes 8x8', () => {
    const batch = filledBatch(1);
    applyCutout(batch, 16, new QueuedRng([0, 0]));

    expect(zeroedPixels(batch)).toEqual(square(0, 0, 8, 0, 8));
  });

  it('draws row then column, each over 0..31, one centre per image', () => {
    const batch = filledBatch(2);
    const rng = new QueuedRng([31, 2, 5, 20]);
    applyCutout(batch, 16, rng);

    expect(rng.asked).toEqual([32, 32, 32, 32]);
    expect(zeroedPixels(batch)).toEqual(
      new Set([...square(0, 23, 32, 0, 10), ...square(1, 0, 13, 12, 28)]),
    );
  });

  it('leaves every other value untouched', () => {
    const batch = filledBatch(2);
    const before = batch.x.slice();
    applyCutout(batch, 16, new QueuedRng([3, 30, 17, 9]));

    const zeroed = zeroedPixels(batch);
    for (let i = 0; i < before.length; i++) {
      const p = Math.floor(i / 3);
      const key = `${Math.floor(p / 1024)},${Math.floor((p % 1024) / 32)},${p % 32}`;
      if (!zeroed.has(key)) expect(batch.x[i]).toBe(before[i]);
    }
    expect(batch.y).toEqual(new Int32Array(2));
  });

  it('rounds an odd half-length down, as the reference does', () => {
    const batch = filledBatch(1);
    applyCutout(batch, 5, new QueuedRng([10, 10]));

    expect(zeroedPixels(batch)).toEqual(square(0, 8, 12, 8, 12));
  });

  it('gives the same result for the same seed', () => {
    const a = filledBatch(4);
    const b = filledBatch(4);
    applyCutout(a, 16, new Rng(7));
    applyCutout(b, 16, new Rng(7));

    expect(a.x).toEqual(b.x);
    expect(zeroedPixels(a).size).toBeGreaterThan(0);
  });

  it('does nothing and draws nothing for length 0', () => {
    const batch = filledBatch(1);
    const before = batch.x.slice();
    const rng = new QueuedRng([]);
    applyCutout(batch, 0, rng);

    expect(batch.x).toEqual(before);
    expect(rng.asked).toEqual([]);
  });

  it('rejects a negative or fractional length', () => {
    const batch = filledBatch(1);

    expect(() => applyCutout(batch, -1, new Rng(0))).toThrow(/length -1/);
    expect(() => applyCutout(batch, 2.5, new Rng(0))).toThrow(/length 2.5/);
  });

  it('rejects a batch whose size does not match its data', () => {
    const batch = { ...filledBatch(1), size: 2 };

    expect(() => applyCutout(batch, 16, new Rng(0))).toThrow(/makeBatch/);
  });
});
