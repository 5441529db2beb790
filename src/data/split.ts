import type { Rng } from '../core/random';

/** Training image indices split into a half for weights and one for alphas. */
export interface SearchSplit {
  /** Indices [0, floor(portion * count)): the weight-update batches. */
  weights: Int32Array;
  /** Indices [floor(portion * count), count): the architecture (alpha) batches. */
  arch: Int32Array;
}

/** Where an EpochSampler stands, as plain numbers that survive JSON and structured clone. */
export interface SamplerPosition {
  epoch: number;
  /** Positions of the epoch's order already handed out. */
  cursor: number;
  /** The rng state just before this epoch's order was drawn. */
  orderState: number;
}

/** A split or sampler asked for something the data cannot give. */
export class DataSplitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataSplitError';
  }
}

/**
 * Split `count` images by index as the reference does (train_search.py): the
 * first floor(portion * count) train weights, the rest train alphas; no shuffle.
 */
export function splitIndices(count: number, portion: number): SearchSplit {
  const split = Math.floor(portion * count);
  if (!(portion > 0 && portion < 1) || split === 0 || split === count) {
    throw new DataSplitError(
      `splitIndices: portion ${portion} of ${count} images leaves ` +
        `${split} for weights and ${count - split} for alphas; both need ` +
        'at least one image — load more images or use a portion between 0 and 1',
    );
  }

  const weights = new Int32Array(split);
  const arch = new Int32Array(count - split);
  for (let i = 0; i < split; i++) weights[i] = i;
  for (let i = split; i < count; i++) arch[i - split] = i;
  return { weights, arch };
}

/**
 * Batches over an index list in a fresh random order each epoch (as a
 * SubsetRandomSampler DataLoader without drop_last): ceil(n / B) batches per
 * epoch, the last one smaller when B does not divide n.
 */
export class EpochSampler {
  /** Batches in one epoch: ceil(n / batchSize). */
  readonly stepsPerEpoch: number;

  private order: Int32Array;
  private epochNumber = 0;
  private cursor = 0;
  private orderState: number;

  constructor(
    private readonly indices: ArrayLike<number>,
    private readonly batchSize: number,
    private readonly rng: Rng,
  ) {
    if (indices.length === 0 || !(batchSize >= 1)) {
      throw new DataSplitError(
        `EpochSampler: needs at least one index and a batch size of at ` +
          `least 1 (got ${indices.length} indices, batch size ${batchSize})`,
      );
    }
    this.stepsPerEpoch = Math.ceil(indices.length / batchSize);
    this.orderState = rng.state;
    this.order = rng.permutation(indices.length);
  }

  /** The epoch of the batch last taken, from 0 (next() moves on when it is used up). */
  get epoch(): number {
    return this.epochNumber;
  }

  /** The next batch of indices (a new array); starts a new epoch when this one is used up. */
  next(): Int32Array {
    const n = this.indices.length;
    if (this.cursor >= n) {
      this.epochNumber++;
      this.cursor = 0;
      this.orderState = this.rng.state;
      this.order = this.rng.permutation(n);
    }

    const end = Math.min(this.cursor + this.batchSize, n);
    const batch = new Int32Array(end - this.cursor);
    for (let i = 0; i < batch.length; i++) {
      batch[i] = this.indices[this.order[this.cursor + i]];
    }
    this.cursor = end;
    return batch;
  }

  /** Where the sampler stands, to save with a run. */
  get position(): SamplerPosition {
    return {
      epoch: this.epochNumber,
      cursor: this.cursor,
      orderState: this.orderState,
    };
  }

  /** Return to a saved position: the epoch's order is drawn again from its saved rng state. */
  restore(position: SamplerPosition): void {
    const n = this.indices.length;
    if (!(position.cursor >= 0 && position.cursor <= n)) {
      throw new DataSplitError(
        `EpochSampler.restore: cursor ${position.cursor} is outside an ` +
          `epoch of ${n} indices; the saved run used a different data set`,
      );
    }
    this.rng.state = position.orderState;
    this.order = this.rng.permutation(n);
    this.orderState = position.orderState;
    this.epochNumber = position.epoch;
    this.cursor = position.cursor;
  }
}

/**
 * `size` distinct indices drawn uniformly, in random order: the first `size`
 * of a fresh permutation, as the reference's re-created architecture iterator
 * gives, by a partial Fisher-Yates that touches only `size` positions.
 */
export function randomBatch(
  indices: ArrayLike<number>,
  size: number,
  rng: Rng,
): Int32Array {
  const n = indices.length;
  const count = Math.min(size, n);
  const batch = new Int32Array(count);

  // Positions moved by earlier swaps; any other position still holds itself.
  const moved = new Map<number, number>();
  for (let i = 0; i < count; i++) {
    const j = i + rng.int(n - i);
    const atJ = moved.get(j) ?? j;
    moved.set(j, moved.get(i) ?? i);
    batch[i] = indices[atJ];
  }
  return batch;
}
