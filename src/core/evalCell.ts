/**
 * A discrete cell built from a genotype (REFERENCE.md §5.1): preprocessed
 * inputs, one op per kept edge, each node the sum of its two ops, output the
 * channel concatenation of the concat list. Any number of nodes and any
 * concat, so NASNet and AmoebaNet build as well as DARTS's own cells.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GenotypeEdge } from './genotype';
import { createOp, factorizedReduce, reluConvBn, type Op } from './ops';
import type { ParamStore } from './params';
import type { Rng } from './random';
import { rematerialise } from './remat';

type T4 = tf.Tensor4D;

/** Drop path's per-forward settings, owned by the network. */
export interface DropPath {
  /** Probability of dropping an op's output for one sample. */
  prob: number;
  /** Draws the per-sample masks; seeded, so a run replays exactly. */
  rng: Rng;
}

export class EvalCell {
  readonly reduction: boolean;
  readonly outChannels: number;
  /** Every variable of this cell, for rematerialisation. */
  readonly params: tf.Variable[];
  private readonly store: ParamStore;
  private readonly preprocess0: Op;
  private readonly preprocess1: Op;
  private readonly ops: Op[];
  private readonly inputs: number[];
  private readonly concat: number[];

  constructor(
    store: ParamStore,
    prefix: string,
    edges: GenotypeEdge[],
    concat: number[],
    cPrevPrev: number,
    cPrev: number,
    c: number,
    reduction: boolean,
    reductionPrev: boolean,
  ) {
    checkCell(prefix, edges, concat);
    const first = store.params.length;
    this.store = store;
    this.reduction = reduction;
    this.concat = concat;
    this.outChannels = concat.length * c;

    this.preprocess0 = reductionPrev
      ? factorizedReduce(
          store,
          `${prefix}preprocess0.`,
          cPrevPrev,
          c,
          true,
          'preprocess',
        )
      : reluConvBn(store, `${prefix}preprocess0.`, cPrevPrev, c, true);
    this.preprocess1 = reluConvBn(
      store,
      `${prefix}preprocess1.`,
      cPrev,
      c,
      true,
    );

    this.inputs = edges.map(([, input]) => input);
    this.ops = edges.map(([name, input], k) =>
      createOp(store, name, {
        prefix: `${prefix}_ops.${k}.`,
        c,
        stride: reduction && input < 2 ? 2 : 1,
        affine: true,
        poolBn: false,
      }),
    );
    this.params = store.params.slice(first).map((p) => p.variable);
  }

  /** The op list, for tests and drawings. */
  get opList(): readonly Op[] {
    return this.ops;
  }

  /**
   * The cell's output; `drop` is null in eval mode or at probability 0.
   * With `remat` the cell keeps only its inputs for the backward pass and
   * runs again there (remat.ts): the drop-path masks are drawn once, before,
   * and the second run leaves the BN running averages alone.
   */
  apply(s0: T4, s1: T4, drop: DropPath | null, remat = false): T4 {
    const masks = drop ? this.drawMasks(s0.shape[0], drop) : null;
    if (!remat) return this.forward(s0, s1, masks);

    let runs = 0;
    const f = ([a, b]: tf.Tensor[]) => {
      runs += 1;
      this.store.statsFrozen = runs > 1;
      try {
        return this.forward(a as T4, b as T4, masks);
      } finally {
        this.store.statsFrozen = false;
      }
    };
    return rematerialise(f, [s0, s1], this.params) as T4;
  }

  /** One per-sample keep/scale row per op (null for identities). */
  private drawMasks(n: number, drop: DropPath): (Float32Array | null)[] {
    return this.ops.map((op) => (op.isIdentity ? null : dropMask(n, drop)));
  }

  private forward(s0: T4, s1: T4, masks: (Float32Array | null)[] | null): T4 {
    const states: T4[] = [
      this.preprocess0.apply(s0, tf.relu(s0)),
      this.preprocess1.apply(s1, tf.relu(s1)),
    ];
    // relu(state), computed once for all the ops that read it.
    const relus = new Map<number, T4>();
    const relu = (i: number) => {
      if (!relus.has(i)) relus.set(i, tf.relu(states[i]));
      return relus.get(i)!;
    };

    for (let k = 0; k < this.ops.length; k += 2) {
      const a = this.edgeOutput(k, states, relu, masks);
      const b = this.edgeOutput(k + 1, states, relu, masks);
      states.push(a.add(b));
    }

    return tf.concat(
      this.concat.map((i) => states[i]),
      3,
    );
  }

  private edgeOutput(
    k: number,
    states: T4[],
    relu: (i: number) => T4,
    masks: (Float32Array | null)[] | null,
  ): T4 {
    const op = this.ops[k];
    const input = this.inputs[k];
    const x = states[input];
    const y = op.apply(x, op.usesRelu ? relu(input) : x);
    const mask = masks?.[k] ?? null;

    return mask === null ? y : y.mul(tf.tensor4d(mask, [mask.length, 1, 1, 1]));
  }
}

/**
 * Per-sample factors of the reference's drop_path: 0 with probability p,
 * else 1/(1−p) (one Bernoulli draw per sample).
 */
function dropMask(n: number, drop: DropPath): Float32Array {
  const keep = 1 - drop.prob;
  const mask = new Float32Array(n);
  for (let i = 0; i < n; i++) mask[i] = drop.rng.next() < keep ? 1 / keep : 0;
  return mask;
}

/** drop_path on its own: `x` with whole samples zeroed and the rest scaled. */
export function dropPath(x: T4, drop: DropPath): T4 {
  const mask = dropMask(x.shape[0], drop);
  return x.mul(tf.tensor4d(mask, [mask.length, 1, 1, 1]));
}

function checkCell(prefix: string, edges: GenotypeEdge[], concat: number[]) {
  const where = `evalCell ${prefix.replace(/\.$/, '')}`;
  if (edges.length === 0 || edges.length % 2 !== 0) {
    throw new Error(
      `${where}: a cell needs two edges per node, got ${edges.length} edges.`,
    );
  }
  const states = 2 + edges.length / 2;
  edges.forEach(([, input], k) => {
    const node = Math.floor(k / 2);
    if (!Number.isInteger(input) || input < 0 || input >= node + 2) {
      throw new Error(
        `${where}: edge ${k} (node ${node}) reads state ${input}, but only ` +
          `states 0-${node + 1} exist before that node.`,
      );
    }
  });
  if (concat.length === 0 || concat.some((i) => !(i >= 0 && i < states))) {
    throw new Error(
      `${where}: concat [${concat.join(', ')}] must list states 0-${states - 1}.`,
    );
  }
}
