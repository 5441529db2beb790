import { describe, expect, it } from 'vitest';
import { Rng } from '../core/random';
import { EpochSampler, randomBatch, splitIndices } from './split';

describe('splitIndices', () => {
  it('gives the first half to weights and the second to alphas, unshuffled', () => {
    const { weights, arch } = splitIndices(50000, 0.5);

    expect(weights.length).toBe(25000);
    expect(arch.length).toBe(25000);
    expect([weights[0], weights[24999]]).toEqual([0, 24999]);
    expect([arch[0], arch[24999]]).toEqual([25000, 49999]);
  });

  it('rounds the weights half down', () => {
    const { weights, arch } = splitIndices(5, 0.5);

    expect([...weights]).toEqual([0, 1]);
    expect([...arch]).toEqual([2, 3, 4]);
  });

  it('rejects a split that leaves a half empty', () => {
    expect(() => splitIndices(1, 0.5)).toThrow(/both need at least one image/);
    expect(() => splitIndices(100, 1)).toThrow(/portion 1 of 100 images/);
  });
});

describe('EpochSampler', () => {
  it('takes 391 batches per epoch of 25,000, the last of 40, covering each index once', () => {
    const { weights } = splitIndices(50000, 0.5);
    const sampler = new EpochSampler(weights, 64, new Rng(1));
    const seen = new Uint8Array(25000);
    const sizes: number[] = [];
    for (let s = 0; s < sampler.stepsPerEpoch; s++) {
      const batch = sampler.next();
      sizes.push(batch.length);
      for (const i of batch) seen[i]++;
    }

    expect(sampler.stepsPerEpoch).toBe(391);
    expect(sizes.slice(0, 390).every((n) => n === 64)).toBe(true);
    expect(sizes[390]).toBe(40);
    expect(seen.every((n) => n === 1)).toBe(true);
    expect(sampler.epoch).toBe(0);
  });

  it('draws a fresh order each epoch', () => {
    const sampler = new EpochSampler(
      [10, 11, 12, 13, 14, 15, 16, 17],
      8,
      new Rng(5),
    );
    const first = [...sampler.next()];
    const second = [...sampler.next()];

    expect(sampler.epoch).toBe(1);
    expect([...first].sort()).toEqual([10, 11, 12, 13, 14, 15, 16, 17]);
    expect([...second].sort()).toEqual([...first].sort());
    expect(second).not.toEqual(first);
  });

  it('resumes from a saved position with the same batches', () => {
    const indices = Array.from({ length: 100 }, (_, i) => 1000 + i);
    const sampler = new EpochSampler(indices, 32, new Rng(7));
    for (let s = 0; s < 6; s++) sampler.next();
    const saved = JSON.parse(JSON.stringify(sampler.position));
    const ahead = [sampler.next(), sampler.next(), sampler.next()];

    const resumed = new EpochSampler(indices, 32, new Rng(99));
    resumed.restore(saved);

    expect(saved.epoch).toBe(1);
    expect(saved.cursor).toBe(64);
    expect([resumed.next(), resumed.next(), resumed.next()]).toEqual(ahead);
  });
});

describe('randomBatch', () => {
  it('draws distinct indices from the list', () => {
    const indices = Array.from({ length: 25000 }, (_, i) => 25000 + i);
    const batch = randomBatch(indices, 64, new Rng(3));

    expect(batch.length).toBe(64);
    expect(new Set(batch).size).toBe(64);
    expect(batch.every((i) => i >= 25000 && i < 50000)).toBe(true);
  });

  it('returns every index, shuffled, when the batch is larger than the list', () => {
    const batch = randomBatch([4, 5, 6], 64, new Rng(3));

    expect([...batch].sort()).toEqual([4, 5, 6]);
  });

  it('draws each index and each position about equally often', () => {
    const rng = new Rng(11);
    const anywhere = new Array(10).fill(0);
    const first = new Array(10).fill(0);
    const draws = 20000;
    for (let d = 0; d < draws; d++) {
      const batch = randomBatch([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 3, rng);
      first[batch[0]]++;
      for (const i of batch) anywhere[i]++;
    }

    // Expected 6,000 and 2,000; the bounds are about 5 standard deviations.
    for (const n of anywhere) expect(Math.abs(n - 6000)).toBeLessThan(330);
    for (const n of first) expect(Math.abs(n - 2000)).toBeLessThan(220);
  });
});
