/**
 * One search step as the reference takes it (REFERENCE.md §3.3): the
 * architecture step on a fresh architecture batch first, then the weight
 * step on the training batch with the updated alphas.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Architect } from './architect';
import { crossEntropy } from './kernels';
import { clipCoefficient, globalNorm, type Sgd } from './optimizers';
import type { SearchNetwork } from './searchNetwork';

type T4 = tf.Tensor4D;
type T1 = tf.Tensor1D;

/** The loss, logits and gradient norm of a weight step (caller disposes). */
export interface WeightStepResult {
  loss: tf.Scalar;
  logits: tf.Tensor2D;
  gradNorm: tf.Scalar;
}

/**
 * SGD on the weights: gradient clipped to `gradClip` in global norm, then L2
 * and momentum inside the update. The alphas are not touched.
 */
export function weightStep(
  net: SearchNetwork,
  sgd: Sgd,
  x: T4,
  y: T1,
  lr: number,
  gradClip: number,
): WeightStepResult {
  const weights = net.weights;

  const { loss, logits, grads, gradNorm } = tf.tidy(() => {
    let out: tf.Tensor2D | null = null;
    const { value, grads: g } = tf.variableGrads(() => {
      out = tf.keep(net.forward(x));
      return crossEntropy(out, y);
    }, weights);
    const list = weights.map((w) => g[w.name]);
    const norm = globalNorm(list);
    const coef = clipCoefficient(norm, gradClip);
    return {
      loss: value,
      logits: out! as tf.Tensor2D,
      grads: list.map((t) => t.mul(coef)),
      gradNorm: norm,
    };
  });

  sgd.step(weights, grads, lr);
  tf.dispose(grads);
  return { loss, logits, gradNorm };
}

/** Tensors of one search step's batches. */
export interface StepBatch {
  xTrain: T4;
  yTrain: T1;
  xVal: T4;
  yVal: T1;
}

/** Losses and logits of one full step, for the running metrics (caller disposes). */
export interface SearchStepResult {
  trainLoss: tf.Scalar;
  trainLogits: tf.Tensor2D;
  valLoss: tf.Scalar;
  valLogits: tf.Tensor2D;
}

/** Alphas first (architecture batch, current weights), then weights. */
export function searchStep(
  net: SearchNetwork,
  architect: Architect,
  sgd: Sgd,
  b: StepBatch,
  lr: number,
  gradClip: number,
): SearchStepResult {
  const arch = architect.step(b.xTrain, b.yTrain, b.xVal, b.yVal, lr);
  const w = weightStep(net, sgd, b.xTrain, b.yTrain, lr, gradClip);

  w.gradNorm.dispose();
  return {
    trainLoss: w.loss,
    trainLogits: w.logits,
    valLoss: arch.valLoss,
    valLogits: arch.valLogits,
  };
}
