import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, useBackend } from '../testing/fixtures';
import { withoutWeightGradients } from './kernels';
import { rematerialise } from './remat';

for (const backend of BACKENDS) {
  describe(`rematerialise on ${backend}`, () => {
    beforeAll(() => useBackend(backend));

    // A block with a weight, an input used twice and a nested remat block,
    // as a cell holds its edges.
    function setup() {
      const w = tf.variable(tf.tensor1d([0.5, -1.5, 2]), true, 'remat_test_w');
      const x = tf.variable(
        tf.tensor2d([1, 2, 3, -4, 5, -6], [2, 3]),
        true,
        'remat_test_x',
      );
      const inner = ([a]: tf.Tensor[]) => tf.relu(a).mul(w).sum(1);
      const outer = ([a, s]: tf.Tensor[]) =>
        rematerialise(inner, [a.mul(s)], [w]).add(a.square().sum(1));
      const loss = (remat: boolean) =>
        remat
          ? rematerialise(outer, [x, tf.scalar(3)], [w]).sum()
          : outer([x, tf.scalar(3)]).sum();
      return { w, x, loss };
    }

    it('gives the gradients of the plain forward', async () => {
      const { w, x, loss } = setup();
      const plain = tf.variableGrads(() => loss(false) as tf.Scalar, [w, x]);
      const remat = tf.variableGrads(() => loss(true) as tf.Scalar, [w, x]);
      for (const v of [w, x]) {
        expect(Array.from(await remat.grads[v.name].data())).toEqual(
          Array.from(await plain.grads[v.name].data()),
        );
      }
      tf.dispose([plain.value, remat.value, plain.grads, remat.grads, w, x]);
    });

    it('keeps numTensors flat across repeated forward and backward', () => {
      const { w, x, loss } = setup();
      const round = () => {
        const g = tf.variableGrads(() => loss(true) as tf.Scalar, [w, x]);
        tf.dispose([g.value, g.grads]);
        const a = withoutWeightGradients(() =>
          tf.variableGrads(() => loss(true) as tf.Scalar, [x]),
        );
        tf.dispose([a.value, a.grads]);
      };
      round();
      const before = tf.memory().numTensors;
      for (let i = 0; i < 5; i++) round();
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([w, x]);
    });
  });
}
