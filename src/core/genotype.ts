import type { OpName } from './primitives';

/** One kept edge: the op and its input (0 = c_{k-2}, 1 = c_{k-1}, 2+m = node m). */
export type GenotypeEdge = [OpName, number];

/**
 * A discrete cell pair, as the reference's `Genotype` namedtuple: two edges
 * per intermediate node (node i uses entries 2i and 2i+1).
 */
export interface Genotype {
  normal: GenotypeEdge[];
  normalConcat: number[];
  reduce: GenotypeEdge[];
  reduceConcat: number[];
}
