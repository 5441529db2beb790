/**
 * MixedOp: one edge of the search cell, the softmax-weighted sum of all
 * eight candidate ops (REFERENCE.md §1.2).
 */
import * as tf from '@tensorflow/tfjs-core';
import { createOp, type Op } from './ops';
import type { ParamStore } from './params';
import { PRIMITIVES } from './primitives';

type T4 = tf.Tensor4D;

export class MixedOp {
  /** One op per PRIMITIVES entry, in that order; ops[0] is 'none'. */
  readonly ops: Op[];

  constructor(store: ParamStore, prefix: string, c: number, stride: number) {
    this.ops = PRIMITIVES.map((name, k) =>
      createOp(store, name, {
        prefix: `${prefix}_ops.${k}.`,
        c,
        stride,
        affine: false,
        poolBn: true,
      }),
    );
  }

  /**
   * The weighted op outputs w_k·op_k(x) for k ≥ 1. 'none' is skipped: it
   * contributes exact zeros, while its weight still sits in the softmax that
   * produced `opWeights` (8 scalars).
   */
  terms(x: T4, xr: T4, opWeights: tf.Scalar[]): T4[] {
    const out: T4[] = [];
    for (let k = 1; k < this.ops.length; k++) {
      out.push(this.ops[k].apply(x, xr).mul(opWeights[k]));
    }
    return out;
  }

  /** Σ_k w_k·op_k(x) for one input x [N,H,W,C] and its ReLU xr. */
  apply(x: T4, xr: T4, opWeights: tf.Scalar[]): T4 {
    return tf.addN(this.terms(x, xr, opWeights));
  }
}
