/**
 * The discrete recurrent cell: each node's one predecessor and activation,
 * and the nodes averaged into h_t (REFERENCE.md §6.2, model_search.py's
 * genotype()).
 */
import {
  RNN_NUM_EDGES,
  RNN_NUM_OPS,
  RNN_PRIMITIVES,
  RNN_STEPS,
  rnnEdgeIndex,
  type RnnOp,
} from './rnnSpace';

/** Node i (1-based) reads state recurrent[i-1][1] through recurrent[i-1][0]. */
export interface RnnGenotype {
  recurrent: [RnnOp, number][];
  concat: number[];
}

const NONE = RNN_PRIMITIVES.indexOf('none');

/**
 * Derives the genotype from softmax(weights) [36, 5] row-major: per node the
 * predecessor whose best non-none weight is largest (the lower index on
 * ties, as the reference's stable sort), then its best non-none op (the
 * lowest index on ties). The output averages nodes 1-8.
 */
export function deriveRnnGenotype(probs: ArrayLike<number>): RnnGenotype {
  if (probs.length !== RNN_NUM_EDGES * RNN_NUM_OPS) {
    throw new RangeError(
      `deriveRnnGenotype: expected ${RNN_NUM_EDGES}x${RNN_NUM_OPS} weights, ` +
        `got ${probs.length}`,
    );
  }
  const recurrent: [RnnOp, number][] = [];

  for (let node = 1; node <= RNN_STEPS; node++) {
    let best = { pred: -1, op: -1, weight: -Infinity };
    for (let pred = 0; pred < node; pred++) {
      const row = rnnEdgeIndex(node, pred) * RNN_NUM_OPS;
      let op = -1;
      for (let k = 0; k < RNN_NUM_OPS; k++) {
        if (k === NONE) continue;
        if (op < 0 || probs[row + k] > probs[row + op]) op = k;
      }
      if (probs[row + op] > best.weight) {
        best = { pred, op, weight: probs[row + op] };
      }
    }
    recurrent.push([RNN_PRIMITIVES[best.op], best.pred]);
  }

  return {
    recurrent,
    concat: Array.from({ length: RNN_STEPS }, (_, i) => i + 1),
  };
}

/** The reference's genotypes.py recurrent cells. */
export const RNN_DARTS_V1: RnnGenotype = {
  recurrent: [
    ['relu', 0],
    ['relu', 1],
    ['tanh', 2],
    ['relu', 3],
    ['relu', 4],
    ['identity', 1],
    ['relu', 5],
    ['relu', 1],
  ],
  concat: [1, 2, 3, 4, 5, 6, 7, 8],
};

export const RNN_DARTS_V2: RnnGenotype = {
  recurrent: [
    ['sigmoid', 0],
    ['relu', 1],
    ['relu', 1],
    ['identity', 1],
    ['tanh', 2],
    ['sigmoid', 5],
    ['tanh', 3],
    ['relu', 5],
  ],
  concat: [1, 2, 3, 4, 5, 6, 7, 8],
};

export const RNN_NAMED_GENOTYPES: Record<string, RnnGenotype> = {
  DARTS_V1: RNN_DARTS_V1,
  DARTS_V2: RNN_DARTS_V2,
  DARTS: RNN_DARTS_V2,
};

/** The reference's Python form, e.g. for its genotypes.py. */
export function rnnGenotypeToPython(g: RnnGenotype): string {
  const edges = g.recurrent.map(([op, p]) => `('${op}', ${p})`).join(', ');
  const [first, last] = [g.concat[0], g.concat[g.concat.length - 1]];
  const contiguous = g.concat.every((v, i) => v === first + i);
  const concat = contiguous
    ? `range(${first}, ${last + 1})`
    : `[${g.concat.join(', ')}]`;
  return `Genotype(recurrent=[${edges}], concat=${concat})`;
}
