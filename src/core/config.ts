/** Every hyperparameter of a search run; the paper's values are the defaults. */
export interface SearchConfig {
  /** Initial channels C of the supernet. */
  channels: number;
  /** Number of cells; reductions sit at layers/3 and 2·layers/3. */
  layers: number;
  numClasses: number;
  batchSize: number;
  epochs: number;
  /** Weight SGD: cosine from lr to lrMin across epochs. */
  lr: number;
  lrMin: number;
  momentum: number;
  weightDecay: number;
  gradClip: number;
  /** Architecture Adam. */
  archLr: number;
  archWeightDecay: number;
  archBeta1: number;
  archBeta2: number;
  /** 'first' uses dL_val/dalpha at w; 'second' unrolls one virtual SGD step. */
  order: 'first' | 'second';
  /** Fraction of the training images that train the weights; the rest the alphas. */
  trainPortion: number;
  /** Cap on training images used (0 = all), to make small runs. */
  maxImages: number;
  seed: number;
  /** A snapshot is sent every this many steps. */
  snapshotEvery: number;
}

export const PAPER_CONFIG: SearchConfig = {
  channels: 16,
  layers: 8,
  numClasses: 10,
  batchSize: 64,
  epochs: 50,
  lr: 0.025,
  lrMin: 0.001,
  momentum: 0.9,
  weightDecay: 3e-4,
  gradClip: 5,
  archLr: 3e-4,
  archWeightDecay: 1e-3,
  archBeta1: 0.5,
  archBeta2: 0.999,
  order: 'second',
  trainPortion: 0.5,
  maxImages: 0,
  seed: 2,
  snapshotEvery: 10,
};

export type PresetName = 'Demo' | 'Quick' | 'Paper';

/**
 * Demo: a small supernet that shows the cells taking shape within minutes on
 * a laptop CPU (the demo set: 500 weight images, 32 steps an epoch); its
 * architecture lr is 10x the paper's so the alphas move visibly that soon.
 * Quick: a reduced supernet on a 10,000-image slice of real CIFAR-10.
 * Paper: the reference's second-order search.
 */
export const PRESETS: Record<PresetName, SearchConfig> = {
  Demo: {
    ...PAPER_CONFIG,
    channels: 4,
    layers: 5,
    batchSize: 16,
    epochs: 3,
    order: 'first',
    archLr: 3e-3,
    snapshotEvery: 2,
  },
  Quick: {
    ...PAPER_CONFIG,
    channels: 8,
    layers: 5,
    batchSize: 32,
    epochs: 10,
    order: 'first',
    maxImages: 10000,
    snapshotEvery: 5,
  },
  Paper: PAPER_CONFIG,
};
