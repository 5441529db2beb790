/**
 * The recurrent evaluation model (REFERENCE.md §6.1, §6.3): the discrete
 * cell of a genotype, each node one linear map from its single predecessor
 * and one activation, no batch norm, the output the mean of the concat
 * nodes; tied embedding, embedding dropout and dropouts shared over time.
 */
import * as tf from '@tensorflow/tfjs-core';
import { embeddingLookup, matMul } from './kernels';
import { ParamStore } from './params';
import type { Rng } from './random';
import type { RnnGenotype } from './rnnGenotype';
import {
  bernoulliMask,
  decodeTied,
  INIT_RANGE,
  lockedDropout,
  type RnnDropouts,
  type RnnForward,
} from './rnnSearchModel';
import type { RnnOp } from './rnnSpace';

type T2 = tf.Tensor2D;

export interface RnnEvalOptions {
  tokens: number;
  hidden: number;
  genotype: RnnGenotype;
  dropouts: RnnDropouts;
}

/** Dropouts of rnn/train.py. */
export const EVAL_DROPOUTS: RnnDropouts = {
  output: 0.75,
  hidden: 0.25,
  input: 0.75,
  embeddingOutput: 0.2,
  embedding: 0.1,
};

function activation(op: RnnOp, x: tf.Tensor): tf.Tensor {
  switch (op) {
    case 'tanh':
      return x.tanh();
    case 'relu':
      return x.relu();
    case 'sigmoid':
      return x.sigmoid();
    case 'identity':
      return x;
    case 'none':
      throw new Error(`rnnEvalModel: 'none' cannot be a node's activation`);
  }
}

export class RnnEvalModel {
  readonly store: ParamStore;
  training = true;
  private readonly encoder: tf.Variable;
  private readonly decoderBias: tf.Variable;
  private readonly w0: tf.Variable;
  private readonly ws: tf.Variable[] = [];

  constructor(
    readonly options: RnnEvalOptions,
    rng: Rng,
  ) {
    const { tokens: v, hidden: h, genotype } = options;
    this.store = new ParamStore(rng);
    const uniform = (n: number) =>
      rng.fill(n, () => rng.uniform(-INIT_RANGE, INIT_RANGE));

    this.encoder = this.store.add(
      'encoder.weight',
      'vector',
      [v, h],
      uniform(v * h),
    );
    this.w0 = this.store.add(
      'rnns.0._W0',
      'vector',
      [2 * h, 2 * h],
      uniform(4 * h * h),
    );
    genotype.recurrent.forEach((_, i) => {
      this.ws.push(
        this.store.add(
          `rnns.0._Ws.${i}`,
          'vector',
          [h, 2 * h],
          uniform(2 * h * h),
        ),
      );
    });
    this.decoderBias = this.store.add(
      'decoder.bias',
      'vector',
      [v],
      new Float32Array(v),
    );
  }

  get weights(): tf.Variable[] {
    return this.store.variables;
  }

  get paramCount(): number {
    return this.store.count;
  }

  initHidden(batch: number): T2 {
    return tf.zeros([batch, this.options.hidden]);
  }

  forward(ids: tf.Tensor1D, batch: number, hidden: T2, rng: Rng): RnnForward {
    const steps = ids.shape[0] / batch;
    const { hidden: hs, tokens, dropouts: d } = this.options;
    const on = this.training;
    const mask = (shape: [number, number], p: number) =>
      on ? bernoulliMask(rng, shape, p) : null;
    const xMask = mask([batch, hs], d.input);
    const hMask = mask([batch, hs], d.hidden);
    const embMask = mask([batch, hs], d.embeddingOutput);
    const outMask = mask([batch, hs], d.output);
    const words = mask([tokens, 1], d.embedding);

    const table = words
      ? (this.encoder.mul(words) as T2)
      : (this.encoder as tf.Tensor as T2);
    let embedded = embeddingLookup(table, ids);
    if (embMask) embedded = lockedDropout(embedded, embMask, steps);

    const outputs: T2[] = [];
    let h = hidden;
    for (let t = 0; t < steps; t++) {
      const x = embedded.slice([t * batch, 0], [batch, -1]) as T2;
      h = this.cellStep(x, h, xMask, hMask);
      outputs.push(h);
    }
    const raw = tf.stack(outputs) as tf.Tensor3D;
    let out = raw.reshape([steps * batch, -1]) as T2;
    if (outMask) out = lockedDropout(out, outMask, steps);
    return {
      output: out,
      decode: (rows) => decodeTied(rows, this.encoder, this.decoderBias),
      decoderVars: [this.encoder, this.decoderBias],
      raw,
      hidden: h,
    };
  }

  private cellStep(x: T2, hPrev: T2, xMask: T2 | null, hMask: T2 | null): T2 {
    const xm = xMask ? x.mul(xMask) : x;
    const hm = hMask ? hPrev.mul(hMask) : hPrev;
    const [c0, h0] = tf.split(
      matMul(tf.concat([xm, hm], 1) as T2, this.w0 as tf.Tensor as T2),
      2,
      1,
    );
    const states: tf.Tensor[] = [
      hPrev.add(c0.sigmoid().mul(h0.tanh().sub(hPrev))),
    ];

    this.options.genotype.recurrent.forEach(([op, pred], i) => {
      const s = states[pred];
      const sm = hMask ? s.mul(hMask) : s;
      const [c, pre] = tf.split(
        matMul(sm as T2, this.ws[i] as tf.Tensor as T2),
        2,
        1,
      );
      states.push(s.add(c.sigmoid().mul(activation(op, pre).sub(s))));
    });

    const kept = this.options.genotype.concat.map((i) => states[i]);
    return tf.stack(kept).mean(0) as T2;
  }

  dispose(): void {
    this.store.dispose();
  }
}
