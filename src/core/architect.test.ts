import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  BACKENDS,
  loadFixture,
  loadParams,
  nhwc,
  relToMax,
  useBackend,
  type TensorRecord,
} from '../testing/fixtures';
import { Architect } from './architect';
import { globalNorm, Sgd } from './optimizers';
import { toTorchLayout } from './params';
import { Rng } from './random';
import { SearchNetwork } from './searchNetwork';
import { weightStep } from './searchStep';

type Cells = { normal: TensorRecord; reduce: TensorRecord };

interface Step {
  alpha_grad: Cells;
  alphas_after_adam: Cells;
  weight_step: {
    loss_train: number;
    grad_norm_before_clip: number;
    weights_norm_after: number;
    params_after: TensorRecord[];
  };
}

const fx = loadFixture('torch/search_step.json');
const cfg = fx.config;

function relErr(a: number, b: number): number {
  return Math.abs(a - b) / Math.abs(b);
}

async function maxAbsDiff(t: tf.Tensor, ref: number[]): Promise<number> {
  const d = await t.data();
  return ref.reduce((m, v, i) => Math.max(m, Math.abs(d[i] - v)), 0);
}

for (const backend of BACKENDS) {
  describe(`search step on ${backend} against the PyTorch trajectory`, () => {
    beforeAll(() => useBackend(backend));

    // Whole-cell rematerialisation (the paper config's path) must give the
    // same trajectory as the op-by-op tape.
    const cases = [
      ['init_1e-3', false],
      ['unit_normal', false],
      ['init_1e-3', true],
    ] as const;
    for (const [variant, remat] of cases) {
      for (const order of ['first', 'second'] as const) {
        const title = `${variant}${remat ? ', cells rematerialised' : ''}, ${order} order`;
        it(`${title}: alpha gradients, Adam and the weight step match for two steps`, async () => {
          const v = fx.variants[variant];
          const net = new SearchNetwork(
            {
              channels: cfg.C,
              numClasses: cfg.num_classes,
              layers: cfg.layers,
              rematerialiseCells: remat,
            },
            new Rng(0),
          );
          loadParams(net.store, fx.params);
          net.alphasNormal.assign(tf.tensor2d(v.alphas_normal.data, [14, 8]));
          net.alphasReduce.assign(tf.tensor2d(v.alphas_reduce.data, [14, 8]));
          const sgd = new Sgd(cfg.momentum, cfg.weight_decay);
          const arch = new Architect(net, sgd, {
            order,
            momentum: cfg.momentum,
            weightDecay: cfg.weight_decay,
            archLr: cfg.arch_optimizer.lr,
            archWeightDecay: cfg.arch_optimizer.weight_decay,
            archBeta1: 0.5,
            archBeta2: 0.999,
          });
          const steps: Step[] = v[`${order}_order`].steps;
          const gradTol = order === 'first' ? 1e-4 : 3e-4;

          for (let s = 0; s < steps.length; s++) {
            const ref = steps[s];
            const d = fx.data[s];
            const xTrain = nhwc(d.x_train);
            const xVal = nhwc(d.x_val);
            const yTrain = tf.tensor1d(d.y_train.data, 'int32');
            const yVal = tf.tensor1d(d.y_val.data, 'int32');

            const ag = arch.gradients(xTrain, yTrain, xVal, yVal, cfg.eta);
            expect(
              relToMax(await ag.grads[0].data(), ref.alpha_grad.normal.data),
            ).toBeLessThan(gradTol);
            expect(
              relToMax(await ag.grads[1].data(), ref.alpha_grad.reduce.data),
            ).toBeLessThan(gradTol);
            arch.adam.step(net.alphas, ag.grads);
            tf.dispose([ag.grads, ag.valLoss, ag.valLogits]);
            expect(
              await maxAbsDiff(
                net.alphasNormal,
                ref.alphas_after_adam.normal.data,
              ),
            ).toBeLessThan(1e-6);
            expect(
              await maxAbsDiff(
                net.alphasReduce,
                ref.alphas_after_adam.reduce.data,
              ),
            ).toBeLessThan(1e-6);

            const w = weightStep(
              net,
              sgd,
              xTrain,
              yTrain,
              cfg.eta,
              cfg.grad_clip,
            );
            const ws = ref.weight_step;
            expect(
              relErr((await w.loss.data())[0], ws.loss_train),
            ).toBeLessThan(1e-5);
            expect(
              relErr((await w.gradNorm.data())[0], ws.grad_norm_before_clip),
            ).toBeLessThan(1e-4);
            const norm = globalNorm(net.weights);
            expect(
              relErr((await norm.data())[0], ws.weights_norm_after),
            ).toBeLessThan(1e-6);
            for (const rec of ws.params_after) {
              const p = net.store.params.find((q) => q.name === rec.name)!;
              const t = toTorchLayout(p.kind, p.variable);
              expect(relToMax(await t.data(), rec.data), rec.name).toBeLessThan(
                1e-5,
              );
              t.dispose();
            }
            tf.dispose([
              w.loss,
              w.logits,
              w.gradNorm,
              norm,
              xTrain,
              xVal,
              yTrain,
              yVal,
            ]);
          }

          arch.dispose();
          sgd.dispose();
          net.dispose();
        });
      }
    }
  });
}
