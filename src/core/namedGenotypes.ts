import type { Genotype } from './genotype';

/** DARTS first-order search result (reference cnn/genotypes.py, DARTS_V1). */
export const DARTS_V1: Genotype = {
  normal: [
    ['sep_conv_3x3', 1],
    ['sep_conv_3x3', 0],
    ['skip_connect', 0],
    ['sep_conv_3x3', 1],
    ['skip_connect', 0],
    ['sep_conv_3x3', 1],
    ['sep_conv_3x3', 0],
    ['skip_connect', 2],
  ],
  normalConcat: [2, 3, 4, 5],
  reduce: [
    ['max_pool_3x3', 0],
    ['max_pool_3x3', 1],
    ['skip_connect', 2],
    ['max_pool_3x3', 0],
    ['max_pool_3x3', 0],
    ['skip_connect', 2],
    ['skip_connect', 2],
    ['avg_pool_3x3', 0],
  ],
  reduceConcat: [2, 3, 4, 5],
};

/** DARTS second-order search result, the paper's cell (DARTS_V2 = DARTS). */
export const DARTS_V2: Genotype = {
  normal: [
    ['sep_conv_3x3', 0],
    ['sep_conv_3x3', 1],
    ['sep_conv_3x3', 0],
    ['sep_conv_3x3', 1],
    ['sep_conv_3x3', 1],
    ['skip_connect', 0],
    ['skip_connect', 0],
    ['dil_conv_3x3', 2],
  ],
  normalConcat: [2, 3, 4, 5],
  reduce: [
    ['max_pool_3x3', 0],
    ['max_pool_3x3', 1],
    ['skip_connect', 2],
    ['max_pool_3x3', 1],
    ['max_pool_3x3', 0],
    ['skip_connect', 2],
    ['skip_connect', 2],
    ['max_pool_3x3', 1],
  ],
  reduceConcat: [2, 3, 4, 5],
};

/** The reference's alias for the paper's cell. */
export const DARTS = DARTS_V2;

/** NASNet-A as the reference writes it: 5 nodes, only unused nodes concatenated. */
export const NASNet: Genotype = {
  normal: [
    ['sep_conv_5x5', 1],
    ['sep_conv_3x3', 0],
    ['sep_conv_5x5', 0],
    ['sep_conv_3x3', 0],
    ['avg_pool_3x3', 1],
    ['skip_connect', 0],
    ['avg_pool_3x3', 0],
    ['avg_pool_3x3', 0],
    ['sep_conv_3x3', 1],
    ['skip_connect', 1],
  ],
  normalConcat: [2, 3, 4, 5, 6],
  reduce: [
    ['sep_conv_5x5', 1],
    ['sep_conv_7x7', 0],
    ['max_pool_3x3', 1],
    ['sep_conv_7x7', 0],
    ['avg_pool_3x3', 1],
    ['sep_conv_5x5', 0],
    ['skip_connect', 3],
    ['avg_pool_3x3', 2],
    ['sep_conv_3x3', 2],
    ['max_pool_3x3', 1],
  ],
  reduceConcat: [4, 5, 6],
};

/** AmoebaNet-A as the reference writes it: 5 nodes, only unused nodes concatenated. */
export const AmoebaNet: Genotype = {
  normal: [
    ['avg_pool_3x3', 0],
    ['max_pool_3x3', 1],
    ['sep_conv_3x3', 0],
    ['sep_conv_5x5', 2],
    ['sep_conv_3x3', 0],
    ['avg_pool_3x3', 3],
    ['sep_conv_3x3', 1],
    ['skip_connect', 1],
    ['skip_connect', 0],
    ['avg_pool_3x3', 1],
  ],
  normalConcat: [4, 5, 6],
  reduce: [
    ['avg_pool_3x3', 0],
    ['sep_conv_3x3', 1],
    ['max_pool_3x3', 0],
    ['sep_conv_7x7', 2],
    ['sep_conv_7x7', 0],
    ['avg_pool_3x3', 1],
    ['max_pool_3x3', 0],
    ['max_pool_3x3', 1],
    ['conv_7x1_1x7', 0],
    ['sep_conv_3x3', 5],
  ],
  reduceConcat: [3, 4, 6],
};

/** Every named genotype by its reference name, for pickers and the CLI. */
export const NAMED_GENOTYPES: Record<string, Genotype> = {
  DARTS_V1,
  DARTS_V2,
  DARTS,
  NASNet,
  AmoebaNet,
};
