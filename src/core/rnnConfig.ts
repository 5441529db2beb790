import type { RnnDropouts } from './rnnSearchModel';

/** Every hyperparameter of a recurrent search (rnn/train_search.py defaults). */
export interface RnnSearchConfig {
  /** Embedding and hidden size (equal, as the reference asserts). */
  hidden: number;
  batchSize: number;
  bptt: number;
  epochs: number;
  /** SGD lr (no momentum), scaled per step by seqLen / bptt. */
  lr: number;
  clip: number;
  weightDecay: number;
  dropouts: RnnDropouts;
  /** Temporal activation regularisation β on the raw outputs. */
  tarBeta: number;
  archLr: number;
  archWeightDecay: number;
  archBeta1: number;
  archBeta2: number;
  order: 'first' | 'second';
  /** Batch size of the per-epoch validation (10 in the reference). */
  evalBatchSize: number;
  /** Cap on training tokens used (0 = all), to make small runs. */
  maxTokens: number;
  seed: number;
  snapshotEvery: number;
}

export const RNN_PAPER_CONFIG: RnnSearchConfig = {
  hidden: 300,
  batchSize: 256,
  bptt: 35,
  epochs: 50,
  lr: 20,
  clip: 0.25,
  weightDecay: 5e-7,
  dropouts: {
    output: 0.75,
    hidden: 0.25,
    input: 0.75,
    embeddingOutput: 0.2,
    embedding: 0,
  },
  tarBeta: 1e-3,
  archLr: 3e-3,
  archWeightDecay: 1e-3,
  archBeta1: 0.9,
  archBeta2: 0.999,
  order: 'second',
  evalBatchSize: 10,
  maxTokens: 0,
  seed: 3,
  snapshotEvery: 10,
};

export type RnnPresetName = 'Demo' | 'Quick' | 'Paper';

/**
 * Demo: a small cell on the embedded corpus, moving within minutes on a
 * laptop CPU. Quick: a reduced model on a slice of PTB. Paper: the
 * reference's second-order search.
 */
export const RNN_PRESETS: Record<RnnPresetName, RnnSearchConfig> = {
  Demo: {
    ...RNN_PAPER_CONFIG,
    hidden: 32,
    batchSize: 16,
    bptt: 20,
    epochs: 3,
    order: 'first',
    maxTokens: 40000,
    snapshotEvery: 2,
  },
  Quick: {
    ...RNN_PAPER_CONFIG,
    hidden: 100,
    batchSize: 64,
    epochs: 10,
    order: 'first',
    maxTokens: 300000,
  },
  Paper: RNN_PAPER_CONFIG,
};
