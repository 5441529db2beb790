import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../testing/fixtures';
import { syntheticCifar } from '../testing/syntheticCifar';
import { PRESETS, type SearchConfig } from './config';
import { parseGenotypeJson } from './genotypeJson';
import { PRIMITIVES } from './primitives';
import { SearchRun } from './search';

const tiny: SearchConfig = {
  ...PRESETS.Demo,
  channels: 2,
  layers: 3,
  batchSize: 2,
  epochs: 2,
  archLr: 3e-2,
};

describe('SearchRun on wasm', () => {
  beforeAll(() => useBackend('wasm'));

  for (const order of ['first', 'second'] as const) {
    it(`keeps tf.memory().numTensors flat across 20 ${order}-order steps`, async () => {
      const data = syntheticCifar(64);
      const run = SearchRun.create({ ...tiny, order }, data, {
        backend: 'wasm',
        dataset: 'synthetic',
      });

      // The first step creates the optimiser slots; count from after it.
      await run.runStep();
      await run.snapshot();
      const before = tf.memory().numTensors;
      for (let i = 0; i < 20; i++) await run.runStep();
      await run.snapshot();
      expect(tf.memory().numTensors).toBe(before);

      run.dispose();
    });
  }

  it('reports snapshots whose alphas move and whose genotype file imports back', async () => {
    const data = syntheticCifar(48);
    const before = tf.memory().numTensors;
    const run = SearchRun.create(tiny, data, {
      backend: 'wasm',
      dataset: 'synthetic',
      source: 'demo',
    });
    expect(run.stepsPerEpoch).toBe(12);
    expect(run.totalSteps).toBe(24);

    await run.runStep();
    const first = await run.snapshot();
    for (let i = 0; i < 3; i++) await run.runStep();
    const second = await run.snapshot();

    expect(second.step).toBe(4);
    expect(second.epoch).toBe(0);
    expect(second.lr).toBeCloseTo(tiny.lr, 10);
    expect(second.opWeightsNormal).toHaveLength(14 * 8);
    expect(Number.isFinite(second.trainLoss)).toBe(true);
    expect(second.trainAcc).toBeGreaterThanOrEqual(0);
    expect(second.trainAcc).toBeLessThanOrEqual(1);
    const moved = second.opWeightsNormal.some(
      (w, i) => Math.abs(w - first.opWeightsNormal[i]) > 1e-6,
    );
    expect(moved).toBe(true);
    // Each row of softmax(alphas) sums to one.
    for (let e = 0; e < 14; e++) {
      const row = second.opWeightsReduce.slice(e * 8, e * 8 + 8);
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    }

    const text = await run.exportGenotype();
    const parsed = parseGenotypeJson(text, 'genotype.json');
    expect(parsed.genotype).toEqual(second.genotype);
    expect(parsed.genotype.normal).toHaveLength(8);
    expect(parsed.run?.step).toBe(4);
    expect(parsed.run?.dataset.source).toBe('demo');
    for (const [op] of parsed.genotype.reduce) {
      expect(PRIMITIVES.slice(1)).toContain(op);
    }

    run.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses data whose labels exceed the number of classes', () => {
    const data = syntheticCifar(20, 10);
    expect(() =>
      SearchRun.create({ ...tiny, numClasses: 5 }, data, {
        backend: 'wasm',
        dataset: 'x',
      }),
    ).toThrow(/label 9 .* 5 classes/);
  });
});

describe('SearchRun is reproducible', () => {
  it('gives the same first-step losses on cpu and wasm for the same seed', async () => {
    const losses: number[] = [];
    for (const b of ['cpu', 'wasm'] as const) {
      await useBackend(b);
      const run = SearchRun.create(
        { ...tiny, batchSize: 2 },
        syntheticCifar(16),
        { backend: b, dataset: 'x' },
      );
      await run.runStep();
      const s = await run.snapshot();
      losses.push(s.trainLoss, s.archLoss);
      run.dispose();
    }
    expect(Math.abs(losses[0] - losses[2])).toBeLessThan(1e-4);
    expect(Math.abs(losses[1] - losses[3])).toBeLessThan(1e-4);
  });
});

describe('SearchRun checkpoints', () => {
  beforeAll(() => useBackend('wasm'));

  it('continues from a checkpoint exactly as the uninterrupted run', async () => {
    const data = syntheticCifar(32);
    const config = { ...tiny, order: 'second' as const };
    const before = tf.memory().numTensors;

    const a = SearchRun.create(config, data, { backend: 'wasm', dataset: 'x' });
    for (let i = 0; i < 2; i++) await a.runStep();
    const cp = await a.checkpoint();
    await a.runStep();
    const [wantNormal] = await a.opWeights();
    a.dispose();

    // Round-trip through structured clone, as IndexedDB stores it.
    const b = SearchRun.restore(structuredClone(cp), data);
    expect(b.step).toBe(2);
    await b.runStep();
    const [gotNormal] = await b.opWeights();
    b.dispose();

    expect(Array.from(gotNormal)).toEqual(Array.from(wantNormal));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses to resume on data of another size', async () => {
    const run = SearchRun.create(tiny, syntheticCifar(32), {
      backend: 'wasm',
      dataset: 'x',
    });
    const cp = await run.checkpoint();
    run.dispose();
    expect(() => SearchRun.restore(cp, syntheticCifar(40))).toThrow(
      /used 32 training images/,
    );
  });
});
