/**
 * Small CIFAR-format data sets made in tests: each class a distinct
 * colour-and-stripe pattern plus noise, so a tiny network can learn it.
 */
import type { CifarData, ImageSet } from '../data/types';
import { Rng } from '../core/random';

/** `count` images of 32x32x3 bytes in CIFAR's channel-major layout. */
export function syntheticImageSet(
  count: number,
  classes = 10,
  seed = 1,
): ImageSet {
  const rng = new Rng(seed);
  const images = new Uint8Array(count * 3072);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const label = i % classes;
    labels[i] = label;
    for (let ch = 0; ch < 3; ch++) {
      const base = ((label * (ch + 3) * 37) % 200) + 20;
      for (let p = 0; p < 1024; p++) {
        const stripe =
          ((p >> 5) + (p & 31) * (label % 3)) % (label + 2) === 0 ? 40 : 0;
        const v = base + stripe + Math.floor(rng.uniform(-20, 20));
        images[i * 3072 + ch * 1024 + p] = Math.max(0, Math.min(255, v));
      }
    }
  }
  return { images, labels, count };
}

/** A CifarData with `count` training images and no test set. */
export function syntheticCifar(count: number, classes = 10): CifarData {
  return {
    train: syntheticImageSet(count, classes),
    test: { images: new Uint8Array(0), labels: new Uint8Array(0), count: 0 },
    classNames: Array.from({ length: classes }, (_, i) => `class${i}`),
  };
}

/** The bytes of a CIFAR-10 .bin batch holding `set`. */
export function cifarBatchBytes(set: ImageSet): Uint8Array {
  const out = new Uint8Array(set.count * 3073);
  for (let i = 0; i < set.count; i++) {
    out[i * 3073] = set.labels[i];
    out.set(set.images.subarray(i * 3072, (i + 1) * 3072), i * 3073 + 1);
  }
  return out;
}
