/**
 * Every hyperparameter of retraining a genotype from scratch; the defaults
 * are the reference's train.py for CIFAR-10 (REFERENCE.md §5.5).
 */
export interface RetrainConfig {
  /** Initial channels C of the evaluation network. */
  channels: number;
  /** Number of cells; reductions sit at layers/3 and 2·layers/3. */
  layers: number;
  numClasses: number;
  batchSize: number;
  epochs: number;
  /** SGD lr, cosine-annealed to lrMin across the epochs. */
  lr: number;
  lrMin: number;
  momentum: number;
  weightDecay: number;
  gradClip: number;
  /** The auxiliary head after the second reduction cell, and its loss weight. */
  auxiliary: boolean;
  auxWeight: number;
  /** Cutout side in pixels; 0 turns it off. */
  cutout: number;
  /** Drop path probability reached at the last epoch (ramped from 0). */
  dropPath: number;
  /** Cap on training images used (0 = all). */
  maxImages: number;
  /** Cap on test images per evaluation (0 = all of test_batch.bin). */
  maxTestImages: number;
  seed: number;
  /** A snapshot is sent every this many steps. */
  snapshotEvery: number;
}

export const PAPER_RETRAIN: RetrainConfig = {
  channels: 36,
  layers: 20,
  numClasses: 10,
  batchSize: 96,
  epochs: 600,
  lr: 0.025,
  lrMin: 0,
  momentum: 0.9,
  weightDecay: 3e-4,
  gradClip: 5,
  auxiliary: true,
  auxWeight: 0.4,
  cutout: 16,
  dropPath: 0.2,
  maxImages: 0,
  maxTestImages: 0,
  seed: 0,
  snapshotEvery: 10,
};

export type RetrainPresetName = 'Demo' | 'Quick' | 'Paper';

/**
 * Demo: a small network that learns the demo set within minutes on a laptop
 * CPU. Quick: a reduced network on real CIFAR-10 in an evening. Paper: the
 * reference's 600-epoch protocol.
 */
export const RETRAIN_PRESETS: Record<RetrainPresetName, RetrainConfig> = {
  Demo: {
    ...PAPER_RETRAIN,
    channels: 8,
    layers: 5,
    batchSize: 32,
    epochs: 6,
    cutout: 0,
    dropPath: 0,
    snapshotEvery: 4,
  },
  Quick: {
    ...PAPER_RETRAIN,
    channels: 16,
    layers: 8,
    batchSize: 64,
    epochs: 20,
    maxImages: 10000,
    maxTestImages: 2000,
  },
  Paper: PAPER_RETRAIN,
};

/** Drop path probability for 0-based `epoch`: p·epoch/epochs, as train.py. */
export function dropPathAt(config: RetrainConfig, epoch: number): number {
  return (config.dropPath * epoch) / config.epochs;
}
