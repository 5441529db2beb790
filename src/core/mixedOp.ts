/**
 * MixedOp: one edge of the search cell, the softmax-weighted sum of all
 * eight candidate ops (REFERENCE.md §1.2).
 */
import * as tf from '@tensorflow/tfjs-core';
import { createOp, type Op } from './ops';
import type { ParamStore } from './params';
import { PRIMITIVES } from './primitives';
import { rematerialise } from './remat';
import {
  edgeLayout,
  type EdgeLayout,
  fusedEdge,
  fusedEdgeAvailable,
  fusedPoolBn,
} from './fused/fusedEdge';

type T4 = tf.Tensor4D;

/** The pool+BN outputs shared by the edges out of one state. */
export interface SharedPools {
  max: T4;
  avg: T4;
}

export class MixedOp {
  /** One op per PRIMITIVES entry, in that order; ops[0] is 'none'. */
  readonly ops: Op[];
  /** The variables of all eight ops, in registration order. */
  readonly params: tf.Variable[];
  private readonly stride: number;
  /** The variables by op, as the fused edge takes them. */
  private readonly layout: EdgeLayout;

  constructor(store: ParamStore, prefix: string, c: number, stride: number) {
    this.stride = stride;
    const first = store.params.length;
    this.ops = PRIMITIVES.map((name, k) =>
      createOp(store, name, {
        prefix: `${prefix}_ops.${k}.`,
        c,
        stride,
        affine: false,
        poolBn: true,
      }),
    );
    this.params = store.params.slice(first).map((p) => p.variable);
    this.layout = edgeLayout(stride, this.params);
  }

  /**
   * The weighted op outputs w_k·op_k(x) for k ≥ 1. 'none' is skipped: it
   * contributes exact zeros, while its weight still sits in the softmax that
   * produced `opWeights` (8 scalars).
   */
  terms(x: T4, xr: T4, opWeights: tf.Scalar[], pooled?: SharedPools): T4[] {
    const out: T4[] = [];
    for (let k = 1; k < this.ops.length; k++) {
      const op = this.ops[k];
      const y =
        pooled !== undefined && op.name === 'max_pool_3x3'
          ? pooled.max
          : pooled !== undefined && op.name === 'avg_pool_3x3'
            ? pooled.avg
            : op.apply(x, xr);
      out.push(y.mul(opWeights[k]));
    }
    return out;
  }

  /**
   * Σ_k w_k·op_k(x) for one input x [N,H,W,C] and its ReLU xr, recomputed
   * in the backward pass so that only x, xr and the weights stay alive
   * between the forward and the backward (remat.ts).
   */
  apply(x: T4, xr: T4, opWeights: tf.Scalar[], pooled?: SharedPools): T4 {
    if (fusedEdgeAvailable(x, this.stride)) {
      // On a CPU the whole edge runs in our own kernels (fused/fusedEdge.ts).
      const pools = pooled ?? this.pools(x);
      return fusedEdge(
        x,
        xr,
        pools.max,
        pools.avg,
        opWeights.slice(1),
        this.layout,
      );
    }
    if (pooled !== undefined) {
      // The pool outputs are inputs of the block: the tape sums their
      // gradients over the edges that share them, and the pools run once.
      const f = ([xi, xri, mp, ap, ...w]: tf.Tensor[]) =>
        tf.addN(
          this.terms(
            xi as T4,
            xri as T4,
            [opWeights[0], ...(w as tf.Scalar[])],
            { max: mp as T4, avg: ap as T4 },
          ),
        );
      return rematerialise(
        f,
        [x, xr, pooled.max, pooled.avg, ...opWeights.slice(1)],
        this.params,
      ) as T4;
    }
    const f = ([xi, xri, ...w]: tf.Tensor[]) =>
      tf.addN(
        this.terms(xi as T4, xri as T4, [opWeights[0], ...(w as tf.Scalar[])]),
      );

    return rematerialise(f, [x, xr, ...opWeights.slice(1)], this.params) as T4;
  }

  /**
   * The parameter-free pool+BN outputs of this edge's input: identical for
   * every edge that leaves the same state (same stride), so a cell computes
   * them once per state and passes them to apply().
   */
  pools(x: T4): SharedPools {
    if (fusedEdgeAvailable(x, this.stride)) {
      return {
        max: fusedPoolBn(x, this.stride, true),
        avg: fusedPoolBn(x, this.stride, false),
      };
    }
    const find = (n: string) => {
      const op = this.ops.find((o) => o.name === n);
      if (op === undefined) throw new Error(`MixedOp: no ${n}`);
      return op.apply(x, x);
    };
    return { max: find('max_pool_3x3'), avg: find('avg_pool_3x3') };
  }
}
