import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  BACKENDS,
  loadFixture,
  loadParams,
  nhwc,
  relToMax,
  toNchw,
  useBackend,
  type TensorRecord,
} from '../testing/fixtures';
import { createOp, factorizedReduce, reluConvBn } from './ops';
import { ParamStore, toTorchLayout } from './params';
import { Rng } from './random';
import type { OpName } from './primitives';

interface OpCase {
  id: string;
  op: string;
  stride: number;
  variant: string;
  affine: boolean;
  C_in: number;
  C_out: number;
  x?: string;
  g: string;
  params: TensorRecord[];
  y: TensorRecord;
  L: number;
  dx: TensorRecord;
  dparams: TensorRecord[];
}

const fixture = loadFixture<{
  x: TensorRecord;
  g: Record<string, TensorRecord>;
  cases: OpCase[];
}>('torch/ops.json');

const TOL = 1e-5;

function build(store: ParamStore, c: OpCase) {
  if (c.op.startsWith('factorized') || c.op.startsWith('relu_conv')) {
    return c.op.startsWith('factorized')
      ? factorizedReduce(store, '', c.C_in, c.C_out, c.affine)
      : reluConvBn(store, '', c.C_in, c.C_out, c.affine);
  }
  return createOp(store, c.op as OpName, {
    prefix: '',
    c: c.C_in,
    stride: c.stride,
    affine: c.affine,
    poolBn: c.variant === 'mixedop_bn',
  });
}

for (const backend of BACKENDS) {
  describe(`ops on ${backend}`, () => {
    beforeAll(() => useBackend(backend));

    for (const c of fixture.cases) {
      it(`${c.id} matches PyTorch forward and backward`, async () => {
        const store = new ParamStore(new Rng(1));
        const op = build(store, c);
        loadParams(store, c.params);
        const x = nhwc(fixture.x);
        const g = nhwc(fixture.g[c.g]);
        const vars = store.variables;
        const before = tf.memory().numTensors;

        const f = (xi: tf.Tensor) =>
          op
            .apply(xi as tf.Tensor4D, tf.relu(xi) as tf.Tensor4D)
            .mul(g)
            .sum();
        const { value, grads } = tf.tidy(() => {
          // clone: the identity op returns x itself.
          const y = op.apply(x, tf.relu(x) as tf.Tensor4D).clone();
          const gx = tf.grad(f)(x);
          const pg = vars.length
            ? tf.variableGrads(() => f(x) as tf.Scalar, vars).grads
            : {};
          return { value: y, grads: { gx, pg } };
        });

        expect(relToMax(await toNchw(value), c.y.data)).toBeLessThan(TOL);
        expect(relToMax(await toNchw(grads.gx), c.dx.data)).toBeLessThan(TOL);
        for (const rec of c.dparams) {
          const p = store.params.find((q) => q.name === rec.name)!;
          const t = toTorchLayout(p.kind, grads.pg[p.variable.name]);
          expect(relToMax(await t.data(), rec.data), rec.name).toBeLessThan(
            TOL,
          );
          t.dispose();
        }

        value.dispose();
        grads.gx.dispose();
        tf.dispose(Object.values(grads.pg));
        expect(tf.memory().numTensors).toBe(before);
        x.dispose();
        g.dispose();
        store.dispose();
      });
    }
  });
}
