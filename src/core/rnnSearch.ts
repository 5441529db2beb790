/**
 * A recurrent search run (REFERENCE.md §6.5): variable-length chunks of the
 * batchified training stream, an architecture step on the validation split
 * then a weight step per chunk, hidden states carried across chunks and
 * reset each epoch, and the validation perplexity after every epoch.
 * Owns every tensor it creates; `dispose()` frees them all.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { PtbCorpus } from '../data/ptb';
import {
  archBatch,
  batchify,
  getBatch,
  PtbSampler,
  searchSeqLen,
  type BatchedTokens,
  type PtbSamplerPosition,
  type TokenBatch,
} from '../data/ptbBatch';
import { Sgd } from './optimizers';
import { Rng } from './random';
import { clipByNorm, RnnArchitect, type RnnChunk } from './rnnArchitect';
import type { RnnSearchConfig } from './rnnConfig';
import { deriveRnnGenotype, type RnnGenotype } from './rnnGenotype';
import { nllLoss, RnnSearchModel, tarPenalty } from './rnnSearchModel';
import { RNN_NUM_EDGES, RNN_NUM_OPS } from './rnnSpace';

/** What the recurrent search reports every few steps. */
export interface RnnSnapshot {
  step: number;
  epoch: number;
  /** Tokens of the training stream consumed this epoch, and its total. */
  epochProgress: number;
  trainLoss: number;
  trainPpl: number;
  archLoss: number;
  archPpl: number;
  lr: number;
  tokensPerSec: number;
  elapsedSec: number;
  /** softmax(alphas) [36, 5] row-major. */
  opWeights: Float32Array;
  genotype: RnnGenotype;
  /** Validation perplexity after each finished epoch. */
  validPpl: number[];
}

export interface RnnCheckpoint {
  version: 1;
  config: RnnSearchConfig;
  step: number;
  elapsedSec: number;
  weights: Float32Array[];
  buffers: Float32Array[];
  alphas: Float32Array;
  adam: { t: number; m: Float32Array[]; v: Float32Array[] } | null;
  sampler: PtbSamplerPosition;
  dropout: number;
  hiddenTrain: Float32Array;
  hiddenVal: Float32Array;
  validPpl: number[];
}

export class RnnSearchRun {
  readonly model: RnnSearchModel;
  step = 0;
  readonly validPpl: number[] = [];

  private readonly architect: RnnArchitect;
  private readonly sgd: Sgd;
  private readonly train: BatchedTokens;
  private readonly search: BatchedTokens;
  private readonly valid: BatchedTokens;
  private readonly sampler: PtbSampler;
  private readonly dropoutRng: Rng;
  private hiddenTrain: tf.Tensor2D;
  private hiddenVal: tf.Tensor2D;
  private epochNumber = 0;
  private lastLr: number;
  /** Per step since the last snapshot: [trainNll, archNll]. */
  private pending: tf.Tensor1D[] = [];
  private pendingTokens = 0;
  private startedAt = performance.now();
  private lastSnapshotAt = performance.now();

  private constructor(
    readonly config: RnnSearchConfig,
    corpus: PtbCorpus,
  ) {
    const c = config;
    const master = new Rng(c.seed);
    this.model = new RnnSearchModel(
      { tokens: corpus.vocab.length, hidden: c.hidden, dropouts: c.dropouts },
      master.fork(),
    );
    this.architect = new RnnArchitect(this.model, {
      order: c.order,
      weightDecay: c.weightDecay,
      clip: c.clip,
      archLr: c.archLr,
      archWeightDecay: c.archWeightDecay,
      archBeta1: c.archBeta1,
      archBeta2: c.archBeta2,
    });
    this.sgd = new Sgd(0, c.weightDecay);

    const tokens =
      c.maxTokens > 0 ? corpus.train.subarray(0, c.maxTokens) : corpus.train;
    this.train = batchify(tokens, c.batchSize);
    this.search = batchify(corpus.valid, c.batchSize);
    this.valid = batchify(corpus.valid, c.evalBatchSize);
    this.sampler = new PtbSampler(
      this.train.steps,
      master.fork(),
      searchSeqLen,
      c.bptt,
    );
    this.dropoutRng = master.fork();
    this.hiddenTrain = this.model.initHidden(c.batchSize);
    this.hiddenVal = this.model.initHidden(c.batchSize);
    this.lastLr = c.lr;
  }

  static create(config: RnnSearchConfig, corpus: PtbCorpus): RnnSearchRun {
    return new RnnSearchRun(config, corpus);
  }

  get epoch(): number {
    return Math.min(this.epochNumber, this.config.epochs - 1);
  }

  get done(): boolean {
    return this.epochNumber >= this.config.epochs;
  }

  /** Rows of the training stream per epoch, for progress. */
  get rowsPerEpoch(): number {
    return this.train.steps;
  }

  /** One chunk: the architecture step, then the weight step. */
  runStep(): void {
    if (this.done) return;
    const c = this.config;
    const chunk = this.sampler.next();
    if (chunk.start === 0) this.resetHidden();
    const lr = c.lr * chunk.lrScale;
    this.lastLr = lr;
    const trainBatch = toChunk(
      getBatch(this.train, chunk.start, chunk.seqLen),
      c.batchSize,
    );
    const valBatch = toChunk(
      archBatch(this.search, chunk.start, c.bptt),
      c.batchSize,
    );

    const arch = this.architect.step(
      trainBatch,
      this.hiddenTrain,
      valBatch,
      this.hiddenVal,
      lr,
      this.dropoutRng,
    );
    this.hiddenVal.dispose();
    this.hiddenVal = arch.hidden;

    let hidden: tf.Tensor2D | null = null;
    const trainNll = tf.tidy(() => {
      let nll: tf.Scalar | null = null;
      const weights = this.model.weights;
      const { grads } = tf.variableGrads(() => {
        const out = this.model.forward(
          trainBatch.x,
          trainBatch.batch,
          this.hiddenTrain,
          this.dropoutRng,
        );
        hidden = tf.keep(out.hidden);
        nll = tf.keep(nllLoss(out, trainBatch.y));
        return nll.add(tarPenalty(out.raw, c.tarBeta)) as tf.Scalar;
      }, weights);
      const { clipped } = clipByNorm(
        weights.map((w) => grads[w.name]),
        c.clip,
      );
      this.sgd.step(weights, clipped, lr);
      return nll!;
    });
    this.hiddenTrain.dispose();
    this.hiddenTrain = hidden!;

    this.pending.push(
      tf.tidy(() => tf.stack([trainNll, arch.valLoss]) as tf.Tensor1D),
    );
    tf.dispose([trainNll, arch.valLoss]);
    tf.dispose([trainBatch.x, trainBatch.y, valBatch.x, valBatch.y]);
    this.pendingTokens += trainBatch.x.size;
    this.step += 1;
    if (chunk.last) this.epochNumber += 1;
  }

  /** True right after the last chunk of an epoch: time to validate. */
  get epochEnded(): boolean {
    return this.step > 0 && this.sampler.position.cursor === 0;
  }

  /**
   * Perplexity on the validation split in eval mode (running BN statistics,
   * no dropout), as the reference's evaluate(): the summed loss divided by
   * the stream's rows.
   */
  async validate(): Promise<number> {
    const c = this.config;
    const data = this.valid;
    this.model.training = false;
    let hidden = this.model.initHidden(c.evalBatchSize);
    let total = 0;
    for (let i = 0; i < data.steps - 1; i += c.bptt) {
      const batch = toChunk(getBatch(data, i, c.bptt), c.evalBatchSize);
      const rows = batch.x.size / c.evalBatchSize;
      const [loss, next] = tf.tidy(() => {
        const out = this.model.forward(
          batch.x,
          batch.batch,
          hidden,
          this.dropoutRng,
        );
        return [nllLoss(out, batch.y), out.hidden];
      });
      total += rows * (await loss.data())[0];
      tf.dispose([loss, hidden, batch.x, batch.y]);
      hidden = next as tf.Tensor2D;
    }
    hidden.dispose();
    this.model.training = true;
    const ppl = Math.exp(total / data.steps);
    this.validPpl.push(ppl);
    return ppl;
  }

  async opWeights(): Promise<Float32Array> {
    const p = tf.tidy(() => tf.softmax(this.model.alphas as tf.Tensor));
    const data = (await p.data()) as Float32Array;
    p.dispose();
    return data;
  }

  async snapshot(): Promise<RnnSnapshot> {
    const steps = this.pending.length;
    let [train, arch] = [0, 0];
    for (const t of this.pending) {
      const d = await t.data();
      train += d[0];
      arch += d[1];
    }
    tf.dispose(this.pending);
    this.pending = [];
    const now = performance.now();
    const seconds = (now - this.lastSnapshotAt) / 1000;
    const tokens = this.pendingTokens;
    this.pendingTokens = 0;
    this.lastSnapshotAt = now;
    const opWeights = await this.opWeights();
    const trainLoss = steps ? train / steps : NaN;
    const archLoss = steps ? arch / steps : NaN;

    return {
      step: this.step,
      epoch: this.epoch,
      epochProgress: this.sampler.position.cursor / this.train.steps,
      trainLoss,
      trainPpl: Math.exp(trainLoss),
      archLoss,
      archPpl: Math.exp(archLoss),
      lr: this.lastLr,
      tokensPerSec: seconds > 0 ? tokens / seconds : 0,
      elapsedSec: (now - this.startedAt) / 1000,
      opWeights,
      genotype: deriveRnnGenotype(opWeights),
      validPpl: this.validPpl.slice(),
    };
  }

  async checkpoint(): Promise<RnnCheckpoint> {
    const read = async (ts: tf.Tensor[]) =>
      Promise.all(ts.map(async (t) => (await t.data()) as Float32Array));
    const slots = this.architect.adam.slots;
    const half = slots.length / 2;
    return {
      version: 1,
      config: this.config,
      step: this.step,
      elapsedSec: (performance.now() - this.startedAt) / 1000,
      weights: await read(this.model.weights),
      buffers: await read(this.model.store.buffers.map((b) => b.variable)),
      alphas: (await this.model.alphas.data()) as Float32Array,
      adam: half
        ? {
            t: this.architect.adam.t,
            m: await read(slots.slice(0, half)),
            v: await read(slots.slice(half)),
          }
        : null,
      sampler: this.sampler.position,
      dropout: this.dropoutRng.state,
      hiddenTrain: (await this.hiddenTrain.data()) as Float32Array,
      hiddenVal: (await this.hiddenVal.data()) as Float32Array,
      validPpl: this.validPpl.slice(),
    };
  }

  static restore(cp: RnnCheckpoint, corpus: PtbCorpus): RnnSearchRun {
    const run = new RnnSearchRun(cp.config, corpus);
    const m = run.model;
    tf.tidy(() => {
      m.weights.forEach((w, i) => w.assign(tf.tensor(cp.weights[i], w.shape)));
      m.store.buffers.forEach((b, i) =>
        b.variable.assign(tf.tensor(cp.buffers[i], b.variable.shape)),
      );
      m.alphas.assign(tf.tensor(cp.alphas, m.alphas.shape));
    });
    if (cp.adam) {
      const like = (vals: Float32Array[]) =>
        vals.map((v) => tf.tensor(v, m.alphas.shape));
      run.architect.adam.restore(cp.adam.t, like(cp.adam.m), like(cp.adam.v));
    }
    run.sampler.restore(cp.sampler);
    run.epochNumber = cp.sampler.epoch;
    run.dropoutRng.state = cp.dropout;
    const shape = run.hiddenTrain.shape;
    tf.dispose([run.hiddenTrain, run.hiddenVal]);
    run.hiddenTrain = tf.tensor2d(cp.hiddenTrain, shape);
    run.hiddenVal = tf.tensor2d(cp.hiddenVal, shape);
    run.step = cp.step;
    run.validPpl.push(...cp.validPpl);
    run.startedAt = performance.now() - cp.elapsedSec * 1000;
    return run;
  }

  private resetHidden(): void {
    tf.dispose([this.hiddenTrain, this.hiddenVal]);
    this.hiddenTrain = this.model.initHidden(this.config.batchSize);
    this.hiddenVal = this.model.initHidden(this.config.batchSize);
  }

  dispose(): void {
    tf.dispose(this.pending);
    this.pending = [];
    tf.dispose([this.hiddenTrain, this.hiddenVal]);
    this.architect.dispose();
    this.sgd.dispose();
    this.model.dispose();
  }
}

function toChunk(b: TokenBatch, batch: number): RnnChunk {
  return {
    x: tf.tensor1d(b.x, 'int32'),
    y: tf.tensor1d(b.y, 'int32'),
    batch,
  };
}

/** Edges × ops of the recurrent alphas, for views that draw them. */
export const RNN_WEIGHT_SHAPE = [RNN_NUM_EDGES, RNN_NUM_OPS] as const;
