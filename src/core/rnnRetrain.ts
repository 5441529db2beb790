/**
 * Retraining a recurrent genotype (rnn/train.py, REFERENCE.md §6.4-6.7):
 * SGD with the lr rescaled per chunk by its length, clip 0.25, TAR, and the
 * switch to averaged SGD when validation stops improving; validation and
 * test perplexity with the best weights (the averaged ones after the switch).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { PtbCorpus } from '../data/ptb';
import {
  batchify,
  getBatch,
  PtbSampler,
  trainSeqLen,
  type BatchedTokens,
  type PtbSamplerPosition,
} from '../data/ptbBatch';
import { Asgd, shouldSwitchToAsgd } from './asgd';
import { Sgd } from './optimizers';
import { Rng } from './random';
import { clipByNorm } from './rnnArchitect';
import { EVAL_DROPOUTS, RnnEvalModel } from './rnnEvalModel';
import type { RnnGenotype } from './rnnGenotype';
import { nllLoss, tarPenalty, type RnnDropouts } from './rnnSearchModel';

export interface RnnRetrainConfig {
  hidden: number;
  batchSize: number;
  bptt: number;
  epochs: number;
  lr: number;
  clip: number;
  weightDecay: number;
  dropouts: RnnDropouts;
  tarBeta: number;
  /** Epochs of validation history before the ASGD switch is considered. */
  nonmono: number;
  evalBatchSize: number;
  /** The reference tests one sequence at a time. */
  testBatchSize: number;
  maxTokens: number;
  seed: number;
  snapshotEvery: number;
}

export const RNN_PAPER_RETRAIN: RnnRetrainConfig = {
  hidden: 850,
  batchSize: 64,
  bptt: 35,
  epochs: 8000,
  lr: 20,
  clip: 0.25,
  weightDecay: 8e-7,
  dropouts: EVAL_DROPOUTS,
  tarBeta: 1e-3,
  nonmono: 5,
  evalBatchSize: 10,
  testBatchSize: 1,
  maxTokens: 0,
  seed: 1267,
  snapshotEvery: 10,
};

export const RNN_RETRAIN_PRESETS: Record<
  'Demo' | 'Quick' | 'Paper',
  RnnRetrainConfig
> = {
  Demo: {
    ...RNN_PAPER_RETRAIN,
    hidden: 48,
    batchSize: 16,
    bptt: 20,
    epochs: 4,
    nonmono: 1,
    testBatchSize: 10,
    maxTokens: 40000,
    snapshotEvery: 4,
  },
  Quick: {
    ...RNN_PAPER_RETRAIN,
    hidden: 200,
    epochs: 30,
    testBatchSize: 10,
    maxTokens: 300000,
  },
  Paper: RNN_PAPER_RETRAIN,
};

export interface RnnRetrainSnapshot {
  step: number;
  epoch: number;
  epochProgress: number;
  trainLoss: number;
  trainPpl: number;
  lr: number;
  tokensPerSec: number;
  elapsedSec: number;
  optimiser: 'SGD' | 'ASGD';
  validPpl: number[];
  bestValidPpl: number | null;
  testPpl: number | null;
}

/** A recurrent retrain's whole state, as plain numbers and typed arrays. */
export interface RnnRetrainCheckpoint {
  version: 1;
  config: RnnRetrainConfig;
  genotype: RnnGenotype;
  step: number;
  elapsedSec: number;
  weights: Float32Array[];
  sgdBuffers: Float32Array[] | null;
  asgd: {
    state: { step: number; eta: number; mu: number };
    averages: Float32Array[];
  } | null;
  best: { loss: number; weights: Float32Array[] } | null;
  history: number[];
  validLoss: number[];
  testPpl: number | null;
  sampler: PtbSamplerPosition;
  dropout: number;
  hidden: Float32Array;
  recoveries: number;
}

export class RnnRetrainRun {
  readonly model: RnnEvalModel;
  step = 0;
  readonly validLoss: number[] = [];
  testPpl: number | null = null;

  private readonly sgd: Sgd;
  private asgd: Asgd | null = null;
  private readonly train: BatchedTokens;
  private readonly valid: BatchedTokens;
  private readonly test: BatchedTokens | null;
  private readonly sampler: PtbSampler;
  private readonly dropoutRng: Rng;
  private hidden: tf.Tensor2D;
  private epochNumber = 0;
  private lastLr: number;
  /** The weights with the best validation loss so far. */
  private best: { loss: number; weights: tf.Tensor[] } | null = null;
  /** Validation losses while on SGD, the switch rule's history. */
  private readonly history: number[] = [];
  private pending: tf.Scalar[] = [];
  private pendingTokens = 0;
  private startedAt = performance.now();
  private lastSnapshotAt = performance.now();

  constructor(
    readonly config: RnnRetrainConfig,
    readonly genotype: RnnGenotype,
    corpus: PtbCorpus,
  ) {
    const c = config;
    const master = new Rng(c.seed);
    this.model = new RnnEvalModel(
      {
        tokens: corpus.vocab.length,
        hidden: c.hidden,
        genotype,
        dropouts: c.dropouts,
      },
      master.fork(),
    );
    this.sgd = new Sgd(0, c.weightDecay);
    const tokens =
      c.maxTokens > 0 ? corpus.train.subarray(0, c.maxTokens) : corpus.train;
    this.train = batchify(tokens, c.batchSize);
    this.valid = batchify(corpus.valid, c.evalBatchSize);
    this.test = corpus.test ? batchify(corpus.test, c.testBatchSize) : null;
    this.sampler = new PtbSampler(
      this.train.steps,
      master.fork(),
      trainSeqLen,
      c.bptt,
    );
    this.dropoutRng = master.fork();
    this.hidden = this.model.initHidden(c.batchSize);
    this.lastLr = c.lr;
  }

  get epoch(): number {
    return Math.min(this.epochNumber, this.config.epochs - 1);
  }

  get done(): boolean {
    return this.epochNumber >= this.config.epochs;
  }

  get epochEnded(): boolean {
    return this.step > 0 && this.sampler.position.cursor === 0;
  }

  get optimiser(): 'SGD' | 'ASGD' {
    return this.asgd ? 'ASGD' : 'SGD';
  }

  runStep(): void {
    if (this.done) return;
    const c = this.config;
    const chunk = this.sampler.next();
    if (chunk.start === 0) {
      this.hidden.dispose();
      this.hidden = this.model.initHidden(c.batchSize);
    }
    const lr = c.lr * chunk.lrScale;
    this.lastLr = lr;
    const b = getBatch(this.train, chunk.start, chunk.seqLen);
    const x = tf.tensor1d(b.x, 'int32');
    const y = tf.tensor1d(b.y, 'int32');

    let hidden: tf.Tensor2D | null = null;
    const nll = tf.tidy(() => {
      let loss: tf.Scalar | null = null;
      const weights = this.model.weights;
      const { grads } = tf.variableGrads(() => {
        const out = this.model.forward(
          x,
          c.batchSize,
          this.hidden,
          this.dropoutRng,
        );
        hidden = tf.keep(out.hidden);
        loss = tf.keep(nllLoss(out, y));
        return loss.add(tarPenalty(out.raw, c.tarBeta)) as tf.Scalar;
      }, weights);
      const { clipped } = clipByNorm(
        weights.map((w) => grads[w.name]),
        c.clip,
      );
      if (this.asgd) this.asgd.update(weights, clipped, lr);
      else this.sgd.step(weights, clipped, lr);
      return loss!;
    });
    this.hidden.dispose();
    this.hidden = hidden!;
    tf.dispose([x, y]);
    this.pending.push(nll);
    this.pendingTokens += b.x.length;
    this.step += 1;
    if (chunk.last) this.epochNumber += 1;
  }

  /**
   * Validates after an epoch as train.py: with the averaged weights once on
   * ASGD; remembers the best weights; switches to ASGD by the nonmono rule.
   */
  async endEpoch(): Promise<number> {
    const averaged = this.asgd?.averages ?? null;
    const loss = averaged
      ? await this.withWeights(averaged, () => this.evaluate(this.valid))
      : await this.evaluate(this.valid);
    if (!Number.isFinite(loss)) return this.recoverFromDivergence();
    this.validLoss.push(loss);

    if (!this.best || loss < this.best.loss) {
      if (this.best) tf.dispose(this.best.weights);
      const source = averaged ?? this.model.weights;
      this.best = { loss, weights: source.map((w) => w.clone()) };
    }
    if (!this.asgd) {
      if (shouldSwitchToAsgd(this.history, loss, this.config.nonmono)) {
        this.asgd = new Asgd(this.config.lr, this.config.weightDecay);
      }
      this.history.push(loss);
    }
    return Math.exp(loss);
  }

  /**
   * The weights diverged (the loss is NaN or infinite): as train.py, go back
   * to the best weights so far and carry on; before any good epoch there is
   * nothing to go back to, so say what to change.
   */
  private recoverFromDivergence(): number {
    if (!this.best) {
      throw new Error(
        `recurrent retrain: the validation loss is not a number after epoch ` +
          `${this.epochNumber}; the weights diverged. Lower the learning ` +
          `rate (now ${this.config.lr}) or the clip norm and start again`,
      );
    }
    const best = this.best.weights;
    tf.tidy(() => this.model.weights.forEach((w, i) => w.assign(best[i])));
    this.recoveries += 1;
    return NaN;
  }

  /** Times the weights diverged and were set back to the best ones. */
  recoveries = 0;

  /** Test perplexity with the best weights (batch testBatchSize, as test). */
  async runTest(): Promise<number | null> {
    if (!this.test) return null;
    const test = this.test;
    const weights = this.best?.weights ?? null;
    const loss = weights
      ? await this.withWeights(weights, () => this.evaluate(test))
      : await this.evaluate(test);
    this.testPpl = Math.exp(loss);
    return this.testPpl;
  }

  /** The reference's evaluate(): summed chunk losses over the stream's rows. */
  private async evaluate(data: BatchedTokens): Promise<number> {
    const c = this.config;
    this.model.training = false;
    let hidden = this.model.initHidden(data.batchSize);
    let total = 0;
    for (let i = 0; i < data.steps - 1; i += c.bptt) {
      const b = getBatch(data, i, c.bptt);
      const x = tf.tensor1d(b.x, 'int32');
      const y = tf.tensor1d(b.y, 'int32');
      const [loss, next] = tf.tidy(() => {
        const out = this.model.forward(
          x,
          data.batchSize,
          hidden,
          this.dropoutRng,
        );
        return [nllLoss(out, y), out.hidden];
      });
      total += b.seqLen * (await loss.data())[0];
      tf.dispose([loss, hidden, x, y]);
      hidden = next as tf.Tensor2D;
    }
    hidden.dispose();
    this.model.training = true;
    return total / data.steps;
  }

  private async withWeights<T>(
    weights: tf.Tensor[],
    task: () => Promise<T>,
  ): Promise<T> {
    const vars = this.model.weights;
    const saved = vars.map((v) => v.clone());
    vars.forEach((v, i) => v.assign(weights[i]));
    try {
      return await task();
    } finally {
      vars.forEach((v, i) => v.assign(saved[i]));
      tf.dispose(saved);
    }
  }

  async snapshot(): Promise<RnnRetrainSnapshot> {
    let sum = 0;
    for (const t of this.pending) sum += (await t.data())[0];
    const steps = this.pending.length;
    tf.dispose(this.pending);
    this.pending = [];
    const now = performance.now();
    const seconds = (now - this.lastSnapshotAt) / 1000;
    const tokens = this.pendingTokens;
    this.pendingTokens = 0;
    this.lastSnapshotAt = now;
    const trainLoss = steps ? sum / steps : NaN;
    return {
      step: this.step,
      epoch: this.epoch,
      epochProgress: this.sampler.position.cursor / this.train.steps,
      trainLoss,
      trainPpl: Math.exp(trainLoss),
      lr: this.lastLr,
      tokensPerSec: seconds > 0 ? tokens / seconds : 0,
      elapsedSec: (now - this.startedAt) / 1000,
      optimiser: this.optimiser,
      validPpl: this.validLoss.map(Math.exp),
      bestValidPpl: this.best ? Math.exp(this.best.loss) : null,
      testPpl: this.testPpl,
    };
  }

  async checkpoint(): Promise<RnnRetrainCheckpoint> {
    const read = async (ts: tf.Tensor[]) =>
      Promise.all(ts.map(async (t) => (await t.data()) as Float32Array));
    return {
      version: 1,
      config: this.config,
      genotype: this.genotype,
      step: this.step,
      elapsedSec: (performance.now() - this.startedAt) / 1000,
      weights: await read(this.model.weights),
      sgdBuffers: this.sgd.buffers ? await read(this.sgd.buffers) : null,
      asgd: this.asgd?.averages
        ? { state: this.asgd.state, averages: await read(this.asgd.averages) }
        : null,
      best: this.best
        ? { loss: this.best.loss, weights: await read(this.best.weights) }
        : null,
      history: this.history.slice(),
      validLoss: this.validLoss.slice(),
      testPpl: this.testPpl,
      sampler: this.sampler.position,
      dropout: this.dropoutRng.state,
      hidden: (await this.hidden.data()) as Float32Array,
      recoveries: this.recoveries,
    };
  }

  /** Continues a recurrent retrain from its checkpoint on the same corpus. */
  static restore(cp: RnnRetrainCheckpoint, corpus: PtbCorpus): RnnRetrainRun {
    if (cp.version !== 1) {
      throw new Error(
        `recurrent retrain: checkpoint version ${cp.version} is not supported; start a new run`,
      );
    }
    const run = new RnnRetrainRun(cp.config, cp.genotype, corpus);
    const vars = run.model.weights;
    const like = (values: Float32Array[]) =>
      values.map((v, i) => tf.tensor(v, vars[i].shape));
    tf.tidy(() =>
      vars.forEach((w, i) => w.assign(tf.tensor(cp.weights[i], w.shape))),
    );
    if (cp.sgdBuffers) run.sgd.restore(like(cp.sgdBuffers));
    if (cp.asgd) {
      run.asgd = new Asgd(cp.config.lr, cp.config.weightDecay);
      run.asgd.restore(cp.asgd.state, like(cp.asgd.averages));
    }
    if (cp.best)
      run.best = { loss: cp.best.loss, weights: like(cp.best.weights) };
    run.history.push(...cp.history);
    run.validLoss.push(...cp.validLoss);
    run.testPpl = cp.testPpl;
    run.sampler.restore(cp.sampler);
    run.epochNumber = cp.sampler.epoch;
    run.dropoutRng.state = cp.dropout;
    const shape = run.hidden.shape;
    run.hidden.dispose();
    run.hidden = tf.tensor2d(cp.hidden, shape);
    run.step = cp.step;
    run.recoveries = cp.recoveries;
    run.startedAt = performance.now() - cp.elapsedSec * 1000;
    return run;
  }

  dispose(): void {
    tf.dispose(this.pending);
    this.pending = [];
    if (this.best) tf.dispose(this.best.weights);
    this.hidden.dispose();
    this.asgd?.dispose();
    this.sgd.dispose();
    this.model.dispose();
  }
}
