import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, useBackend } from '../testing/fixtures';
import {
  avgPool3x3,
  batchNorm,
  conv2d,
  depthwiseConv,
  matMul,
  maxPool3x3,
  pointwiseConv,
  subsample2,
  sumAll,
} from './kernels';
import { Rng } from './random';

/**
 * Checks the analytic gradient of a scalar function of several inputs
 * against central finite differences along random directions:
 * <∇f, v> ≈ (f(x + εv) − f(x − εv)) / 2ε. Float32, so ε is not tiny and the
 * function is made smooth-ish (random inputs, no exact ties).
 */
async function checkGradients(
  f: (...xs: tf.Tensor[]) => tf.Scalar,
  inputs: tf.Tensor[],
  seed: number,
  eps = 1e-2,
  tol = 2e-3,
): Promise<void> {
  const rng = new Rng(seed);
  const grads = tf.grads((...xs: tf.Tensor[]) => f(...xs))(inputs);
  for (let trial = 0; trial < 3; trial++) {
    const dirs = inputs.map((x) =>
      tf.tensor(
        rng.fill(x.size, () => rng.normal()),
        x.shape,
      ),
    );
    const analytic = tf.tidy(() =>
      tf.addN(grads.map((g, i) => g.mul(dirs[i]).sum())),
    );
    const plus = tf.tidy(() =>
      f(...inputs.map((x, i) => x.add(dirs[i].mul(eps)))),
    );
    const minus = tf.tidy(() =>
      f(...inputs.map((x, i) => x.sub(dirs[i].mul(eps)))),
    );
    const a = (await analytic.data())[0];
    const fd = ((await plus.data())[0] - (await minus.data())[0]) / (2 * eps);
    const scale = Math.max(1, Math.abs(fd));
    expect(
      Math.abs(a - fd) / scale,
      `directional derivative ${a} vs ${fd}`,
    ).toBeLessThan(tol);
    tf.dispose([...dirs, analytic, plus, minus]);
  }
  tf.dispose(grads);
}

function randn(shape: number[], seed: number): tf.Tensor {
  const rng = new Rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    rng.fill(n, () => rng.normal()),
    shape,
  );
}

/** A fixed random projection so the loss uses every output element. */
function project(y: tf.Tensor, seed: number): tf.Scalar {
  return y.mul(randn(y.shape, seed)).sum();
}

type T4 = tf.Tensor4D;

for (const backend of BACKENDS) {
  describe(`kernel gradients on ${backend} against finite differences`, () => {
    beforeAll(() => useBackend(backend));

    for (const [stride, dilation, k] of [
      [1, 1, 3],
      [2, 1, 5],
      [1, 2, 3],
      [2, 2, 5],
    ]) {
      it(`depthwise ${k}x${k} stride ${stride} dilation ${dilation}`, async () => {
        const x = randn([2, 8, 8, 3], 1);
        const w = randn([k, k, 3, 1], 2);
        const pad = (dilation * (k - 1)) / 2;
        await checkGradients(
          (a, b) =>
            project(
              depthwiseConv(a as T4, b as tf.Tensor4D, stride, pad, dilation),
              3,
            ),
          [x, w],
          4,
        );
      });
    }

    it('full 3x3 convolution with padding 1 (the stem)', async () => {
      await checkGradients(
        (a, b) => project(conv2d(a as T4, b as tf.Tensor4D, 1), 3),
        [randn([2, 6, 6, 3], 1), randn([3, 3, 3, 4], 2)],
        5,
      );
    });

    it('1x7 then 7x1 convolution', async () => {
      await checkGradients(
        (a, b, c) =>
          project(
            conv2d(
              conv2d(a as T4, b as tf.Tensor4D, 0, 3),
              c as tf.Tensor4D,
              3,
              0,
            ),
            3,
          ),
        [
          randn([1, 8, 8, 2], 1),
          randn([1, 7, 2, 2], 2),
          randn([7, 1, 2, 2], 6),
        ],
        5,
      );
    });

    it('pointwise convolution and matMul', async () => {
      await checkGradients(
        (a, b) => project(pointwiseConv(a as T4, b as tf.Tensor2D), 3),
        [randn([2, 4, 4, 3], 1), randn([3, 5], 2)],
        6,
      );
      await checkGradients(
        (a, b) => project(matMul(a as tf.Tensor2D, b as tf.Tensor2D), 3),
        [randn([4, 3], 1), randn([3, 2], 2)],
        7,
      );
    });

    for (const stride of [1, 2]) {
      it(`3x3 max and average pooling, stride ${stride}`, async () => {
        const x = randn([2, 8, 8, 2], 11);
        // Max pooling has kinks: a smaller step, and float32 noise allows 5e-3.
        await checkGradients(
          (a) => project(maxPool3x3(a as T4, stride), 3),
          [x],
          8,
          1e-3,
          5e-3,
        );
        await checkGradients(
          (a) => project(avgPool3x3(a as T4, stride), 3),
          [x],
          9,
        );
      });
    }

    it('batch norm with and without affine parameters', async () => {
      const x = randn([4, 3, 3, 2], 1);
      await checkGradients(
        (a) => project(batchNorm(a as T4, null, null), 3),
        [x],
        10,
      );
      await checkGradients(
        (a, g, b) =>
          project(batchNorm(a as T4, g as tf.Tensor1D, b as tf.Tensor1D), 3),
        [x, randn([2], 4), randn([2], 5)],
        12,
      );
    });

    it('subsampling and chunked sums', async () => {
      const x = randn([2, 4, 4, 3], 1);
      await checkGradients((a) => project(subsample2(a as T4, 1), 3), [x], 13);
      const ts = Array.from({ length: 9 }, (_, i) => randn([2, 3], 20 + i));
      await checkGradients((...xs) => project(sumAll(xs), 3), ts, 14);
    });
  });
}
