import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { relToMax, useBackend } from '../testing/fixtures';
import { Rng } from './random';
import { RnnArchitect, type RnnChunk } from './rnnArchitect';
import { nllLoss, RnnSearchModel } from './rnnSearchModel';

const NO_DROPOUT = {
  output: 0,
  hidden: 0,
  input: 0,
  embeddingOutput: 0,
  embedding: 0,
};

function setup() {
  const model = new RnnSearchModel(
    { tokens: 9, hidden: 4, dropouts: NO_DROPOUT },
    new Rng(4),
  );
  model.alphas.assign(tf.randomNormal([36, 5], 0, 1, 'float32', 8));
  const chunk = (seed: number): RnnChunk => {
    const r = new Rng(seed);
    const ids = Int32Array.from({ length: 12 }, () => r.int(9));
    const next = Int32Array.from({ length: 12 }, () => r.int(9));
    return {
      x: tf.tensor1d(ids, 'int32'),
      y: tf.tensor1d(next, 'int32'),
      batch: 4,
    };
  };
  const hidden = tf.randomNormal([4, 4], 0, 0.3, 'float32', 5) as tf.Tensor2D;
  return { model, train: chunk(1), val: chunk(2), hidden };
}

const options = {
  weightDecay: 5e-7,
  archLr: 3e-3,
  archWeightDecay: 1e-3,
  archBeta1: 0.9,
  archBeta2: 0.999,
};

describe('RnnArchitect', () => {
  beforeAll(() => useBackend('cpu'));

  it('second order with lr 0 is the first-order gradient', async () => {
    const { model, train, val, hidden } = setup();
    const arch = new RnnArchitect(model, {
      ...options,
      order: 'second',
      clip: 0.25,
    });
    const rng = new Rng(1);
    const second = arch.secondOrder(train, hidden, val, hidden, 0, rng);
    const first = arch.firstOrder(val, hidden, rng);
    expect(relToMax(await second.grad.data(), await first.grad.data())).toBe(0);
    tf.dispose([second.grad, second.valLoss, second.hidden]);
    tf.dispose([first.grad, first.valLoss, first.hidden]);
    model.dispose();
  });

  it('second order follows the unrolled validation loss, the implicit term scaled by the clip coefficient', async () => {
    const { model, train, val, hidden } = setup();
    const clip = 0.25;
    const lr = 0.5;
    const arch = new RnnArchitect(model, { ...options, order: 'second', clip });
    const rng = new Rng(1);
    const weights = model.weights;

    // The unrolled loss F(α) = L_val(w − η(clip(∇L_train) + λw), α), with the
    // clip factor frozen at its value for the current α.
    const gradTrain = () =>
      tf.variableGrads(() => {
        const o = model.forward(train.x, 4, hidden, rng);
        return nllLoss(o, train.y);
      }, weights).grads;
    const norm = tf.tidy(() =>
      Math.sqrt(
        Object.values(gradTrain()).reduce(
          (s, g) => s + g.square().sum().dataSync()[0],
          0,
        ),
      ),
    );
    const coef = clip / (norm + 1e-6);
    const scale = Math.min(coef, 1);
    const saved = weights.map((w) => w.clone());
    const unrolledLoss = (): number =>
      tf.tidy(() => {
        const g = gradTrain();
        weights.forEach((w, i) =>
          w.assign(
            saved[i].sub(g[w.name].mul(scale).add(saved[i].mul(5e-7)).mul(lr)),
          ),
        );
        const o = model.forward(val.x, 4, hidden, rng);
        const l = nllLoss(o, val.y).dataSync()[0];
        weights.forEach((w, i) => w.assign(saved[i]));
        return l;
      });

    const got = arch.secondOrder(train, hidden, val, hidden, lr, rng);
    const alphas = (await model.alphas.data()).slice();
    // dα at w′ alone, to separate the implicit term.
    tf.tidy(() => {
      const g = gradTrain();
      weights.forEach((w, i) =>
        w.assign(
          saved[i].sub(g[w.name].mul(scale).add(saved[i].mul(5e-7)).mul(lr)),
        ),
      );
    });
    const direct = arch.firstOrder(val, hidden, rng);
    const dDirect = await direct.grad.data();
    weights.forEach((w, i) => w.assign(saved[i]));

    const g = await got.grad.data();
    const pick = new Rng(3);
    let worst = 0;
    for (let trial = 0; trial < 8; trial++) {
      const i = pick.int(alphas.length);
      const at = (d: number) => {
        const a = alphas.slice();
        a[i] += d;
        model.alphas.assign(tf.tensor2d(a, [36, 5]));
        return unrolledLoss();
      };
      const h = 1e-2;
      const total = (at(h) - at(-h)) / (2 * h);
      model.alphas.assign(tf.tensor2d(alphas, [36, 5]));
      // total = direct + implicit; the reference scales implicit by coef.
      const expected = dDirect[i] + coef * (total - dDirect[i]);
      worst = Math.max(
        worst,
        Math.abs(g[i] - expected) / Math.max(1e-3, Math.abs(expected)),
      );
    }
    expect(worst).toBeLessThan(0.05);
    tf.dispose([got.grad, got.valLoss, got.hidden, saved]);
    tf.dispose([direct.grad, direct.valLoss, direct.hidden]);
    model.dispose();
  });
});
