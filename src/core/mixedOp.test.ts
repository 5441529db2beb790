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
import { MixedOp } from './mixedOp';
import { ParamStore, toTorchLayout } from './params';
import { Rng } from './random';

interface MixedCase {
  id: string;
  stride: number;
  C: number;
  g: TensorRecord;
  alpha: TensorRecord;
  params: TensorRecord[];
  y: TensorRecord;
  dalpha: TensorRecord;
  dx: TensorRecord;
  dparams: TensorRecord[];
}

const fixture = loadFixture<{ x: TensorRecord; cases: MixedCase[] }>(
  'torch/mixed_op.json',
);

for (const backend of BACKENDS) {
  describe(`MixedOp on ${backend}`, () => {
    beforeAll(() => useBackend(backend));

    for (const c of fixture.cases) {
      it(`${c.id} matches PyTorch output, dx, dalpha and every weight gradient`, async () => {
        const store = new ParamStore(new Rng(3));
        const mixed = new MixedOp(store, '', c.C, c.stride);
        loadParams(store, c.params);
        const x = nhwc(fixture.x);
        const g = nhwc(c.g);
        const alpha = tf.tensor1d(c.alpha.data);
        const before = tf.memory().numTensors;

        const loss = (xi: tf.Tensor, a: tf.Tensor) => {
          const w = tf.unstack(tf.softmax(a)) as tf.Scalar[];
          const x4 = xi as tf.Tensor4D;
          return mixed
            .apply(x4, tf.relu(x4) as tf.Tensor4D, w)
            .mul(g)
            .sum();
        };
        const out = tf.tidy(() => {
          const y = loss(x, alpha);
          const [dx, da] = tf.grads(loss)([x, alpha]);
          const w = tf.unstack(tf.softmax(alpha)) as tf.Scalar[];
          const yv = mixed.apply(x, tf.relu(x) as tf.Tensor4D, w);
          const pg = tf.variableGrads(
            () => loss(x, alpha) as tf.Scalar,
            store.variables,
          ).grads;
          return { y, yv, dx, da, pg };
        });

        expect(relToMax(await toNchw(out.yv), c.y.data)).toBeLessThan(1e-5);
        expect(relToMax(await toNchw(out.dx), c.dx.data)).toBeLessThan(1e-5);
        expect(relToMax(await out.da.data(), c.dalpha.data)).toBeLessThan(1e-5);
        for (const rec of c.dparams) {
          const p = store.params.find((q) => q.name === rec.name)!;
          const t = toTorchLayout(p.kind, out.pg[p.variable.name]);
          expect(relToMax(await t.data(), rec.data), rec.name).toBeLessThan(
            1e-5,
          );
          t.dispose();
        }

        tf.dispose([out.y, out.yv, out.dx, out.da, ...Object.values(out.pg)]);
        expect(tf.memory().numTensors).toBe(before);
        tf.dispose([x, g, alpha]);
        store.dispose();
      });
    }
  });
}
