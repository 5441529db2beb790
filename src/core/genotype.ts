import {
  NUM_OPS,
  PRIMITIVES,
  STEPS,
  edgeIndex,
  nodeEdges,
  type OpName,
} from './primitives';

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

const NONE = PRIMITIVES.indexOf('none');

/**
 * Softmax of each row of a [rows, cols] row-major matrix, max-subtracted and
 * summed in float64, then stored as float32 like the reference's numpy copy.
 */
export function softmaxRows(
  alphas: ArrayLike<number>,
  rows: number,
  cols: number,
): Float32Array {
  if (alphas.length !== rows * cols) {
    throw new RangeError(
      `softmaxRows: expected ${rows}x${cols} = ${rows * cols} values, ` +
        `got ${alphas.length}; pass the alphas row-major.`,
    );
  }
  const out = new Float32Array(rows * cols);
  const row = new Float64Array(cols);

  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let max = -Infinity;
    for (let c = 0; c < cols; c++) max = Math.max(max, alphas[base + c]);

    let sum = 0;
    for (let c = 0; c < cols; c++) {
      row[c] = Math.exp(alphas[base + c] - max);
      sum += row[c];
    }

    for (let c = 0; c < cols; c++) out[base + c] = row[c] / sum;
  }

  return out;
}

/** Column of the largest non-'none' weight in one row; ties keep the lowest. */
function bestOp(opWeights: ArrayLike<number>, row: number): number {
  const base = row * NUM_OPS;
  let best = -1;

  // Strict '>' while scanning upward is the reference's tie rule.
  for (let k = 0; k < NUM_OPS; k++) {
    if (k === NONE) continue;
    if (best < 0 || opWeights[base + k] > opWeights[base + best]) best = k;
  }

  return best;
}

/**
 * The reference's parse of one cell from its softmax opWeights
 * ([edges, 8] row-major, edges = steps(steps+3)/2): per node, the two
 * incoming edges with the largest non-'none' weight, best first.
 */
export function deriveCell(
  opWeights: ArrayLike<number>,
  steps: number = STEPS,
): GenotypeEdge[] {
  const rows = edgeIndex(steps, 0);
  if (opWeights.length !== rows * NUM_OPS) {
    throw new RangeError(
      `deriveCell: ${steps} steps need ${rows}x${NUM_OPS} = ` +
        `${rows * NUM_OPS} opWeights, got ${opWeights.length}; pass ` +
        'softmax(alphas) row-major.',
    );
  }
  for (let i = 0; i < opWeights.length; i++) {
    if (!Number.isFinite(opWeights[i])) {
      throw new RangeError(
        `deriveCell: opWeights[${Math.floor(i / NUM_OPS)}][${i % NUM_OPS}] ` +
          `is ${opWeights[i]}; expected finite softmax weights. The search ` +
          'has probably diverged: lower the lr or archLr.',
      );
    }
  }
  const edges: GenotypeEdge[] = [];

  for (let node = 0; node < steps; node++) {
    const [start, inputs] = nodeEdges(node);

    // Edge score = its best non-'none' weight; 'none' still shaped the weights
    // through the softmax denominator, which is why we rank weights, not alphas.
    const scored = [];
    for (let input = 0; input < inputs; input++) {
      const op = bestOp(opWeights, start + input);
      scored.push({
        input,
        op,
        score: opWeights[(start + input) * NUM_OPS + op],
      });
    }

    // Array.prototype.sort is stable (ES2019), so tied edges keep the lower
    // input first, as Python's sorted() does in the reference.
    scored.sort((a, b) => b.score - a.score);

    for (const { input, op } of scored.slice(0, 2)) {
      edges.push([PRIMITIVES[op], input]);
    }
  }

  return edges;
}

/**
 * The genotype of a searched cell pair from softmax(alphasNormal) and
 * softmax(alphasReduce), each [14, 8] row-major for the default 4 steps.
 */
export function deriveGenotype(
  opWeightsNormal: ArrayLike<number>,
  opWeightsReduce: ArrayLike<number>,
  steps: number = STEPS,
): Genotype {
  // The reference concatenates every intermediate node: range(2, steps + 2).
  const concat = Array.from({ length: steps }, (_, i) => i + 2);

  return {
    normal: deriveCell(opWeightsNormal, steps),
    normalConcat: concat,
    reduce: deriveCell(opWeightsReduce, steps),
    reduceConcat: [...concat],
  };
}

function edgesEqual(a: GenotypeEdge[], b: GenotypeEdge[]): boolean {
  return (
    a.length === b.length &&
    a.every(([op, input], i) => op === b[i][0] && input === b[i][1])
  );
}

function concatEqual(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Whether two genotypes have the same edges in the same order and concats. */
export function genotypesEqual(a: Genotype, b: Genotype): boolean {
  return (
    edgesEqual(a.normal, b.normal) &&
    edgesEqual(a.reduce, b.reduce) &&
    concatEqual(a.normalConcat, b.normalConcat) &&
    concatEqual(a.reduceConcat, b.reduceConcat)
  );
}
