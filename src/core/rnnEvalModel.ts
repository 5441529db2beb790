/**
 * The recurrent evaluation model (REFERENCE.md §6.1, §6.3): the discrete
 * cell of a genotype, each node one linear map from its single predecessor
 * and one activation, no batch norm, the output the mean of the concat
 * nodes; tied embedding, embedding dropout and dropouts shared over time.
 */
import * as tf from '@tensorflow/tfjs-core';
import { matMul } from './kernels';
import { ParamStore } from './params';
import type { Rng } from './random';
import type { RnnGenotype } from './rnnGenotype';
import {
  addRnnWeights,
  drawRnnMasks,
  runRnn,
  type RnnDropouts,
  type RnnForward,
  type RnnWeights,
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
  private readonly parts: RnnWeights;

  constructor(
    readonly options: RnnEvalOptions,
    rng: Rng,
  ) {
    const { tokens, hidden, genotype } = options;
    this.store = new ParamStore(rng);
    this.parts = addRnnWeights(
      this.store,
      rng,
      tokens,
      hidden,
      genotype.recurrent.length,
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
    const masks = drawRnnMasks(this.training ? rng : null, batch, this.options);
    return runRnn(this.parts, ids, batch, hidden, masks, (x, h) =>
      this.cellStep(x, h, masks.x, masks.h),
    );
  }

  private cellStep(x: T2, hPrev: T2, xMask: T2 | null, hMask: T2 | null): T2 {
    const xm = xMask ? x.mul(xMask) : x;
    const hm = hMask ? hPrev.mul(hMask) : hPrev;
    const [c0, h0] = tf.split(
      matMul(tf.concat([xm, hm], 1) as T2, this.parts.w0 as tf.Tensor as T2),
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
        matMul(sm as T2, this.parts.ws[i] as tf.Tensor as T2),
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
