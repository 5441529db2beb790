import * as tf from '@tensorflow/tfjs-core';
import { execFileSync } from 'node:child_process';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, relToMax, useBackend } from '../../testing/fixtures';
import { withoutWeightGradients } from '../kernels';
import { MixedOp } from '../mixedOp';
import { ParamStore } from '../params';
import { Rng } from '../random';
import { batchNorm, maxPool3x3 } from '../kernels';
import { edgeIo } from './edgeWasm';
import { fusedEdgeAvailable, fusedPoolBn, setFusedEdges } from './fusedEdge';

type T4 = tf.Tensor4D;

/** Output, dx, d(op weights) and every variable's gradient of one edge. */
function edgeGrads(
  mixed: MixedOp,
  store: ParamStore,
  x: T4,
  alpha: tf.Tensor1D,
  g: T4,
) {
  return tf.tidy(() => {
    const loss = (xi: tf.Tensor, a: tf.Tensor) => {
      const w = tf.unstack(tf.softmax(a)) as tf.Scalar[];
      const x4 = xi as T4;
      return mixed
        .apply(x4, tf.relu(x4) as T4, w)
        .mul(g)
        .sum();
    };
    const w = tf.unstack(tf.softmax(alpha)) as tf.Scalar[];
    const y = mixed.apply(x, tf.relu(x) as T4, w);
    const [dx, da] = tf.grads(loss)([x, alpha]);
    const pg = tf.variableGrads(
      () => loss(x, alpha) as tf.Scalar,
      store.variables,
    ).grads;
    const [dxOnly, daOnly] = withoutWeightGradients(() =>
      tf.grads(loss)([x, alpha]),
    );
    return {
      y,
      dx,
      da,
      dxOnly,
      daOnly,
      pg: store.variables.map((v) => pg[v.name]),
    };
  });
}

for (const backend of BACKENDS) {
  describe(`fused edge on ${backend}`, () => {
    beforeAll(() => useBackend(backend));
    afterEach(() => setFusedEdges(true));

    it(
      backend === 'wasm'
        ? 'works inside the wasm heap, without copies'
        : 'copies tensors into a memory of its own',
      () => {
        expect(edgeIo()?.shared).toBe(backend === 'wasm');
      },
    );

    // C = 6 leaves a scalar tail after the 4-wide vectors (and 3 channels
    // per FactorizedReduce half); 12 takes one 8-wide and one 4-wide pass.
    for (const [c, stride] of [
      [6, 1],
      [6, 2],
      [8, 2],
      [12, 1],
    ]) {
      it(`C=${c}, stride ${stride}: equals the TF.js path, value and gradients`, async () => {
        const store = new ParamStore(new Rng(11));
        const mixed = new MixedOp(store, '', c, stride);
        const rng = new Rng(4);
        const x = tf.tensor4d(
          rng.fill(3 * 6 * 6 * c, () => rng.normal()),
          [3, 6, 6, c],
        );
        const ho = stride === 2 ? 3 : 6;
        const g = tf.tensor4d(
          rng.fill(3 * ho * ho * c, () => rng.normal()),
          [3, ho, ho, c],
        );
        const alpha = tf.tensor1d(rng.fill(8, () => rng.normal()));
        expect(fusedEdgeAvailable(x, stride)).toBe(true);

        const before = tf.memory().numTensors;
        const fused = edgeGrads(mixed, store, x, alpha, g);
        setFusedEdges(false);
        const plain = edgeGrads(mixed, store, x, alpha, g);

        const pairs: [tf.Tensor, tf.Tensor, string][] = [
          [fused.y, plain.y, 'y'],
          [fused.dx, plain.dx, 'dx'],
          [fused.da, plain.da, 'dalpha'],
          [fused.dxOnly, plain.dx, 'dx without weight gradients'],
          [fused.daOnly, plain.da, 'dalpha without weight gradients'],
          ...fused.pg.map(
            (t, i) =>
              [t, plain.pg[i], store.params[i].name] as [
                tf.Tensor,
                tf.Tensor,
                string,
              ],
          ),
        ];
        for (const [a, b, name] of pairs) {
          expect(relToMax(await a.data(), await b.data()), name).toBeLessThan(
            2e-5,
          );
        }
        tf.dispose([
          ...Object.values(fused).flat(),
          ...Object.values(plain).flat(),
        ] as tf.Tensor[]);
        expect(tf.memory().numTensors).toBe(before);
        tf.dispose([x, g, alpha]);
        store.dispose();
      });
    }

    for (const stride of [1, 2]) {
      it(`max pool, stride ${stride}: ties route dy to the first maximum`, async () => {
        // relu of a normal sample: half the pixels are 0, so most windows
        // have several maxima.
        const rng = new Rng(8);
        const x = tf.tidy(() =>
          tf.relu(
            tf.tensor4d(
              rng.fill(2 * 6 * 6 * 5, () => rng.normal()),
              [2, 6, 6, 5],
            ),
          ),
        ) as T4;
        const ho = stride === 2 ? 3 : 6;
        const g = tf.tensor4d(
          rng.fill(2 * ho * ho * 5, () => rng.normal()),
          [2, ho, ho, 5],
        );
        const loss = (pool: (t: T4) => T4) => (t: tf.Tensor) =>
          pool(t as T4)
            .mul(g)
            .sum();
        const fused = tf.grad(loss((t) => fusedPoolBn(t, stride, true)))(x);
        const plain = tf.grad(
          loss((t) => batchNorm(maxPool3x3(t, stride), null, null)),
        )(x);
        expect(relToMax(await fused.data(), await plain.data())).toBeLessThan(
          1e-5,
        );
        tf.dispose([x, g, fused, plain]);
      });
    }

    it('max pool: a channel of -Infinity past the vectors keeps to itself', async () => {
      // C = 5: channel 4 runs in the scalar tail, whose window once sent
      // dy to element 0 of dx when nothing beat -Infinity.
      const rng = new Rng(9);
      const v = rng.fill(1 * 4 * 4 * 5, () => rng.normal());
      for (let i = 4; i < v.length; i += 5) v[i] = -Infinity;
      const x = tf.tensor4d(v, [1, 4, 4, 5]);
      const g = tf.tensor4d(
        rng.fill(4 * 4 * 5, () => rng.normal()),
        [1, 4, 4, 5],
      );
      const dx = tf.grad((t: tf.Tensor) =>
        fusedPoolBn(t as T4, 1, true)
          .mul(g)
          .sum(),
      )(x);
      const values = await dx.data();
      const firstFour = Array.from(values).filter((_, i) => i % 5 !== 4);
      expect(firstFour.every(Number.isFinite)).toBe(true);
      tf.dispose([x, g, dx]);
    });

    it('is passed over for a reduction edge of odd size', () => {
      const x = tf.zeros([1, 5, 5, 4]) as T4;
      expect(fusedEdgeAvailable(x, 2)).toBe(false);
      expect(fusedEdgeAvailable(x, 1)).toBe(true);
      x.dispose();
    });
  });
}

describe('edge kernels build', () => {
  it('the committed module is the compile of its source', () => {
    // Exits 1 with a message when src/core/fused/edgeKernelsWasm.gen.ts
    // is stale: run `npm run build:kernels` and commit it.
    execFileSync(process.execPath, ['scripts/build-kernels.mjs', '--check'], {
      stdio: 'pipe',
    });
  });
});
