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
import { dropPath, EvalCell } from './evalCell';
import { EvalNetwork, type EvalOutput } from './evalNetwork';
import type { Genotype, GenotypeEdge } from './genotype';
import { DARTS_V2, NAMED_GENOTYPES } from './namedGenotypes';
import { ParamStore, toTorchLayout } from './params';
import { Rng } from './random';

interface Generated {
  seed: number;
  multiplier: number;
  modulus: number;
  n: number;
  checksum: { sum_q: number; first_q: number[]; last_q: number[] };
}

interface BatchRecord {
  x: TensorRecord;
  labels: TensorRecord;
  logits: TensorRecord;
  logits_aux: TensorRecord;
  loss: { ce_main: number; ce_aux: number; total: number };
  dx: TensorRecord;
  named_grads: TensorRecord[];
  logits_eval_after_one_train_forward: TensorRecord;
}

interface CountConfig {
  genotype: string;
  C: number;
  layers: number;
  num_classes: number;
  total: number;
  auxiliary_head: number;
  excluding_auxiliary: number;
}

interface RawGenotype {
  normal: GenotypeEdge[];
  normal_concat: number[];
  reduce: GenotypeEdge[];
  reduce_concat: number[];
}

const fixture = loadFixture<{
  params: (TensorRecord & { generated?: Generated })[];
  batches: Record<'n2' | 'n4', BatchRecord>;
  param_counts: { ALL_SKIP_genotype: RawGenotype; configs: CountConfig[] };
}>('torch/eval_net.json');

function fromRaw(g: RawGenotype): Genotype {
  return {
    normal: g.normal,
    normalConcat: g.normal_concat,
    reduce: g.reduce,
    reduceConcat: g.reduce_concat,
  };
}

const GENOTYPES: Record<string, Genotype> = {
  ...NAMED_GENOTYPES,
  ALL_SKIP: fromRaw(fixture.param_counts.ALL_SKIP_genotype),
};

/** The fixture's recipe for the one weight too large to store. */
function generatedValues(g: Generated): number[] {
  const values = new Array<number>(g.n);
  let state = g.seed;
  for (let i = 0; i < g.n; i++) {
    state = (state * g.multiplier) % g.modulus;
    values[i] = ((state % 1024) - 512) * 2 ** -14;
  }
  return values;
}

function fixtureParams(): TensorRecord[] {
  return fixture.params.map((p) => {
    if (p.generated === undefined) return p;
    const data = generatedValues(p.generated);
    const q = data.map((v) => v * 2 ** 14);
    expect(q.reduce((a, b) => a + b, 0)).toBe(p.generated.checksum.sum_q);
    expect(q.slice(0, 8)).toEqual(p.generated.checksum.first_q);
    expect(q.slice(-8)).toEqual(p.generated.checksum.last_q);
    return { ...p, data };
  });
}

function fixtureNetwork(rematerialiseCells = false): EvalNetwork {
  const net = new EvalNetwork(
    {
      genotype: DARTS_V2,
      channels: 4,
      layers: 5,
      numClasses: 10,
      auxiliary: true,
      rematerialiseCells,
    },
    new Rng(3),
  );
  loadParams(net.store, fixtureParams());
  return net;
}

describe('EvalNetwork parameter counts', () => {
  beforeAll(() => useBackend('cpu'));

  for (const c of fixture.param_counts.configs) {
    const label = `${c.genotype} C=${c.C} L=${c.layers}`;
    it(`${label}: ${c.total} in all, ${c.auxiliary_head} in the head`, () => {
      const net = new EvalNetwork(
        {
          genotype: GENOTYPES[c.genotype],
          channels: c.C,
          layers: c.layers,
          numClasses: c.num_classes,
          auxiliary: true,
        },
        new Rng(1),
      );
      expect(net.paramCount).toBe(c.total);
      expect(net.auxParamCount).toBe(c.auxiliary_head);
      expect(net.paramCount - net.auxParamCount).toBe(c.excluding_auxiliary);
      net.dispose();
    });
  }

  it('DARTS_V2 at C=36, 20 layers has 3,349,342 weights without the head', () => {
    const net = new EvalNetwork(
      {
        genotype: DARTS_V2,
        channels: 36,
        layers: 20,
        numClasses: 10,
        auxiliary: false,
      },
      new Rng(1),
    );
    expect(net.paramCount).toBe(3_349_342);
    net.dispose();
  });

  for (const [name, genotype] of Object.entries(NAMED_GENOTYPES)) {
    it(`${name} builds, counts as the op-by-op formula and runs`, async () => {
      const opts = { channels: 8, layers: 5, numClasses: 10 };
      const net = new EvalNetwork(
        { genotype, ...opts, auxiliary: true },
        new Rng(1),
      );
      expect(net.paramCount - net.auxParamCount).toBe(
        countByFormula(genotype, opts.channels, opts.layers, opts.numClasses),
      );
      const x = tf.randomNormal([2, 32, 32, 3]) as tf.Tensor4D;
      const out = tf.tidy(
        () => ({ ...net.forward(x) }) as tf.TensorContainer,
      ) as EvalOutput;
      expect(out.logits.shape).toEqual([2, 10]);
      expect(out.logitsAux?.shape).toEqual([2, 10]);
      expect(Number.isFinite((await out.logits.data())[0])).toBe(true);
      tf.dispose([x, out.logits, out.logitsAux!]);
      net.dispose();
    });
  }
});

for (const backend of BACKENDS) {
  describe(`EvalNetwork against PyTorch on ${backend}`, () => {
    beforeAll(() => useBackend(backend));

    for (const remat of [false, true])
      it(`batch of 4: logits, aux logits, loss, dx and named grads${remat ? ', cells rematerialised' : ''}`, async () => {
        const b = fixture.batches.n4;
        const net = fixtureNetwork(remat);
        const x = nhwc(b.x);
        const labels = tf.tensor1d(b.labels.data, 'int32');
        const before = tf.memory().numTensors;

        const { logits, logitsAux, loss } = tf.tidy(() => {
          const out = net.forward(x);
          return {
            logits: out.logits,
            logitsAux: out.logitsAux!,
            loss: net.loss(x, labels, 0.4),
          };
        });
        expect(relToMax(await logits.data(), b.logits.data)).toBeLessThan(2e-5);
        expect(
          relToMax(await logitsAux!.data(), b.logits_aux.data),
        ).toBeLessThan(2e-5);
        expect((await loss.data())[0]).toBeCloseTo(b.loss.total, 5);

        const { dx, grads } = tf.tidy(() => {
          const f = (xi: tf.Tensor) => net.loss(xi as tf.Tensor4D, labels, 0.4);
          return {
            dx: tf.grad(f)(x),
            grads: tf.variableGrads(() => f(x), net.weights).grads,
          };
        });
        expect(relToMax(await toNchw(dx), b.dx.data)).toBeLessThan(1e-4);
        for (const rec of b.named_grads) {
          const p = net.store.params.find((q) => q.name === rec.name)!;
          const t = toTorchLayout(p.kind, grads[p.variable.name]);
          expect(relToMax(await t.data(), rec.data), rec.name).toBeLessThan(
            1e-4,
          );
          t.dispose();
        }

        tf.dispose([logits, logitsAux!, loss, dx, ...Object.values(grads)]);
        expect(tf.memory().numTensors).toBe(before);
        tf.dispose([x, labels]);
        net.dispose();
      });

    for (const size of ['n2', 'n4'] as const) {
      it(`${size}: eval mode after one train forward uses running stats`, async () => {
        const b = fixture.batches[size];
        const net = fixtureNetwork();
        const x = nhwc(b.x);

        tf.tidy(() => {
          net.forward(x);
        });
        net.setTraining(false);
        const out = tf.tidy(
          () => ({ ...net.forward(x) }) as tf.TensorContainer,
        ) as EvalOutput;

        expect(out.logitsAux).toBeNull();
        expect(
          relToMax(
            await out.logits.data(),
            b.logits_eval_after_one_train_forward.data,
          ),
        ).toBeLessThan(1e-5);
        tf.dispose([x, out.logits]);
        net.dispose();
      });
    }
  });
}

describe('EvalNetwork rematerialised on wasm', () => {
  beforeAll(() => useBackend('wasm'));

  it('updates the BN running statistics once per step, not again in the backward pass', async () => {
    const b = fixture.batches.n4;
    const net = fixtureNetwork(true);
    const x = nhwc(b.x);
    const labels = tf.tensor1d(b.labels.data, 'int32');
    tf.tidy(() => {
      tf.variableGrads(() => net.loss(x, labels, 0.4), net.weights);
    });
    net.setTraining(false);
    const logits = tf.tidy(() => net.forward(x).logits);
    expect(
      relToMax(await logits.data(), b.logits_eval_after_one_train_forward.data),
    ).toBeLessThan(1e-5);
    tf.dispose([x, labels, logits]);
    net.dispose();
  });
});

describe('drop path', () => {
  beforeAll(() => useBackend('cpu'));

  const skips = (n: number): GenotypeEdge[] =>
    Array.from({ length: 2 * n }, (_, k) => [
      'skip_connect',
      k % 2 === 0 ? 0 : 1,
    ]);

  async function cellOutputs(edges: GenotypeEdge[]) {
    const store = new ParamStore(new Rng(5));
    store.trackRunningStats = true;
    const cell = new EvalCell(
      store,
      'c.',
      edges,
      [2, 3],
      8,
      8,
      8,
      false,
      false,
    );
    const s = tf.randomNormal([6, 8, 8, 8], 0, 1, 'float32', 9) as tf.Tensor4D;
    const plain = tf.tidy(() => cell.apply(s, s, null));
    const dropped = tf.tidy(() =>
      cell.apply(s, s, { prob: 0.9, rng: new Rng(11) }),
    );
    const result = [await plain.data(), await dropped.data()];
    tf.dispose([s, plain, dropped]);
    store.dispose();
    return result;
  }

  it('never touches a stride-1 skip (identity)', async () => {
    const [plain, dropped] = await cellOutputs(skips(2));
    expect(relToMax(dropped, plain)).toBe(0);
  });

  it('drops whole samples of every other op, scaled by 1/keep', async () => {
    const edges: GenotypeEdge[] = [
      ['sep_conv_3x3', 0],
      ['max_pool_3x3', 1],
      ['avg_pool_3x3', 0],
      ['dil_conv_3x3', 1],
    ];
    const [plain, dropped] = await cellOutputs(edges);
    expect(relToMax(dropped, plain)).toBeGreaterThan(0.5);
  });

  it('keeps a fraction 1 − p of the samples, each scaled by 1/(1 − p)', async () => {
    const x = tf.ones([4000, 1, 1, 1]) as tf.Tensor4D;
    const y = dropPath(x, { prob: 0.2, rng: new Rng(7) });
    const v = await y.data();
    const kept = v.filter((e) => e !== 0);
    expect(kept.every((e) => Math.abs(e - 1.25) < 1e-6)).toBe(true);
    expect(Math.abs(kept.length / 4000 - 0.8)).toBeLessThan(0.03);
    tf.dispose([x, y]);
  });
});

/**
 * The evaluation network's weight count without the auxiliary head, from
 * the reference's layer shapes op by op: an independent check of the built
 * network for genotypes the fixtures do not count (NASNet, AmoebaNet).
 */
function countByFormula(
  g: Genotype,
  c0: number,
  layers: number,
  classes: number,
): number {
  const bn = (c: number) => 2 * c;
  const sep = (c: number, k: number) => 2 * (c * k * k + c * c + bn(c));
  const op = (name: string, c: number, stride: number): number => {
    switch (name) {
      case 'sep_conv_3x3':
        return sep(c, 3);
      case 'sep_conv_5x5':
        return sep(c, 5);
      case 'sep_conv_7x7':
        return sep(c, 7);
      case 'dil_conv_3x3':
        return c * 9 + c * c + bn(c);
      case 'dil_conv_5x5':
        return c * 25 + c * c + bn(c);
      case 'conv_7x1_1x7':
        return 2 * 7 * c * c + bn(c);
      case 'skip_connect':
        return stride === 1 ? 0 : c * c + bn(c);
      default:
        return 0;
    }
  };

  const stem = 3 * c0;
  let total = 27 * stem + bn(stem);
  let [cPP, cP, c] = [stem, stem, c0];
  const reductions = [Math.floor(layers / 3), Math.floor((2 * layers) / 3)];
  for (let i = 0; i < layers; i++) {
    const reduce = reductions.includes(i);
    if (reduce) c *= 2;
    // ReLUConvBN and FactorizedReduce (two 1x1 convs to c/2) weigh the same.
    total += cPP * c + bn(c);
    total += cP * c + bn(c);
    const edges = reduce ? g.reduce : g.normal;
    for (const [name, input] of edges) {
      total += op(name, c, reduce && input < 2 ? 2 : 1);
    }
    [cPP, cP] = [cP, c * (reduce ? g.reduceConcat : g.normalConcat).length];
  }
  return total + cP * classes + classes;
}
