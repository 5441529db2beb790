/**
 * A PTB token stream cut into columns and walked in chunks, as the
 * reference's batchify, get_batch and training loops do: the batching the
 * recurrent search and retrain share.
 */
import type { Rng } from '../core/random';
import { formatCount } from './cifar';
import { PtbFileError } from './ptb';

/** The sequence length of train_search.py and train.py (`--bptt`). */
export const BPTT = 35;

/** train.py's `--max_seq_len_delta`: the cap on a drawn sequence length is BPTT + this. */
export const MAX_SEQ_LEN_DELTA = 20;

/** A token stream cut into `batchSize` contiguous columns: [steps, batchSize] row-major. */
export interface BatchedTokens {
  data: Int32Array;
  /** Rows: floor(tokens / batchSize); the tail that does not fill a row is dropped. */
  steps: number;
  batchSize: number;
}

/** One chunk of a batched stream: inputs and next-token targets, each [seqLen, batchSize]. */
export interface TokenBatch {
  x: Int32Array;
  y: Int32Array;
  seqLen: number;
}

/**
 * Cut a token stream into `batchSize` contiguous columns as the reference's
 * batchify: drop the tail, then row t, column b holds token b * steps + t.
 */
export function batchify(ids: Int32Array, batchSize: number): BatchedTokens {
  const steps = Math.floor(ids.length / batchSize);
  if (!(Number.isInteger(batchSize) && batchSize >= 1) || steps < 2) {
    throw new PtbFileError(
      `batchify: ${formatCount(ids.length)} tokens in columns of batch ` +
        `size ${batchSize} make ${steps} rows; a batch needs at least 2 ` +
        '(an input row and its target) — use a smaller batch size or a ' +
        'larger corpus',
    );
  }

  // [steps, batchSize] row-major: the reference's view(bsz, -1).t().
  const data = new Int32Array(steps * batchSize);
  for (let b = 0; b < batchSize; b++) {
    for (let t = 0; t < steps; t++)
      data[t * batchSize + b] = ids[b * steps + t];
  }
  return { data, steps, batchSize };
}

/**
 * Rows [i, i + len) as inputs and [i + 1, i + 1 + len) as targets, where
 * len = min(seqLen, steps - 1 - i) as the reference's get_batch.
 */
export function getBatch(
  source: BatchedTokens,
  i: number,
  seqLen: number,
): TokenBatch {
  const len = Math.min(seqLen, source.steps - 1 - i);
  if (!(Number.isInteger(i) && i >= 0 && len >= 1)) {
    throw new PtbFileError(
      `getBatch: row ${i} with sequence length ${seqLen} gives no chunk ` +
        `of a stream of ${source.steps} rows; start below ${source.steps - 1}`,
    );
  }

  const width = source.batchSize;
  return {
    x: source.data.slice(i * width, (i + len) * width),
    y: source.data.slice((i + 1) * width, (i + 1 + len) * width),
    seqLen: len,
  };
}

/**
 * The architecture chunk for training position `i` during search:
 * get_batch(search_data, i % (rows - 1)) with the fixed bptt, as train_search.py.
 */
export function archBatch(
  source: BatchedTokens,
  i: number,
  bptt = BPTT,
): TokenBatch {
  return getBatch(source, i % (source.steps - 1), bptt);
}

/** train_search.py's sequence length: bptt, or int(bptt / 2) one time in 20; no noise. */
export function searchSeqLen(rng: Rng, bptt = BPTT): number {
  return rng.next() < 0.95 ? bptt : Math.trunc(bptt / 2);
}

/**
 * train.py's sequence length: around bptt (or bptt / 2 one time in 20) with
 * normal noise of sd 5, at least 5 and at most bptt + MAX_SEQ_LEN_DELTA.
 */
export function trainSeqLen(rng: Rng, bptt = BPTT): number {
  const centre = rng.next() < 0.95 ? bptt : bptt / 2;
  const drawn = Math.max(5, Math.trunc(centre + 5 * rng.normal()));
  return Math.min(drawn, bptt + MAX_SEQ_LEN_DELTA);
}

/** One step's chunk: where it starts, its drawn length and the lr factor seqLen / bptt. */
export interface PtbChunk {
  epoch: number;
  /** First row; 0 starts an epoch, where the reference re-initialises the hidden state. */
  start: number;
  /** The drawn length; getBatch shortens it at the end of the stream. */
  seqLen: number;
  /** The reference scales the lr by the drawn (not the shortened) length for this step. */
  lrScale: number;
  /** True for the epoch's final chunk, after which the reference validates. */
  last: boolean;
}

/** Where a PtbSampler stands, as plain numbers that survive JSON and structured clone. */
export interface PtbSamplerPosition {
  /** The epoch of the next chunk. */
  epoch: number;
  /** The next chunk's first row. */
  cursor: number;
  /** The sampler's rng state before the next draw. */
  rngState: number;
}

/**
 * Steps through one batched stream in variable-length chunks, epoch after
 * epoch: the loop `while i < rows - 2: seq_len = draw(); …; i += seq_len` of
 * train_search.py and train.py. The rng is the sampler's own.
 */
export class PtbSampler {
  private epochNumber = 0;
  private cursor = 0;

  constructor(
    private readonly steps: number,
    private readonly rng: Rng,
    private readonly draw: (rng: Rng, bptt: number) => number = searchSeqLen,
    private readonly bptt = BPTT,
  ) {
    if (!(steps > 2)) {
      throw new PtbFileError(
        `PtbSampler: a stream of ${steps} rows has no chunk to train on ` +
          '(the loop runs while the row is below rows - 2); use a smaller ' +
          'batch size or a larger corpus',
      );
    }
  }

  /** The next chunk; the one after an epoch's last chunk starts the next epoch at row 0. */
  next(): PtbChunk {
    const seqLen = this.draw(this.rng, this.bptt);
    const start = this.cursor;
    const epoch = this.epochNumber;
    this.cursor += seqLen;

    // Roll over now, so a saved position always lies inside an epoch.
    const last = this.cursor >= this.steps - 2;
    if (last) {
      this.epochNumber++;
      this.cursor = 0;
    }
    return { epoch, start, seqLen, lrScale: seqLen / this.bptt, last };
  }

  /** Where the sampler stands, to save with a run. */
  get position(): PtbSamplerPosition {
    return {
      epoch: this.epochNumber,
      cursor: this.cursor,
      rngState: this.rng.state,
    };
  }

  /** Return to a saved position. */
  restore(position: PtbSamplerPosition): void {
    const { cursor } = position;
    if (!(Number.isInteger(cursor) && cursor >= 0 && cursor < this.steps - 2)) {
      throw new PtbFileError(
        `PtbSampler.restore: row ${cursor} is outside a stream of ` +
          `${this.steps} rows; the saved run used a different corpus or ` +
          'batch size',
      );
    }
    this.epochNumber = position.epoch;
    this.cursor = cursor;
    this.rng.state = position.rngState;
  }
}
