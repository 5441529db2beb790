/**
 * A search run: the supernet, its optimisers, the data order and the running
 * metrics, stepped one search step at a time by the worker or the Node
 * runner. Owns every tensor it creates; `dispose()` frees them all.
 */
import * as tf from '@tensorflow/tfjs-core';
import { makeBatch } from '../data/augment';
import {
  EpochSampler,
  randomBatch,
  splitIndices,
  type SamplerPosition,
} from '../data/split';
import type { CifarData, ImageSet } from '../data/types';
import { Architect } from './architect';
import type { SearchConfig } from './config';
import { deriveGenotype } from './genotype';
import { opWeightRows, toGenotypeJson } from './genotypeJson';
import { Sgd } from './optimizers';
import { NUM_OPS } from './primitives';
import { Rng } from './random';
import { cosineLr } from './schedule';
import { SearchNetwork } from './searchNetwork';
import { searchStep, type StepBatch } from './searchStep';
import type { Snapshot } from './snapshot';

/** Where the run happens and on what, recorded in the genotype file. */
export interface RunMeta {
  backend: string;
  dataset: string;
  source?: 'files' | 'demo';
}

/**
 * Everything needed to continue a run where it stopped: plain numbers and
 * typed arrays, so it can be stored (IndexedDB, a file) and posted.
 */
export interface RunCheckpoint {
  version: 1;
  config: SearchConfig;
  meta: RunMeta;
  /** Training images the split was made over. */
  imagesUsed: number;
  step: number;
  elapsedSec: number;
  /** Network weights in parameter order, then alphasNormal and alphasReduce. */
  weights: Float32Array[];
  alphas: [Float32Array, Float32Array];
  sgdBuffers: Float32Array[] | null;
  adam: { t: number; m: Float32Array[]; v: Float32Array[] } | null;
  rng: { sampler: SamplerPosition; arch: number; augment: number };
}

/** Image side length the search network is built for. */
const IMAGE_SIZE = 32;

export class SearchRun {
  readonly net: SearchNetwork;
  readonly stepsPerEpoch: number;
  readonly totalSteps: number;
  /** Steps taken so far. */
  step = 0;

  private readonly sgd: Sgd;
  private readonly architect: Architect;
  private readonly sampler: EpochSampler;
  private readonly archIndices: Int32Array;
  private readonly archRng: Rng;
  private readonly augmentRng: Rng;
  /** Per step since the last snapshot: [trainLoss, trainCorrect, valLoss, valCorrect]. */
  private pending: tf.Tensor1D[] = [];
  private pendingImages = 0;
  private startedAt = performance.now();
  private readonly imagesUsed: number;
  private lastSnapshotAt = performance.now();

  private constructor(
    readonly config: SearchConfig,
    private readonly train: ImageSet,
    readonly meta: RunMeta,
  ) {
    const c = config;
    const master = new Rng(c.seed);
    const initRng = master.fork();
    this.net = new SearchNetwork(
      { channels: c.channels, numClasses: c.numClasses, layers: c.layers },
      initRng,
    );
    this.sgd = new Sgd(c.momentum, c.weightDecay);
    this.architect = new Architect(this.net, this.sgd, c);

    const used =
      c.maxImages > 0 ? Math.min(c.maxImages, train.count) : train.count;
    this.imagesUsed = used;
    const split = splitIndices(used, c.trainPortion);
    this.sampler = new EpochSampler(split.weights, c.batchSize, master.fork());
    this.archIndices = split.arch;
    this.archRng = master.fork();
    this.augmentRng = master.fork();
    this.stepsPerEpoch = this.sampler.stepsPerEpoch;
    this.totalSteps = this.stepsPerEpoch * c.epochs;
  }

  /** Checks the config against the data and builds the run. */
  static create(
    config: SearchConfig,
    data: CifarData,
    meta: RunMeta,
  ): SearchRun {
    const maxLabel = data.train.labels.reduce((m, v) => Math.max(m, v), 0);
    if (maxLabel >= config.numClasses) {
      throw new RangeError(
        `search: the data has label ${maxLabel} but the network has ` +
          `${config.numClasses} classes; set classes to at least ${maxLabel + 1}`,
      );
    }
    return new SearchRun(config, data.train, meta);
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

  /** The weights' learning rate for the current epoch (cosine schedule). */
  get lr(): number {
    const c = this.config;
    return cosineLr(this.epoch, c.epochs, c.lr, c.lrMin);
  }

  /** One search step: alphas on a fresh architecture batch, then weights. */
  async runStep(): Promise<void> {
    if (this.done) return;
    const c = this.config;
    const trainIdx = this.sampler.next();
    const archIdx = randomBatch(this.archIndices, c.batchSize, this.archRng);
    const batch = this.toTensors(trainIdx, archIdx);
    const lr = this.lr;

    const r = searchStep(
      this.net,
      this.architect,
      this.sgd,
      batch,
      lr,
      c.gradClip,
    );
    const metrics = tf.tidy(() =>
      tf.stack([
        r.trainLoss,
        correctCount(r.trainLogits, batch.yTrain),
        r.valLoss,
        correctCount(r.valLogits, batch.yVal),
      ]),
    ) as tf.Tensor1D;
    tf.dispose([r.trainLoss, r.trainLogits, r.valLoss, r.valLogits]);
    tf.dispose([batch.xTrain, batch.yTrain, batch.xVal, batch.yVal]);

    this.pending.push(metrics);
    this.pendingImages += trainIdx.length;
    this.step += 1;
  }

  private toTensors(trainIdx: Int32Array, archIdx: Int32Array): StepBatch {
    const t = makeBatch(this.train, trainIdx, this.augmentRng);
    const v = makeBatch(this.train, archIdx, this.augmentRng);
    const s = IMAGE_SIZE;

    return {
      xTrain: tf.tensor4d(t.x, [t.size, s, s, 3]),
      yTrain: tf.tensor1d(t.y, 'int32'),
      xVal: tf.tensor4d(v.x, [v.size, s, s, 3]),
      yVal: tf.tensor1d(v.y, 'int32'),
    };
  }

  /** softmax(alphasNormal) and softmax(alphasReduce), read with await data(). */
  async opWeights(): Promise<[Float32Array, Float32Array]> {
    const [n, r] = tf.tidy(() =>
      this.net.alphas.map((a) => tf.softmax(a as tf.Tensor2D)),
    );
    const out: [Float32Array, Float32Array] = [
      (await n.data()) as Float32Array,
      (await r.data()) as Float32Array,
    ];
    tf.dispose([n, r]);
    return out;
  }

  /** The numbers since the last snapshot; resets the running means. */
  async snapshot(): Promise<Snapshot> {
    const steps = this.pending.length;
    const sums = [0, 0, 0, 0];
    for (const t of this.pending) {
      const d = await t.data();
      for (let i = 0; i < 4; i++) sums[i] += d[i];
    }
    tf.dispose(this.pending);
    this.pending = [];
    const [normal, reduce] = await this.opWeights();

    const now = performance.now();
    const seconds = (now - this.lastSnapshotAt) / 1000;
    const images = this.pendingImages;
    this.pendingImages = 0;
    this.lastSnapshotAt = now;
    const batch = this.config.batchSize;
    const last = Math.max(this.step - 1, 0);

    return {
      step: this.step,
      epoch: this.epoch,
      stepInEpoch: last % this.stepsPerEpoch,
      stepsPerEpoch: this.stepsPerEpoch,
      totalSteps: this.totalSteps,
      trainLoss: steps ? sums[0] / steps : NaN,
      trainAcc: images ? sums[1] / images : NaN,
      archLoss: steps ? sums[2] / steps : NaN,
      archAcc: steps ? sums[3] / (steps * batch) : NaN,
      lr: this.lr,
      imagesPerSec: seconds > 0 ? images / seconds : 0,
      elapsedSec: (now - this.startedAt) / 1000,
      opWeightsNormal: normal,
      opWeightsReduce: reduce,
      genotype: deriveGenotype(normal, reduce),
    };
  }

  /** The genotype file (genotypeJson.ts format) of the current alphas. */
  async exportGenotype(): Promise<string> {
    const [normal, reduce] = await this.opWeights();

    return toGenotypeJson(deriveGenotype(normal, reduce), {
      config: this.config,
      seed: this.config.seed,
      backend: this.meta.backend,
      dataset: {
        name: this.meta.dataset,
        trainImages: this.imagesUsed,
        source: this.meta.source ?? 'files',
      },
      epoch: this.epoch,
      step: this.step,
      createdAt: new Date().toISOString(),
      opWeightsNormal: opWeightRows(normal, NUM_OPS),
      opWeightsReduce: opWeightRows(reduce, NUM_OPS),
    });
  }

  /** The run's whole state, read with await data(). */
  async checkpoint(): Promise<RunCheckpoint> {
    const read = async (ts: tf.Tensor[]) =>
      Promise.all(ts.map(async (t) => (await t.data()) as Float32Array));
    const slots = this.architect.adam.slots;
    const half = slots.length / 2;

    return {
      version: 1,
      config: this.config,
      meta: this.meta,
      imagesUsed: this.imagesUsed,
      step: this.step,
      elapsedSec: (performance.now() - this.startedAt) / 1000,
      weights: await read(this.net.weights),
      alphas: (await read(this.net.alphas)) as [Float32Array, Float32Array],
      sgdBuffers: this.sgd.buffers ? await read(this.sgd.buffers) : null,
      adam: half
        ? {
            t: this.architect.adam.t,
            m: await read(slots.slice(0, half)),
            v: await read(slots.slice(half)),
          }
        : null,
      rng: {
        sampler: this.sampler.position,
        arch: this.archRng.state,
        augment: this.augmentRng.state,
      },
    };
  }

  /**
   * Continues a run from its checkpoint on the same training data (the split
   * is by index, so the data must have at least as many images as before).
   */
  static restore(cp: RunCheckpoint, data: CifarData): SearchRun {
    if (cp.version !== 1) {
      throw new Error(
        `search: checkpoint version ${cp.version} is not supported; start a new run`,
      );
    }
    const used =
      cp.config.maxImages > 0
        ? Math.min(cp.config.maxImages, data.train.count)
        : data.train.count;
    if (used !== cp.imagesUsed) {
      throw new Error(
        `search: the saved run used ${cp.imagesUsed} training images, the loaded data gives ${used}; ` +
          'load the same files to resume it',
      );
    }
    const run = SearchRun.create(cp.config, data, cp.meta);
    const shaped = (vals: Float32Array[], like: tf.Tensor[]) =>
      vals.map((v, i) => tf.tensor(v, like[i].shape));

    tf.tidy(() => {
      run.net.weights.forEach((w, i) =>
        w.assign(tf.tensor(cp.weights[i], w.shape)),
      );
      run.net.alphas.forEach((a, i) =>
        a.assign(tf.tensor(cp.alphas[i], a.shape)),
      );
    });
    if (cp.sgdBuffers) run.sgd.restore(shaped(cp.sgdBuffers, run.net.weights));
    if (cp.adam) {
      run.architect.adam.restore(
        cp.adam.t,
        shaped(cp.adam.m, run.net.alphas),
        shaped(cp.adam.v, run.net.alphas),
      );
    }
    run.sampler.restore(cp.rng.sampler);
    run.archRng.state = cp.rng.arch;
    run.augmentRng.state = cp.rng.augment;
    run.step = cp.step;
    run.startedAt = performance.now() - cp.elapsedSec * 1000;
    return run;
  }

  dispose(): void {
    tf.dispose(this.pending);
    this.pending = [];
    this.architect.dispose();
    this.sgd.dispose();
    this.net.dispose();
  }
}

/** Number of rows whose argmax equals the label, as a scalar. */
function correctCount(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf
    .equal(tf.argMax(logits, 1), labels)
    .cast('float32')
    .sum() as tf.Scalar;
}
