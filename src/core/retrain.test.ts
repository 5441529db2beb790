import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../testing/fixtures';
import { syntheticCifar, syntheticImageSet } from '../testing/syntheticCifar';
import type { CifarData } from '../data/types';
import { DARTS_V2 } from './namedGenotypes';
import { RetrainRun } from './retrain';
import {
  dropPathAt,
  RETRAIN_PRESETS,
  type RetrainConfig,
} from './retrainConfig';

const tiny: RetrainConfig = {
  ...RETRAIN_PRESETS.Demo,
  channels: 4,
  layers: 3,
  batchSize: 8,
  epochs: 3,
  cutout: 16,
  dropPath: 0.3,
  maxImages: 32,
};

function data(train: number, test: number): CifarData {
  return { ...syntheticCifar(train), test: syntheticImageSet(test, 10, 9) };
}

const meta = { backend: 'wasm', dataset: 'synthetic' };

describe('RetrainRun on wasm', () => {
  beforeAll(() => useBackend('wasm'));

  it('keeps tf.memory().numTensors flat across 12 steps and a test', async () => {
    const run = RetrainRun.create(tiny, DARTS_V2, data(64, 30), meta);
    expect(run.stepsPerEpoch).toBe(4);

    // The first step creates the momentum buffers; count from after it.
    run.runStep();
    await run.snapshot();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 12; i++) run.runStep();
    await run.snapshot();
    await run.test();
    expect(tf.memory().numTensors).toBe(before);
    run.dispose();
  });

  it('ramps drop path and anneals the lr to lrMin by epoch', () => {
    expect(dropPathAt(tiny, 0)).toBe(0);
    expect(dropPathAt(tiny, 2)).toBeCloseTo(0.2, 12);
    const run = RetrainRun.create(tiny, DARTS_V2, data(32, 0), meta);
    expect(run.lr).toBe(tiny.lr);
    for (let i = 0; i < 8; i++) run.runStep();
    expect(run.epoch).toBe(2);
    expect(run.lr).toBeCloseTo(tiny.lr * 0.25, 12);
    run.dispose();
  });

  it('tests in eval mode: confusion matrix, per-class and top-1 agree', async () => {
    const run = RetrainRun.create(tiny, DARTS_V2, data(32, 30), meta);
    for (let i = 0; i < 4; i++) run.runStep();
    expect(run.epochEnded).toBe(true);
    const r = (await run.test())!;

    expect(r.epochs).toBe(1);
    expect(r.images).toBe(30);
    expect(r.confusion.reduce((a, b) => a + b, 0)).toBe(30);
    let diagonal = 0;
    for (let k = 0; k < 10; k++) {
      const row = r.confusion.slice(k * 10, k * 10 + 10);
      const total = row.reduce((a, b) => a + b, 0);
      expect(total).toBe(3);
      expect(r.perClass[k]).toBeCloseTo(row[k] / total, 12);
      diagonal += row[k];
    }
    expect(r.accuracy).toBeCloseTo(diagonal / 30, 12);
    expect(Number.isFinite(r.loss)).toBe(true);
    expect(run.net.training).toBe(true);
    run.dispose();
  });

  it('continues bit for bit from a checkpoint', async () => {
    const d = data(32, 10);
    const a = RetrainRun.create(tiny, DARTS_V2, d, meta);
    for (let i = 0; i < 5; i++) a.runStep();
    await a.test();
    const saved = structuredClone(await a.checkpoint());
    const b = RetrainRun.restore(saved, d);
    for (let i = 0; i < 3; i++) {
      a.runStep();
      b.runStep();
    }
    const [wa, wb] = [await a.checkpoint(), await b.checkpoint()];
    expect(wb.step).toBe(8);
    expect(wb.tests).toHaveLength(1);
    wa.weights.forEach((w, i) => expect(wb.weights[i]).toEqual(w));
    wa.buffers.forEach((w, i) => expect(wb.buffers[i]).toEqual(w));
    a.dispose();
    b.dispose();
  });

  it('learns: test accuracy well above chance after a few epochs', async () => {
    const config: RetrainConfig = {
      ...tiny,
      channels: 6,
      batchSize: 16,
      epochs: 4,
      maxImages: 0,
      cutout: 0,
      dropPath: 0,
      lr: 0.05,
    };
    const run = RetrainRun.create(config, DARTS_V2, data(160, 100), meta);
    while (!run.done) run.runStep();
    const r = (await run.test())!;
    expect(r.accuracy).toBeGreaterThan(0.4);
    run.dispose();
  });

  it('names what is wrong with the data', () => {
    const d = data(20, 0);
    expect(() =>
      RetrainRun.create({ ...tiny, numClasses: 5 }, DARTS_V2, d, meta),
    ).toThrow(/label 9 .* set classes to at least 10/);
  });
});
