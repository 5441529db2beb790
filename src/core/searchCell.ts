/**
 * The search cell: two preprocessed inputs, four intermediate nodes each fed
 * by a MixedOp from every earlier state, output the channel concatenation of
 * the four nodes (REFERENCE.md §1.3).
 */
import * as tf from '@tensorflow/tfjs-core';
import { sumAll } from './kernels';
import { MixedOp, type SharedPools } from './mixedOp';
import { factorizedReduce, reluConvBn, type Op } from './ops';
import type { ParamStore } from './params';
import { edgeIndex, STEPS } from './primitives';
import { rematerialise } from './remat';

type T4 = tf.Tensor4D;

export type CellKind = 'normal' | 'reduce';

export class SearchCell {
  readonly kind: CellKind;
  private readonly preprocess0: Op;
  private readonly preprocess1: Op;
  /** 14 edges, node by node, inputs ascending (edgeIndex order). */
  readonly edges: MixedOp[] = [];
  /** Every variable of this cell (preprocessing and edges). */
  readonly params: tf.Variable[];

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
    const first = store.params.length;

    // c_{k-2} is twice the spatial size of c_{k-1} after a reduction cell.
    this.preprocess0 = reductionPrev
      ? factorizedReduce(
          store,
          `${prefix}preprocess0.`,
          cPrevPrev,
          c,
          false,
          'preprocess',
        )
      : reluConvBn(store, `${prefix}preprocess0.`, cPrevPrev, c, false);
    this.preprocess1 = reluConvBn(
      store,
      `${prefix}preprocess1.`,
      cPrev,
      c,
      false,
    );

    for (let node = 0; node < STEPS; node++) {
      for (let input = 0; input < node + 2; input++) {
        const stride = kind === 'reduce' && input < 2 ? 2 : 1;
        const e = this.edges.length;
        this.edges.push(new MixedOp(store, `${prefix}_ops.${e}.`, c, stride));
      }
    }
    this.params = store.params.slice(first).map((p) => p.variable);
  }

  /**
   * s0 = c_{k-2}, s1 = c_{k-1} [N,H,W,C_in]; opWeights[edge][op] scalars of
   * softmax(alphas) for this cell's kind. Returns [N,H',W',4C].
   *
   * The whole cell is rematerialised (remat.ts): between the forward and the
   * backward only s0, s1 and the weights stay alive, not the ~35 full-size
   * states, ReLUs and edge outputs a cell makes, which is what lets the
   * paper's C=16, 8 cells, batch 64 fit the wasm heap. Its backward runs
   * the cell's forward once more (the edges inside stay rematerialised, so
   * at most one edge's intermediates are alive at a time). `remat` false
   * records the cell op by op instead: faster, for networks that fit.
   */
  apply(s0: T4, s1: T4, opWeights: tf.Scalar[][], remat = true): T4 {
    if (!remat) return this.forward(s0, s1, opWeights);
    // 'none' (op 0) contributes nothing, so its weight is no input.
    const used = opWeights.flatMap((w) => w.slice(1));
    const f = ([a, b, ...flat]: tf.Tensor[]) => {
      const ws = opWeights.map((w, e) => [
        w[0],
        ...(flat.slice(
          e * (w.length - 1),
          (e + 1) * (w.length - 1),
        ) as tf.Scalar[]),
      ]);
      return this.forward(a as T4, b as T4, ws);
    };

    return rematerialise(f, [s0, s1, ...used], this.params) as T4;
  }

  /** The cell's forward pass, recorded op by op (apply rematerialises it). */
  forward(s0: T4, s1: T4, opWeights: tf.Scalar[][]): T4 {
    const states: T4[] = [
      this.preprocess0.apply(s0, tf.relu(s0)),
      this.preprocess1.apply(s1, tf.relu(s1)),
    ];
    // Every conv op of every edge out of a state starts with its ReLU:
    // compute it once per state.
    const relus: T4[] = states.map((s) => tf.relu(s));
    // The pool+BN outputs are parameter-free and every edge out of a state
    // has the same stride: compute them once per state, with the first
    // edge out of it (edge `input` of node 0 for s0/s1, else of node input-1).
    const firstEdge = (input: number) =>
      input < 2 ? input : edgeIndex(input - 1, input);
    const pools: SharedPools[] = [0, 1].map((i) =>
      this.edges[firstEdge(i)].pools(states[i]),
    );

    let e = 0;
    for (let node = 0; node < STEPS; node++) {
      const sums: T4[] = [];
      for (let input = 0; input < node + 2; input++, e++) {
        sums.push(
          this.edges[e].apply(
            states[input],
            relus[input],
            opWeights[e],
            pools[input],
          ),
        );
      }
      const s = sumAll(sums);
      states.push(s);
      // The last node feeds no edge.
      if (node < STEPS - 1) {
        relus.push(tf.relu(s));
        pools.push(this.edges[firstEdge(node + 2)].pools(s));
      }
    }

    return tf.concat(states.slice(2), 3);
  }
}
