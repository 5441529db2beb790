/**
 * The search cell: two preprocessed inputs, four intermediate nodes each fed
 * by a MixedOp from every earlier state, output the channel concatenation of
 * the four nodes (REFERENCE.md §1.3).
 */
import * as tf from '@tensorflow/tfjs-core';
import { sumAll } from './kernels';
import { MixedOp } from './mixedOp';
import { factorizedReduce, reluConvBn, type Op } from './ops';
import type { ParamStore } from './params';
import { STEPS } from './primitives';

type T4 = tf.Tensor4D;

export type CellKind = 'normal' | 'reduce';

export class SearchCell {
  readonly kind: CellKind;
  private readonly preprocess0: Op;
  private readonly preprocess1: Op;
  /** 14 edges, node by node, inputs ascending (edgeIndex order). */
  readonly edges: MixedOp[] = [];

  constructor(
    store: ParamStore,
    prefix: string,
    cPrevPrev: number,
    cPrev: number,
    c: number,
    kind: CellKind,
    reductionPrev: boolean,
  ) {
    this.kind = kind;

    // c_{k-2} is twice the spatial size of c_{k-1} after a reduction cell.
    this.preprocess0 = reductionPrev
      ? factorizedReduce(store, `${prefix}preprocess0.`, cPrevPrev, c, false, 'preprocess')
      : reluConvBn(store, `${prefix}preprocess0.`, cPrevPrev, c, false);
    this.preprocess1 = reluConvBn(store, `${prefix}preprocess1.`, cPrev, c, false);

    for (let node = 0; node < STEPS; node++) {
      for (let input = 0; input < node + 2; input++) {
        const stride = kind === 'reduce' && input < 2 ? 2 : 1;
        const e = this.edges.length;
        this.edges.push(new MixedOp(store, `${prefix}_ops.${e}.`, c, stride));
      }
    }
  }

  /**
   * s0 = c_{k-2}, s1 = c_{k-1} [N,H,W,C_in]; opWeights[edge][op] scalars of
   * softmax(alphas) for this cell's kind. Returns [N,H',W',4C].
   */
  apply(s0: T4, s1: T4, opWeights: tf.Scalar[][]): T4 {
    const states: T4[] = [
      this.preprocess0.apply(s0, tf.relu(s0)),
      this.preprocess1.apply(s1, tf.relu(s1)),
    ];
    // Every conv op of every edge out of a state starts with its ReLU:
    // compute it once per state.
    const relus: T4[] = states.map((s) => tf.relu(s));

    let e = 0;
    for (let node = 0; node < STEPS; node++) {
      const sums: T4[] = [];
      for (let input = 0; input < node + 2; input++, e++) {
        sums.push(this.edges[e].apply(states[input], relus[input], opWeights[e]));
      }
      const s = sumAll(sums);
      states.push(s);
      relus.push(tf.relu(s));
    }

    return tf.concat(states.slice(2), 3);
  }
}
