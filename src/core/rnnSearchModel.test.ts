import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  BACKENDS,
  loadFixture,
  relToMax,
  useBackend,
} from '../testing/fixtures';
import { Rng } from './random';
import {
  nllLoss,
  RnnSearchModel,
  SEARCH_DROPOUTS,
  tarPenalty,
} from './rnnSearchModel';

const counts = loadFixture<{
  rnn: Record<string, { params_excluding_arch: number; arch_weights: number }>;
}>('param_counts.json').rnn.RNNModelSearch_ntoken10000_ninp300_nhid300;

describe('RnnSearchModel size', () => {
  beforeAll(() => useBackend('cpu'));

  it('has 4,810,000 weights and 180 alphas for 10,000 tokens at 300', () => {
    const model = new RnnSearchModel(
      { tokens: 10000, hidden: 300, dropouts: SEARCH_DROPOUTS },
      new Rng(1),
    );
    expect(model.paramCount).toBe(counts.params_excluding_arch);
    expect(model.alphas.size).toBe(counts.arch_weights);
    model.dispose();
  });
});

for (const backend of BACKENDS) {
  describe(`RnnSearchModel gradients on ${backend}`, () => {
    beforeAll(() => useBackend(backend));

    it('match central finite differences for weights and alphas', async () => {
      const [tokens, batch] = [11, 4];
      const model = new RnnSearchModel(
        { tokens, hidden: 5, dropouts: { ...SEARCH_DROPOUTS, embedding: 0.1 } },
        new Rng(2),
      );
      // Alphas far from uniform, so every activation's weight matters.
      model.alphas.assign(tf.randomNormal([36, 5], 0, 1, 'float32', 3));
      const ids = tf.tensor1d([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0, 1], 'int32');
      const targets = tf.tensor1d(
        [2, 3, 4, 5, 6, 7, 8, 9, 10, 0, 1, 2],
        'int32',
      );
      const hidden = tf.randomNormal(
        [batch, 5],
        0,
        0.5,
        'float32',
        4,
      ) as tf.Tensor2D;

      // The same masks every time: each evaluation restarts the generator.
      const loss = () =>
        tf.tidy(() => {
          const out = model.forward(ids, batch, hidden, new Rng(9));
          return nllLoss(out, targets).add(tarPenalty(out.raw, 0.5));
        }) as tf.Scalar;

      const vars = [...model.weights, model.alphas];
      const { grads } = tf.variableGrads(loss, vars);
      const rng = new Rng(5);
      let worst = 0;
      for (const v of vars) {
        const g = await grads[v.name].data();
        const values = (await v.data()).slice();
        for (let trial = 0; trial < 5; trial++) {
          const i = rng.int(values.length);
          // Small enough for the curvature of BN over 4 samples, large
          // enough for float32 loss values.
          const h = 2e-3;
          const at = (delta: number) => {
            const copy = values.slice();
            copy[i] += delta;
            v.assign(tf.tensor(copy, v.shape));
            const l = loss();
            const value = l.dataSync()[0];
            l.dispose();
            return value;
          };
          const fd = (at(h) - at(-h)) / (2 * h);
          v.assign(tf.tensor(values, v.shape));
          const err = Math.abs(fd - g[i]) / Math.max(1e-2, Math.abs(fd));
          worst = Math.max(worst, err);
        }
      }
      expect(worst).toBeLessThan(2e-2);
      tf.dispose([ids, targets, hidden, ...Object.values(grads)]);
      model.dispose();
    });
  });
}

describe('the decoder in blocks', () => {
  beforeAll(() => useBackend('wasm'));

  it('gives the loss and gradients of the whole decode', async () => {
    const model = new RnnSearchModel(
      { tokens: 13, hidden: 6, dropouts: SEARCH_DROPOUTS },
      new Rng(3),
    );
    const ids = tf.tensor1d([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], 'int32');
    const targets = tf.tensor1d(
      [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0],
      'int32',
    );
    const hidden = model.initHidden(3);
    const vars = [...model.weights, model.alphas];
    const run = (block: number) =>
      tf.variableGrads(() => {
        const out = model.forward(ids, 3, hidden, new Rng(4));
        return nllLoss(out, targets, block);
      }, vars);
    const whole = run(1000);
    const blocks = run(5);
    expect((await blocks.value.data())[0]).toBeCloseTo(
      (await whole.value.data())[0],
      5,
    );
    for (const v of vars) {
      const a = await whole.grads[v.name].data();
      const b = await blocks.grads[v.name].data();
      expect(relToMax(b, a), v.name).toBeLessThan(1e-5);
    }
    tf.dispose([ids, targets, hidden, whole.value, blocks.value]);
    tf.dispose([...Object.values(whole.grads), ...Object.values(blocks.grads)]);
    model.dispose();
  });
});

describe('time steps rematerialised', () => {
  beforeAll(() => useBackend('wasm'));

  it('give the same loss, gradients and running statistics', async () => {
    const build = (remat: boolean) =>
      new RnnSearchModel(
        {
          tokens: 13,
          hidden: 6,
          dropouts: SEARCH_DROPOUTS,
          rematerialiseSteps: remat,
        },
        new Rng(3),
      );
    const ids = tf.tensor1d([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], 'int32');
    const targets = tf.tensor1d(
      [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0],
      'int32',
    );
    const results = [];
    for (const remat of [false, true]) {
      const model = build(remat);
      const hidden = model.initHidden(3);
      const vars = [...model.weights, model.alphas];
      const { value, grads } = tf.variableGrads(() => {
        const out = model.forward(ids, 3, hidden, new Rng(4));
        return nllLoss(out, targets).add(tarPenalty(out.raw, 0.1));
      }, vars);
      results.push({
        loss: (await value.data())[0],
        grads: await Promise.all(vars.map((v) => grads[v.name].data())),
        mean: await model.store.buffers[0].variable.data(),
      });
      tf.dispose([hidden, value, ...Object.values(grads)]);
      model.dispose();
    }
    const [plain, remat] = results;
    expect(remat.loss).toBeCloseTo(plain.loss, 6);
    plain.grads.forEach((g, i) =>
      expect(relToMax(remat.grads[i], g)).toBeLessThan(1e-5),
    );
    expect(relToMax(remat.mean, plain.mean)).toBeLessThan(1e-6);
    tf.dispose([ids, targets]);
  });
});

describe('RnnSearchModel modes', () => {
  beforeAll(() => useBackend('wasm'));

  it('keeps numTensors flat and moves the BN running stats in train mode only', async () => {
    const model = new RnnSearchModel(
      { tokens: 20, hidden: 6, dropouts: SEARCH_DROPOUTS },
      new Rng(2),
    );
    const ids = tf.tensor1d([1, 2, 3, 4, 5, 6], 'int32');
    const hidden = model.initHidden(2);
    const run = () => {
      const out = tf.tidy(() => {
        const o = model.forward(ids, 2, hidden, new Rng(1));
        return o.hidden;
      });
      out.dispose();
    };
    run();
    const before = tf.memory().numTensors;
    const mean = () => model.store.buffers[0].variable.data();
    const m0 = await mean();
    run();
    expect(tf.memory().numTensors).toBe(before);
    const m1 = await mean();
    expect(m1).not.toEqual(m0);
    model.training = false;
    run();
    expect(await mean()).toEqual(m1);
    tf.dispose([ids, hidden]);
    model.dispose();
  });
});
