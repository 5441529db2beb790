/**
 * BatchNorm2d as the reference builds it: with or without the affine pair,
 * and, in evaluation networks, with running statistics that train mode
 * updates and eval mode normalises with (REFERENCE.md §5, momentum 0.1,
 * unbiased variance in the running average).
 */
import * as tf from '@tensorflow/tfjs-core';
import { BN_EPS, batchNorm, type BatchStatsSink } from './kernels';
import type { ParamStore } from './params';

type T4 = tf.Tensor4D;

/** PyTorch's BatchNorm2d momentum: running = 0.9·running + 0.1·batch. */
export const BN_MOMENTUM = 0.1;

export interface BatchNormLayer {
  readonly store: ParamStore;
  readonly affine: [tf.Variable, tf.Variable] | null;
  readonly running: { mean: tf.Variable; variance: tf.Variable } | null;
}

/**
 * Registers a BatchNorm under `prefix` ('….weight', '….bias', and the
 * running buffers when the store tracks them), in the reference's order.
 */
export function makeBatchNorm(
  store: ParamStore,
  prefix: string,
  c: number,
  affine: boolean,
): BatchNormLayer {
  const pair = affine ? store.batchNormAffine(prefix, c) : null;
  const running = store.trackRunningStats
    ? {
        mean: store.buffer(`${prefix}.running_mean`, [c], 0),
        variance: store.buffer(`${prefix}.running_var`, [c], 1),
      }
    : null;

  return { store, affine: pair, running };
}

/** Applies `bn` in the store's current mode. */
export function applyBatchNorm(x: T4, bn: BatchNormLayer): T4 {
  const gamma = (bn.affine?.[0] ?? null) as tf.Tensor1D | null;
  const beta = (bn.affine?.[1] ?? null) as tf.Tensor1D | null;

  if (bn.running === null || bn.store.statsFrozen) {
    return batchNorm(x, gamma, beta);
  }
  if (!bn.store.training) return normaliseWithRunning(x, bn, gamma, beta);

  return batchNorm(x, gamma, beta, runningUpdate(bn.running));
}

function runningUpdate(running: {
  mean: tf.Variable;
  variance: tf.Variable;
}): BatchStatsSink {
  return (mean, variance, count) => {
    tf.tidy(() => {
      const keep = 1 - BN_MOMENTUM;
      // The running variance averages the unbiased estimate, as PyTorch.
      const unbiased = variance.mul(count / Math.max(count - 1, 1));
      running.mean.assign(
        running.mean.mul(keep).add(mean.reshape([-1]).mul(BN_MOMENTUM)),
      );
      running.variance.assign(
        running.variance.mul(keep).add(unbiased.reshape([-1]).mul(BN_MOMENTUM)),
      );
    });
  };
}

function normaliseWithRunning(
  x: T4,
  bn: BatchNormLayer,
  gamma: tf.Tensor1D | null,
  beta: tf.Tensor1D | null,
): T4 {
  return tf.tidy(() => {
    const { mean, variance } = bn.running!;
    const scale = variance.add(BN_EPS).rsqrt();
    const y = x.sub(mean).mul(gamma ? scale.mul(gamma) : scale);
    return (beta ? y.add(beta) : y) as T4;
  });
}
