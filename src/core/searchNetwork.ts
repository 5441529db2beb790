/**
 * The DARTS supernet (REFERENCE.md §1.4): stem, `layers` search cells with
 * reductions at layers/3 and 2·layers/3, global pooling and a linear
 * classifier; alphasNormal and alphasReduce [14, 8] shared by all cells of
 * their kind.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  batchNorm,
  conv2d,
  crossEntropy,
  globalAvgPool,
  matMul,
} from './kernels';
import { ParamStore } from './params';
import { NUM_EDGES, NUM_OPS, STEPS } from './primitives';
import { Rng } from './random';
import { SearchCell } from './searchCell';

type T4 = tf.Tensor4D;

export interface SearchNetworkOptions {
  channels: number;
  numClasses: number;
  layers: number;
  stemMultiplier?: number;
  /**
   * Rematerialise whole cells in the backward pass (see SearchCell.apply):
   * true, false, or undefined to decide per forward from the activation
   * size (on above CELL_REMAT_BYTES).
   */
  rematerialiseCells?: boolean;
}

/**
 * Estimated bytes a forward keeps for the backward, past which whole cells
 * are rematerialised. Below it the extra forward of every cell (about 10%
 * of a step at C=8, 5 cells, batch 16) buys memory nobody needs; above it
 * (the paper's C=16, 8 cells, batch 64 estimates ~620 MB) the wasm heap,
 * about 2 GB usable, no longer holds the activations of every cell.
 */
export const CELL_REMAT_BYTES = 256 * 2 ** 20;

/**
 * Full-size tensors a cell keeps for its backward when not rematerialised:
 * preprocessed states, nodes, their ReLUs, the fourteen edge outputs and
 * the pool+BN intermediates shared per state, each [N, H, W, C] of the cell
 * (measured: about 35 before the pools were shared, +33% after).
 */
const KEPT_PER_CELL = 47;

/** Cell indices that are reduction cells for a network of `layers` cells. */
export function reductionLayers(layers: number): number[] {
  return [Math.floor(layers / 3), Math.floor((2 * layers) / 3)];
}

export class SearchNetwork {
  readonly store: ParamStore;
  readonly cells: SearchCell[] = [];
  readonly alphasNormal: tf.Variable;
  readonly alphasReduce: tf.Variable;
  private readonly stemConv: tf.Tensor4D;
  private readonly stemBn: [tf.Variable, tf.Variable];
  private readonly classifier: [tf.Variable, tf.Variable];

  /** Builds the network; weights and then alphas are drawn from `rng`. */
  constructor(
    readonly options: SearchNetworkOptions,
    rng: Rng,
  ) {
    const { channels: c, numClasses, layers } = options;
    const stemC = (options.stemMultiplier ?? 3) * c;
    this.store = new ParamStore(rng);

    this.stemConv = this.store.conv(
      'stem.0.weight',
      'conv',
      [3, 3, 3, stemC],
      27,
    ) as tf.Tensor4D;
    this.stemBn = this.store.batchNormAffine('stem.1', stemC);

    // Channel bookkeeping as the reference: a reduction doubles C.
    let [cPP, cP, cCur] = [stemC, stemC, c];
    let reductionPrev = false;
    const reductions = reductionLayers(layers);
    for (let i = 0; i < layers; i++) {
      const reduce = reductions.includes(i);
      if (reduce) cCur *= 2;
      this.cells.push(
        new SearchCell(
          this.store,
          `cells.${i}.`,
          cPP,
          cP,
          cCur,
          reduce ? 'reduce' : 'normal',
          reductionPrev,
        ),
      );
      reductionPrev = reduce;
      [cPP, cP] = [cP, STEPS * cCur];
    }
    this.classifier = this.store.linear('classifier', cP, numClasses);

    // Drawn after every weight, normal before reduce, as the reference.
    const draw = () => 1e-3 * rng.normal();
    const size = NUM_EDGES * NUM_OPS;
    const alphas = () =>
      tf.tidy(() =>
        tf.variable(
          tf.tensor2d(rng.fill(size, draw), [NUM_EDGES, NUM_OPS]),
          true,
        ),
      );
    this.alphasNormal = alphas();
    this.alphasReduce = alphas();
  }

  get weights(): tf.Variable[] {
    return this.store.variables;
  }

  get alphas(): tf.Variable[] {
    return [this.alphasNormal, this.alphasReduce];
  }

  /** Logits [N, classes] of images x [N,32,32,3] (train-mode BN throughout). */
  forward(x: T4): tf.Tensor2D {
    const normal = opWeightScalars(this.alphasNormal);
    const reduce = opWeightScalars(this.alphasReduce);

    const stem = batchNorm(
      conv2d(x, this.stemConv, 1),
      this.stemBn[0] as tf.Tensor1D,
      this.stemBn[1] as tf.Tensor1D,
    );
    const remat =
      this.options.rematerialiseCells ?? this.keptBytes(x) > CELL_REMAT_BYTES;
    let [s0, s1] = [stem, stem];
    for (const cell of this.cells) {
      [s0, s1] = [
        s1,
        cell.apply(s0, s1, cell.kind === 'reduce' ? reduce : normal, remat),
      ];
    }

    const pooled = globalAvgPool(s1);
    return matMul(pooled, this.classifier[0] as tf.Tensor2D).add(
      this.classifier[1],
    );
  }

  /** Estimated bytes the cells keep for the backward without cell remat. */
  keptBytes(x: T4): number {
    const [n, h, w] = x.shape;
    let [pixels, c, total] = [h * w, this.options.channels, 0];
    for (const cell of this.cells) {
      if (cell.kind === 'reduce') [pixels, c] = [pixels / 4, c * 2];
      total += KEPT_PER_CELL * n * pixels * c * 4;
    }
    return total;
  }

  /** Mean cross-entropy of the batch. */
  loss(x: T4, labels: tf.Tensor1D): tf.Scalar {
    return crossEntropy(this.forward(x), labels);
  }

  dispose(): void {
    this.store.dispose();
    this.alphasNormal.dispose();
    this.alphasReduce.dispose();
  }
}

/** softmax(alphas) per edge, split into [14][8] scalars for the MixedOps. */
function opWeightScalars(alphas: tf.Variable): tf.Scalar[][] {
  const w = tf.softmax(alphas as tf.Tensor2D);
  return tf.unstack(w).map((row) => tf.unstack(row) as tf.Scalar[]);
}
