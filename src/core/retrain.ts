/**
 * Retraining a genotype from scratch (REFERENCE.md §5.5): the evaluation
 * network on the whole training set with SGD, cosine lr, the auxiliary loss,
 * cutout and ramped drop path, tested on the test batch after every epoch.
 * Owns every tensor it creates; `dispose()` frees them all.
 */
import * as tf from '@tensorflow/tfjs-core';
import { CIFAR_MEAN, CIFAR_STD, makeBatch } from '../data/augment';
import { applyCutout } from '../data/cutout';
import { EpochSampler, type SamplerPosition } from '../data/split';
import type { CifarData, ImageSet } from '../data/types';
import { EvalNetwork } from './evalNetwork';
import type { Genotype } from './genotype';
import {
  accuracyFromConfusion,
  argmaxRows,
  confusionMatrix,
  perClassAccuracy,
} from './metrics';
import type { EvalModelMeta, NamedWeight } from './modelFiles';
import { clipCoefficient, globalNorm, Sgd } from './optimizers';
import { Rng } from './random';
import { dropPathAt, type RetrainConfig } from './retrainConfig';
import { cosineLr } from './schedule';
import type { RunMeta } from './search';

const SIDE = 32;

/** Images per forward when testing: large enough to be quick, small for memory. */
const TEST_BATCH = 100;

/** The test set's verdict on the network after some epoch. */
export interface TestResult {
  /** Epochs trained when tested (1 after the first epoch). */
  epochs: number;
  images: number;
  /** Top-1 accuracy in [0, 1]. */
  accuracy: number;
  /** Per class in [0, 1]; NaN for a class the test set lacks. */
  perClass: Float64Array;
  /** [classes x classes], row = true class, column = predicted. */
  confusion: Int32Array;
  loss: number;
}

/** What the retrain loop reports every few steps (numbers and typed arrays only). */
export interface RetrainSnapshot {
  step: number;
  epoch: number;
  stepInEpoch: number;
  stepsPerEpoch: number;
  totalSteps: number;
  trainLoss: number;
  trainAcc: number;
  lr: number;
  dropPath: number;
  imagesPerSec: number;
  elapsedSec: number;
  /** Every test so far, oldest first. */
  tests: TestResult[];
}

/** A retrain run's whole state, as plain numbers and typed arrays. */
export interface RetrainCheckpoint {
  version: 1;
  config: RetrainConfig;
  genotype: Genotype;
  meta: RunMeta;
  imagesUsed: number;
  step: number;
  elapsedSec: number;
  weights: Float32Array[];
  /** BN running means and variances, in buffer order. */
  buffers: Float32Array[];
  sgdBuffers: Float32Array[] | null;
  rng: {
    sampler: SamplerPosition;
    augment: number;
    cutout: number;
    dropPath: number;
  };
  tests: TestResult[];
}

export class RetrainRun {
  readonly net: EvalNetwork;
  readonly stepsPerEpoch: number;
  readonly totalSteps: number;
  step = 0;
  readonly tests: TestResult[] = [];

  private readonly sgd: Sgd;
  private readonly sampler: EpochSampler;
  private readonly augmentRng: Rng;
  /** Cutout's own draws, so turning it on leaves the crops unchanged. */
  private readonly cutoutRng: Rng;
  /** Training images the run draws from. */
  readonly imagesUsed: number;
  /** Per step since the last snapshot: [loss, correct]. */
  private pending: tf.Tensor1D[] = [];
  private pendingImages = 0;
  private startedAt = performance.now();
  private lastSnapshotAt = performance.now();

  private constructor(
    readonly config: RetrainConfig,
    readonly genotype: Genotype,
    private readonly data: CifarData,
    readonly meta: RunMeta,
  ) {
    const c = config;
    const master = new Rng(c.seed);
    this.net = new EvalNetwork(
      {
        genotype,
        channels: c.channels,
        layers: c.layers,
        numClasses: c.numClasses,
        auxiliary: c.auxiliary,
      },
      master.fork(),
    );
    this.sgd = new Sgd(c.momentum, c.weightDecay);

    const train = data.train;
    this.imagesUsed =
      c.maxImages > 0 ? Math.min(c.maxImages, train.count) : train.count;
    const indices = Int32Array.from({ length: this.imagesUsed }, (_, i) => i);
    this.sampler = new EpochSampler(indices, c.batchSize, master.fork());
    this.augmentRng = master.fork();
    this.cutoutRng = master.fork();
    this.stepsPerEpoch = this.sampler.stepsPerEpoch;
    this.totalSteps = this.stepsPerEpoch * c.epochs;
  }

  /** Checks the config against the data and builds the run. */
  static create(
    config: RetrainConfig,
    genotype: Genotype,
    data: CifarData,
    meta: RunMeta,
  ): RetrainRun {
    const maxLabel = data.train.labels.reduce((m, v) => Math.max(m, v), 0);
    if (maxLabel >= config.numClasses) {
      throw new RangeError(
        `retrain: the data has label ${maxLabel} but the network has ` +
          `${config.numClasses} classes; set classes to at least ${maxLabel + 1}`,
      );
    }
    if (data.train.count === 0) {
      throw new RangeError(
        'retrain: no training images are loaded; drop data_batch_*.bin files ' +
          'or use the demo data',
      );
    }
    return new RetrainRun(config, genotype, data, meta);
  }

  get epoch(): number {
    return Math.min(
      Math.floor(this.step / this.stepsPerEpoch),
      this.config.epochs - 1,
    );
  }

  get done(): boolean {
    return this.step >= this.totalSteps;
  }

  /** True right after the last step of an epoch: time to test. */
  get epochEnded(): boolean {
    return this.step > 0 && this.step % this.stepsPerEpoch === 0;
  }

  get lr(): number {
    const c = this.config;
    return cosineLr(this.epoch, c.epochs, c.lr, c.lrMin);
  }

  get hasTestSet(): boolean {
    return this.data.test.count > 0;
  }

  /** Test images each test uses. */
  get testImages(): number {
    const cap = this.config.maxTestImages;
    const count = this.data.test.count;
    return cap > 0 ? Math.min(cap, count) : count;
  }

  /** One SGD step on a fresh augmented batch. */
  runStep(): void {
    if (this.done) return;
    const c = this.config;
    const idx = this.sampler.next();
    const batch = makeBatch(this.data.train, idx, this.augmentRng);
    if (c.cutout > 0) applyCutout(batch, c.cutout, this.cutoutRng);
    const x = tf.tensor4d(batch.x, [batch.size, SIDE, SIDE, 3]);
    const y = tf.tensor1d(batch.y, 'int32');

    this.net.setTraining(true);
    this.net.dropPathProb = dropPathAt(c, this.epoch);
    const lr = this.lr;
    // Kept out of the gradient's scope to count correct answers, then freed.
    let logits: tf.Tensor2D | null = null;
    const metrics = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => {
        const out = this.net.forward(x);
        logits = tf.keep(out.logits);
        return totalLoss(out.logits, out.logitsAux, y, c.auxWeight);
      }, this.net.weights);
      // A head whose loss weight is 0 gets no gradient: treat it as zero.
      const ordered = this.net.weights.map(
        (w) => grads[w.name] ?? tf.zerosLike(w),
      );
      const coef = clipCoefficient(globalNorm(ordered), c.gradClip);
      this.sgd.step(
        this.net.weights,
        ordered.map((g) => g.mul(coef)),
        lr,
      );
      return tf.stack([value, correctCount(logits!, y)]) as tf.Tensor1D;
    });
    tf.dispose([x, y, logits!]);

    this.pending.push(metrics);
    this.pendingImages += batch.size;
    this.step += 1;
  }

  /**
   * Top-1 accuracy, per-class accuracy, confusion matrix and loss on the
   * test set (eval mode: running BN statistics, no drop path, no head).
   */
  async test(): Promise<TestResult | null> {
    const set = this.data.test;
    if (set.count === 0) return null;
    const count = this.testImages;
    const k = this.config.numClasses;
    const labels = new Int32Array(count);
    const predicted = new Int32Array(count);
    let lossSum = 0;

    this.net.setTraining(false);
    for (let start = 0; start < count; start += TEST_BATCH) {
      const end = Math.min(start + TEST_BATCH, count);
      const r = await this.testBatch(set, start, end);
      labels.set(r.labels, start);
      predicted.set(r.predicted, start);
      lossSum += r.loss;
    }
    this.net.setTraining(true);

    const confusion = confusionMatrix(labels, predicted, k);
    const result: TestResult = {
      epochs: this.epochsDone,
      images: count,
      accuracy: accuracyFromConfusion(confusion, k),
      perClass: perClassAccuracy(confusion, k),
      confusion,
      loss: lossSum / count,
    };
    this.tests.push(result);
    return result;
  }

  private get epochsDone(): number {
    return Math.floor(this.step / this.stepsPerEpoch);
  }

  private async testBatch(set: ImageSet, start: number, end: number) {
    const idx = Int32Array.from({ length: end - start }, (_, i) => start + i);
    const batch = makeBatch(set, idx, null);
    const k = this.config.numClasses;
    const [logits, lossSum] = tf.tidy(() => {
      const x = tf.tensor4d(batch.x, [batch.size, SIDE, SIDE, 3]);
      const out = this.net.forward(x).logits;
      const onehot = tf.oneHot(tf.tensor1d(batch.y, 'int32'), k);
      const nll = tf.logSoftmax(out).mul(onehot).sum().neg();
      return [out, nll];
    });
    const values = (await logits.data()) as Float32Array;
    const loss = (await lossSum.data())[0];
    tf.dispose([logits, lossSum]);

    return {
      labels: batch.y,
      predicted: argmaxRows(values, batch.size, k),
      loss,
    };
  }

  /** The numbers since the last snapshot; resets the running means. */
  async snapshot(): Promise<RetrainSnapshot> {
    const steps = this.pending.length;
    let [lossSum, correct] = [0, 0];
    for (const t of this.pending) {
      const d = await t.data();
      lossSum += d[0];
      correct += d[1];
    }
    tf.dispose(this.pending);
    this.pending = [];

    const now = performance.now();
    const seconds = (now - this.lastSnapshotAt) / 1000;
    const images = this.pendingImages;
    this.pendingImages = 0;
    this.lastSnapshotAt = now;
    const last = Math.max(this.step - 1, 0);

    return {
      step: this.step,
      epoch: this.epoch,
      stepInEpoch: last % this.stepsPerEpoch,
      stepsPerEpoch: this.stepsPerEpoch,
      totalSteps: this.totalSteps,
      trainLoss: steps ? lossSum / steps : NaN,
      trainAcc: images ? correct / images : NaN,
      lr: this.lr,
      dropPath: dropPathAt(this.config, this.epoch),
      imagesPerSec: seconds > 0 ? images / seconds : 0,
      elapsedSec: (now - this.startedAt) / 1000,
      tests: this.tests,
    };
  }

  /** The trained network's weights and BN statistics under their names. */
  async namedWeights(): Promise<NamedWeight[]> {
    const all = [...this.net.store.params, ...this.net.store.buffers];
    return Promise.all(
      all.map(async (p) => ({
        name: p.name,
        shape: p.variable.shape.slice(),
        data: (await p.variable.data()) as Float32Array,
      })),
    );
  }

  /** What the model files say about this network beside its weights. */
  modelMeta(): EvalModelMeta {
    const c = this.config;
    const last = this.tests[this.tests.length - 1];
    return {
      genotype: this.genotype,
      channels: c.channels,
      layers: c.layers,
      numClasses: c.numClasses,
      auxiliary: c.auxiliary,
      classNames: this.data.classNames.slice(0, c.numClasses),
      normalisation: { mean: [...CIFAR_MEAN], std: [...CIFAR_STD] },
      trainedEpochs: this.epochsDone,
      testAccuracy: last ? last.accuracy : null,
    };
  }

  async checkpoint(): Promise<RetrainCheckpoint> {
    const read = async (ts: tf.Tensor[]) =>
      Promise.all(ts.map(async (t) => (await t.data()) as Float32Array));

    return {
      version: 1,
      config: this.config,
      genotype: this.genotype,
      meta: this.meta,
      imagesUsed: this.imagesUsed,
      step: this.step,
      elapsedSec: (performance.now() - this.startedAt) / 1000,
      weights: await read(this.net.weights),
      buffers: await read(this.net.store.buffers.map((b) => b.variable)),
      sgdBuffers: this.sgd.buffers ? await read(this.sgd.buffers) : null,
      rng: {
        sampler: this.sampler.position,
        augment: this.augmentRng.state,
        cutout: this.cutoutRng.state,
        dropPath: this.net.dropPathRng.state,
      },
      tests: this.tests.slice(),
    };
  }

  /** Continues a retrain from its checkpoint on the same training data. */
  static restore(cp: RetrainCheckpoint, data: CifarData): RetrainRun {
    if (cp.version !== 1) {
      throw new Error(
        `retrain: checkpoint version ${cp.version} is not supported; start a new run`,
      );
    }
    const run = RetrainRun.create(cp.config, cp.genotype, data, cp.meta);
    if (run.imagesUsed !== cp.imagesUsed) {
      const got = run.imagesUsed;
      run.dispose();
      throw new Error(
        `retrain: the saved run used ${cp.imagesUsed} training images, the ` +
          `loaded data gives ${got}; load the same files to resume it`,
      );
    }
    const buffers = run.net.store.buffers.map((b) => b.variable);
    tf.tidy(() => {
      run.net.weights.forEach((w, i) =>
        w.assign(tf.tensor(cp.weights[i], w.shape)),
      );
      buffers.forEach((b, i) => b.assign(tf.tensor(cp.buffers[i], b.shape)));
    });
    if (cp.sgdBuffers) {
      run.sgd.restore(
        cp.sgdBuffers.map((v, i) => tf.tensor(v, run.net.weights[i].shape)),
      );
    }
    run.sampler.restore(cp.rng.sampler);
    run.augmentRng.state = cp.rng.augment;
    run.cutoutRng.state = cp.rng.cutout;
    run.net.dropPathRng.state = cp.rng.dropPath;
    run.step = cp.step;
    run.tests.push(...cp.tests);
    run.startedAt = performance.now() - cp.elapsedSec * 1000;
    return run;
  }

  dispose(): void {
    tf.dispose(this.pending);
    this.pending = [];
    this.sgd.dispose();
    this.net.dispose();
  }
}

/** CE(logits) + w·CE(logits_aux), or CE alone without a head. */
function totalLoss(
  logits: tf.Tensor2D,
  logitsAux: tf.Tensor2D | null,
  y: tf.Tensor1D,
  auxWeight: number,
): tf.Scalar {
  const ce = (l: tf.Tensor2D) =>
    tf.logSoftmax(l).mul(tf.oneHot(y, l.shape[1])).sum().div(-l.shape[0]);
  const main = ce(logits);
  return (
    logitsAux && auxWeight > 0 ? main.add(ce(logitsAux).mul(auxWeight)) : main
  ) as tf.Scalar;
}

function correctCount(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf
    .equal(tf.argMax(logits, 1), labels)
    .cast('float32')
    .sum() as tf.Scalar;
}
