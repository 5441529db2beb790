/**
 * The recurrent search space (REFERENCE.md §6.2): candidate activations,
 * 8 intermediate nodes after the first node s0, and 36 edges, node by node
 * with predecessors ascending.
 */
export const RNN_PRIMITIVES = [
  'none',
  'tanh',
  'relu',
  'sigmoid',
  'identity',
] as const;

export type RnnOp = (typeof RNN_PRIMITIVES)[number];

/** Intermediate nodes 1..8; node 0 is the first node s0. */
export const RNN_STEPS = 8;

export const RNN_NUM_OPS = RNN_PRIMITIVES.length;

/** Node i (1..8) has i incoming edges: 1 + 2 + … + 8. */
export const RNN_NUM_EDGES = (RNN_STEPS * (RNN_STEPS + 1)) / 2;

/** Row of the edge from state `pred` into node `node` (1-based) in the [36, 5] weights. */
export function rnnEdgeIndex(node: number, pred: number): number {
  if (!(node >= 1 && node <= RNN_STEPS && pred >= 0 && pred < node)) {
    throw new RangeError(
      `rnnEdgeIndex: node ${node} has no edge from state ${pred}`,
    );
  }
  return ((node - 1) * node) / 2 + pred;
}
