import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PtbCorpus } from '../data/ptb';
import { useBackend } from '../testing/fixtures';
import { RNN_PRESETS, type RnnSearchConfig } from './rnnConfig';
import { RnnSearchRun } from './rnnSearch';

/** A corpus with a repeating word order, so a tiny model can learn it. */
function corpus(tokens: number): PtbCorpus {
  const vocab = ['<eos>', 'a', 'b', 'c', 'd', 'e', 'f', '<unk>'];
  const stream = (n: number, shift: number) =>
    Int32Array.from({ length: n }, (_, i) => ((i + shift) * 3) % 8);
  return {
    vocab,
    train: stream(tokens, 0),
    valid: stream(tokens / 4, 1),
    test: null,
  };
}

const tiny: RnnSearchConfig = {
  ...RNN_PRESETS.Demo,
  hidden: 6,
  batchSize: 4,
  bptt: 5,
  epochs: 2,
  evalBatchSize: 2,
  maxTokens: 0,
};

describe('RnnSearchRun on wasm', () => {
  beforeAll(() => useBackend('wasm'));

  for (const order of ['first', 'second'] as const) {
    it(`keeps numTensors flat across ${order}-order steps and a validation`, async () => {
      const run = RnnSearchRun.create({ ...tiny, order }, corpus(400));
      run.runStep();
      await run.snapshot();
      const before = tf.memory().numTensors;
      for (let i = 0; i < 6; i++) run.runStep();
      await run.snapshot();
      await run.validate();
      expect(tf.memory().numTensors).toBe(before);
      run.dispose();
    });
  }

  it('walks whole epochs, validates, and moves the alphas', async () => {
    const run = RnnSearchRun.create(tiny, corpus(400));
    const first = await run.opWeights();
    let steps = 0;
    while (!run.epochEnded || steps === 0) {
      run.runStep();
      steps++;
    }
    // 100 rows in columns of 4 tokens: chunks of 5 (or 2) rows while row < 98.
    expect(steps).toBeGreaterThanOrEqual(20);
    expect(steps).toBeLessThanOrEqual(49);
    const ppl = await run.validate();
    expect(Number.isFinite(ppl)).toBe(true);
    const s = await run.snapshot();
    expect(s.epoch).toBe(1);
    expect(s.validPpl).toEqual([ppl]);
    expect(s.genotype.recurrent).toHaveLength(8);
    expect(s.opWeights.some((w, i) => Math.abs(w - first[i]) > 1e-5)).toBe(
      true,
    );
    run.dispose();
  });

  it('learns a repeating stream: validation perplexity falls', async () => {
    const config = { ...tiny, hidden: 16, epochs: 3, lr: 5 };
    const run = RnnSearchRun.create(config, corpus(800));
    const ppl: number[] = [];
    while (!run.done) {
      run.runStep();
      if (run.epochEnded) ppl.push(await run.validate());
    }
    expect(ppl).toHaveLength(3);
    expect(ppl[2]).toBeLessThan(ppl[0]);
    run.dispose();
  });

  it('continues bit for bit from a checkpoint', async () => {
    const c = corpus(400);
    const a = RnnSearchRun.create(tiny, c);
    for (let i = 0; i < 4; i++) a.runStep();
    const b = RnnSearchRun.restore(structuredClone(await a.checkpoint()), c);
    for (let i = 0; i < 3; i++) {
      a.runStep();
      b.runStep();
    }
    const [ca, cb] = [await a.checkpoint(), await b.checkpoint()];
    expect(cb.alphas).toEqual(ca.alphas);
    ca.weights.forEach((w, i) => expect(cb.weights[i]).toEqual(w));
    a.dispose();
    b.dispose();
  });
});
