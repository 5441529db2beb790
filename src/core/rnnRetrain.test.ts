import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PtbCorpus } from '../data/ptb';
import { useBackend } from '../testing/fixtures';
import { Rng } from './random';
import { EVAL_DROPOUTS, RnnEvalModel } from './rnnEvalModel';
import { RNN_DARTS_V2 } from './rnnGenotype';
import { RNN_RETRAIN_PRESETS, RnnRetrainRun } from './rnnRetrain';

function corpus(tokens: number): PtbCorpus {
  const vocab = ['<eos>', 'a', 'b', 'c', 'd', 'e', 'f', '<unk>'];
  const stream = (n: number, shift: number) =>
    Int32Array.from({ length: n }, (_, i) => ((i + shift) * 3) % 8);
  return {
    vocab,
    train: stream(tokens, 0),
    valid: stream(tokens / 4, 1),
    test: stream(tokens / 4, 2),
  };
}

const tiny = {
  ...RNN_RETRAIN_PRESETS.Demo,
  hidden: 12,
  batchSize: 4,
  bptt: 5,
  epochs: 3,
  evalBatchSize: 2,
  testBatchSize: 2,
  maxTokens: 0,
  lr: 5,
};

describe('RnnEvalModel', () => {
  beforeAll(() => useBackend('cpu'));

  it('has 22,960,000 weights for DARTS_V2 at 850 on 10,000 tokens', () => {
    const m = new RnnEvalModel(
      {
        tokens: 10000,
        hidden: 850,
        genotype: RNN_DARTS_V2,
        dropouts: EVAL_DROPOUTS,
      },
      new Rng(1),
    );
    // Embedding (tied) 8.5 M + bias 10 k + W0 1700² + 8 × 850·1700.
    expect(m.paramCount).toBe(8_500_000 + 10_000 + 2_890_000 + 11_560_000);
    m.dispose();
  });
});

describe('RnnRetrainRun on wasm', () => {
  beforeAll(() => useBackend('wasm'));

  it('keeps numTensors flat across steps and an epoch end', async () => {
    const run = new RnnRetrainRun(tiny, RNN_DARTS_V2, corpus(400));
    run.runStep();
    await run.snapshot();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) run.runStep();
    await run.snapshot();
    expect(tf.memory().numTensors).toBe(before);
    run.dispose();
  });

  it('continues bit for bit from a checkpoint, through an epoch end', async () => {
    const c = corpus(400);
    const a = new RnnRetrainRun(tiny, RNN_DARTS_V2, c);
    while (!a.epochEnded || a.step === 0) a.runStep();
    await a.endEpoch();
    for (let i = 0; i < 2; i++) a.runStep();
    const b = RnnRetrainRun.restore(structuredClone(await a.checkpoint()), c);
    for (let i = 0; i < 4; i++) {
      a.runStep();
      b.runStep();
    }
    const [ca, cb] = [await a.checkpoint(), await b.checkpoint()];
    ca.weights.forEach((w, i) => expect(cb.weights[i]).toEqual(w));
    expect(cb.validLoss).toEqual(ca.validLoss);
    expect(cb.best?.loss).toBe(ca.best?.loss);
    a.dispose();
    b.dispose();
  });

  it('learns: validation perplexity falls; test uses the best weights', async () => {
    const run = new RnnRetrainRun(tiny, RNN_DARTS_V2, corpus(800));
    const ppl: number[] = [];
    while (!run.done) {
      run.runStep();
      if (run.epochEnded) ppl.push(await run.endEpoch());
    }
    expect(ppl).toHaveLength(3);
    expect(ppl[2]).toBeLessThan(ppl[0]);
    const test = await run.runTest();
    expect(Number.isFinite(test)).toBe(true);
    const s = await run.snapshot();
    expect(s.bestValidPpl).toBeCloseTo(Math.min(...ppl), 6);
    expect(s.testPpl).toBe(test);
    run.dispose();
  });
});
