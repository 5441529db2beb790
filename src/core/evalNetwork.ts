/**
 * NetworkCIFAR (REFERENCE.md §5.2-5.3): the evaluation network a genotype
 * describes, trained from scratch. Stem of 3C channels, `layers` cells with
 * reductions at layers/3 and 2·layers/3, the auxiliary head after the
 * second reduction cell, global pooling and a linear classifier. Every BN is
 * affine and keeps running statistics for eval mode.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  applyBatchNorm,
  makeBatchNorm,
  type BatchNormLayer,
} from './batchNormLayer';
import { EvalCell, type DropPath } from './evalCell';
import type { Genotype } from './genotype';
import {
  conv2d,
  crossEntropy,
  globalAvgPool,
  matMul,
  pointwiseConv,
} from './kernels';
import { ParamStore } from './params';
import { Rng } from './random';
import { reductionLayers } from './searchNetwork';

type T4 = tf.Tensor4D;

export interface EvalNetworkOptions {
  genotype: Genotype;
  channels: number;
  layers: number;
  numClasses: number;
  auxiliary: boolean;
  stemMultiplier?: number;
  /**
   * Rematerialise cells in the backward pass: true, false, or undefined to
   * decide per forward from the estimated activation size.
   */
  rematerialiseCells?: boolean;
}

/**
 * Bytes of kept activations past which cells are rematerialised. wasm's heap
 * ends at 4 GB; a retrain step at C=16, 8 cells, batch 32 peaked at 3.8 GB
 * without rematerialisation.
 */
export const EVAL_REMAT_BYTES = 1.5 * 2 ** 30;

/**
 * Full-size maps ([N, H, W, C] of the cell) a DARTS_V2 cell keeps for its
 * backward, measured from that peak: the ops' intermediates, BN's saved
 * normalised inputs and the padded copies of the depthwise convs.
 */
const KEPT_PER_CELL = 400;

/** Logits of the main classifier and, in train mode with a head, the auxiliary one. */
export type EvalOutput = {
  logits: tf.Tensor2D;
  logitsAux: tf.Tensor2D | null;
};

/** The auxiliary head's name prefix in the reference's state dict. */
export const AUX_PREFIX = 'auxiliary_head.';

export class EvalNetwork {
  readonly store: ParamStore;
  readonly cells: EvalCell[] = [];
  /** Index of the cell whose output feeds the auxiliary head. */
  readonly auxAfter: number;

  /** Drop path probability for the next train-mode forwards. */
  dropPathProb = 0;

  private readonly stemConv: tf.Tensor4D;
  private readonly stemBn: BatchNormLayer;
  private readonly aux: AuxiliaryHead | null;
  private readonly classifier: [tf.Variable, tf.Variable];
  private readonly dropRng: Rng;

  /** Builds the network; weights come from `rng`, drop-path masks from a fork. */
  constructor(
    readonly options: EvalNetworkOptions,
    rng: Rng,
  ) {
    const { genotype, channels: c, layers, numClasses } = options;
    const stemC = (options.stemMultiplier ?? 3) * c;
    this.store = new ParamStore(rng);
    this.store.trackRunningStats = true;
    this.auxAfter = Math.floor((2 * layers) / 3);

    this.stemConv = this.store.conv(
      'stem.0.weight',
      'conv',
      [3, 3, 3, stemC],
      27,
    ) as tf.Tensor4D;
    this.stemBn = makeBatchNorm(this.store, 'stem.1', stemC, true);

    let [cPP, cP, cCur] = [stemC, stemC, c];
    let reductionPrev = false;
    let auxChannels = 0;
    const reductions = reductionLayers(layers);
    for (let i = 0; i < layers; i++) {
      const reduction = reductions.includes(i);
      if (reduction) cCur *= 2;
      const cell = new EvalCell(
        this.store,
        `cells.${i}.`,
        reduction ? genotype.reduce : genotype.normal,
        reduction ? genotype.reduceConcat : genotype.normalConcat,
        cPP,
        cP,
        cCur,
        reduction,
        reductionPrev,
      );
      this.cells.push(cell);
      reductionPrev = reduction;
      [cPP, cP] = [cP, cell.outChannels];
      if (i === this.auxAfter) auxChannels = cP;
    }

    this.aux = options.auxiliary
      ? new AuxiliaryHead(this.store, auxChannels, numClasses)
      : null;
    this.classifier = this.store.linear('classifier', cP, numClasses);
    this.dropRng = rng.fork();
  }

  get weights(): tf.Variable[] {
    return this.store.variables;
  }

  /** Trainable scalars, the auxiliary head included. */
  get paramCount(): number {
    return this.store.count;
  }

  /** Trainable scalars in the auxiliary head alone. */
  get auxParamCount(): number {
    return this.store.params
      .filter((p) => p.name.startsWith(AUX_PREFIX))
      .reduce((s, p) => s + p.variable.size, 0);
  }

  /** Train mode (batch BN statistics, drop path, auxiliary logits) or eval. */
  setTraining(training: boolean): void {
    this.store.training = training;
  }

  get training(): boolean {
    return this.store.training;
  }

  /** Seeded state of the drop-path masks, for checkpoints. */
  get dropPathRng(): Rng {
    return this.dropRng;
  }

  forward(x: T4): EvalOutput {
    const training = this.store.training;
    const drop: DropPath | null =
      training && this.dropPathProb > 0
        ? { prob: this.dropPathProb, rng: this.dropRng }
        : null;

    const remat =
      training &&
      (this.options.rematerialiseCells ?? this.keptBytes(x) > EVAL_REMAT_BYTES);
    const stem = applyBatchNorm(conv2d(x, this.stemConv, 1), this.stemBn);
    let [s0, s1] = [stem, stem];
    let logitsAux: tf.Tensor2D | null = null;
    this.cells.forEach((cell, i) => {
      [s0, s1] = [s1, cell.apply(s0, s1, drop, remat)];
      if (i === this.auxAfter && this.aux && training) {
        logitsAux = this.aux.apply(s1);
      }
    });

    const pooled = globalAvgPool(s1);
    const logits = matMul(pooled, this.classifier[0] as tf.Tensor2D).add(
      this.classifier[1],
    ) as tf.Tensor2D;
    return { logits, logitsAux };
  }

  /** Estimated bytes the cells keep for the backward without remat. */
  keptBytes(x: T4): number {
    const [n, h, w] = x.shape;
    let [pixels, c, total] = [h * w, this.options.channels, 0];
    for (const cell of this.cells) {
      if (cell.reduction) [pixels, c] = [pixels / 4, c * 2];
      total += KEPT_PER_CELL * n * pixels * c * 4;
    }
    return total;
  }

  /** CE(logits) + auxWeight·CE(logits_aux), as train.py's loss. */
  loss(x: T4, labels: tf.Tensor1D, auxWeight: number): tf.Scalar {
    const { logits, logitsAux } = this.forward(x);
    const main = crossEntropy(logits, labels);
    if (logitsAux === null || auxWeight === 0) return main;
    return main.add(crossEntropy(logitsAux, labels).mul(auxWeight));
  }

  dispose(): void {
    this.store.dispose();
  }
}

/**
 * AuxiliaryHeadCIFAR: ReLU → avg pool 5, stride 3, no padding → 1x1 conv to
 * 128 → BN → ReLU → 2x2 conv to 768 → BN → ReLU → linear. It expects the
 * 8x8 maps of the second reduction cell on 32x32 images.
 */
class AuxiliaryHead {
  private readonly conv1: tf.Tensor2D;
  private readonly bn1: BatchNormLayer;
  private readonly conv2: tf.Tensor4D;
  private readonly bn2: BatchNormLayer;
  private readonly linear: [tf.Variable, tf.Variable];

  constructor(store: ParamStore, c: number, numClasses: number) {
    const p = `${AUX_PREFIX}features.`;
    this.conv1 = store.conv(
      `${p}2.weight`,
      'pointwise',
      [c, 128],
      c,
    ) as tf.Tensor2D;
    this.bn1 = makeBatchNorm(store, `${p}3`, 128, true);
    this.conv2 = store.conv(
      `${p}5.weight`,
      'conv',
      [2, 2, 128, 768],
      128 * 4,
    ) as tf.Tensor4D;
    this.bn2 = makeBatchNorm(store, `${p}6`, 768, true);
    this.linear = store.linear(`${AUX_PREFIX}classifier`, 768, numClasses);
  }

  apply(x: T4): tf.Tensor2D {
    const [, h, w] = x.shape;
    if (h < 8 || w < 8) {
      throw new Error(
        `auxiliary head: it needs maps of at least 8x8 after the second ` +
          `reduction cell, got ${h}x${w}; train on 32x32 images or turn the ` +
          'auxiliary head off.',
      );
    }
    const pooled = avgPool5Stride3(tf.relu(x));
    const h1 = tf.relu(
      applyBatchNorm(pointwiseConv(pooled, this.conv1), this.bn1),
    );
    const h2 = tf.relu(applyBatchNorm(conv2d(h1, this.conv2, 0), this.bn2));
    const [n, oh, ow, oc] = h2.shape;
    const flat = h2.reshape([n, oh * ow * oc]) as tf.Tensor2D;
    return matMul(flat, this.linear[0] as tf.Tensor2D).add(
      this.linear[1],
    ) as tf.Tensor2D;
  }
}

/**
 * Average pooling with a 5x5 window at stride 3 and no padding, as the mean
 * of window slices: few windows (2x2 on 8x8 maps), and slice and mean have
 * correct gradients on every backend, which tf.avgPool's does not promise.
 */
function avgPool5Stride3(x: T4): T4 {
  const [n, h, w, c] = x.shape;
  const rows = Math.floor((h - 5) / 3) + 1;
  const cols = Math.floor((w - 5) / 3) + 1;
  const cells: tf.Tensor[] = [];
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      cells.push(x.slice([0, 3 * i, 3 * j, 0], [n, 5, 5, c]).mean([1, 2]));
    }
  }
  return tf.stack(cells, 1).reshape([n, rows, cols, c]) as T4;
}
