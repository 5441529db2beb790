import type { Genotype } from './genotype';

/**
 * What the search loop reports every few steps. Only numbers, strings and
 * typed arrays: it crosses the worker boundary and is stored in history.
 */
export interface Snapshot {
  /** Global step count since the run started (1-based after the first step). */
  step: number;
  epoch: number;
  stepInEpoch: number;
  stepsPerEpoch: number;
  totalSteps: number;
  /** Mean loss and top-1 accuracy (0..1) over the steps since the last snapshot. */
  trainLoss: number;
  trainAcc: number;
  archLoss: number;
  archAcc: number;
  lr: number;
  imagesPerSec: number;
  elapsedSec: number;
  /** softmax(alphasNormal) and softmax(alphasReduce), [14, 8] row-major. */
  opWeightsNormal: Float32Array;
  opWeightsReduce: Float32Array;
  genotype: Genotype;
}
