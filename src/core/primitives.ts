/**
 * The candidate operations of the CNN search space, in the reference order:
 * alphas columns follow this order everywhere ('none' first).
 */
export const PRIMITIVES = [
  'none',
  'max_pool_3x3',
  'avg_pool_3x3',
  'skip_connect',
  'sep_conv_3x3',
  'sep_conv_5x5',
  'dil_conv_3x3',
  'dil_conv_5x5',
] as const;

export type Primitive = (typeof PRIMITIVES)[number];

/** Ops that evaluation genotypes (NASNet, AmoebaNet) use beyond PRIMITIVES. */
export type EvalOnlyOp = 'sep_conv_7x7' | 'conv_7x1_1x7';

export type OpName = Primitive | EvalOnlyOp;

/** Intermediate nodes per cell and the number of edges they receive. */
export const STEPS = 4;
export const NUM_EDGES = 14;
export const NUM_OPS = PRIMITIVES.length;

/**
 * Row of the alphas matrix for the edge from `input` (0 = c_{k-2},
 * 1 = c_{k-1}, 2 + m = node m) into intermediate node `node`.
 */
export function edgeIndex(node: number, input: number): number {
  return (node * (node + 3)) / 2 + input;
}

/** Edges into node `node`: [first alphas row, number of inputs]. */
export function nodeEdges(node: number): [number, number] {
  return [edgeIndex(node, 0), node + 2];
}
