import { describe, expect, it } from 'vitest';
import { CIFAR_MEAN, CIFAR_STD, makeBatch } from './augment';
import { normaliseRgba } from './image';

describe('normaliseRgba', () => {
  it('equals the training normalisation of the same pixels', () => {
    const rgba = new Uint8Array(32 * 32 * 4);
    const images = new Uint8Array(3072);
    for (let p = 0; p < 1024; p++) {
      for (let c = 0; c < 3; c++) {
        const v = (p * 7 + c * 91) % 256;
        rgba[p * 4 + c] = v;
        images[c * 1024 + p] = v;
      }
      rgba[p * 4 + 3] = 255;
    }
    const x = normaliseRgba(rgba, CIFAR_MEAN, CIFAR_STD);
    const batch = makeBatch(
      { images, labels: new Uint8Array(1), count: 1 },
      [0],
      null,
    );
    for (let i = 0; i < x.length; i++) {
      expect(x[i]).toBeCloseTo(batch.x[i], 5);
    }
  });

  it('refuses an image that is not 32x32', () => {
    expect(() =>
      normaliseRgba(new Uint8Array(10), [0, 0, 0], [1, 1, 1]),
    ).toThrow(/expected 4096 RGBA bytes .* resize/);
  });
});
