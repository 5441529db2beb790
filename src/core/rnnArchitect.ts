/**
 * The recurrent architecture step (REFERENCE.md §6.6): Adam (default betas,
 * L2 1e-3) on the alphas with dL_val/dα, first order at the current weights
 * or second order through one virtual SGD step. Unlike the CNN architect:
 * no momentum in the virtual step, the train gradient and v are clipped to
 * the network's clip norm, and the implicit term is scaled by the train
 * clip's coefficient, which the reference returns even when it is above 1.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Adam, globalNorm } from './optimizers';
import type { Rng } from './random';
import { nllLoss, type RnnSearchModel } from './rnnSearchModel';

/** A chunk of a batchified token stream: T·B ids, time-major. */
export interface RnnChunk {
  x: tf.Tensor1D;
  y: tf.Tensor1D;
  batch: number;
}

export interface RnnArchitectOptions {
  order: 'first' | 'second';
  /** Weight decay and clip norm of the weights' SGD (5e-7, 0.25). */
  weightDecay: number;
  clip: number;
  archLr: number;
  archWeightDecay: number;
  archBeta1: number;
  archBeta2: number;
}

/** What one architecture step leaves: the validation loss and next hidden. */
export interface RnnArchStep {
  valLoss: tf.Scalar;
  /** The validation stream's hidden state after this chunk (caller owns). */
  hidden: tf.Tensor2D;
}

const FD_R = 0.01;

/**
 * The reference's _clip: coef = max/(‖g‖ + 1e-6); the grads are scaled by
 * it only when it is below 1, and the coefficient is returned either way.
 */
export function clipByNorm(
  grads: tf.Tensor[],
  maxNorm: number,
): { clipped: tf.Tensor[]; coef: tf.Scalar } {
  return tf.tidy(() => {
    const coef = tf.div(maxNorm, globalNorm(grads).add(1e-6)) as tf.Scalar;
    const scale = tf.minimum(coef, 1);
    return { clipped: grads.map((g) => g.mul(scale)), coef };
  });
}

export class RnnArchitect {
  readonly adam: Adam;

  constructor(
    private readonly model: RnnSearchModel,
    private readonly o: RnnArchitectOptions,
  ) {
    this.adam = new Adam(o.archLr, o.archBeta1, o.archBeta2, o.archWeightDecay);
  }

  /** Updates the alphas; `lr` is the weights' lr for this chunk (eta). */
  step(
    train: RnnChunk,
    hiddenTrain: tf.Tensor2D,
    val: RnnChunk,
    hiddenVal: tf.Tensor2D,
    lr: number,
    rng: Rng,
  ): RnnArchStep {
    const r =
      this.o.order === 'first'
        ? this.firstOrder(val, hiddenVal, rng)
        : this.secondOrder(train, hiddenTrain, val, hiddenVal, lr, rng);
    this.adam.step([this.model.alphas], [r.grad]);
    r.grad.dispose();
    return { valLoss: r.valLoss, hidden: r.hidden };
  }

  /** dL_val/dα at the current weights. */
  firstOrder(
    val: RnnChunk,
    hiddenVal: tf.Tensor2D,
    rng: Rng,
  ): RnnArchStep & { grad: tf.Tensor } {
    return tf.tidy(() => {
      let hidden: tf.Tensor2D | null = null;
      const { value, grads } = tf.variableGrads(() => {
        const out = this.model.forward(val.x, val.batch, hiddenVal, rng);
        hidden = tf.keep(out.hidden);
        return nllLoss(out, val.y);
      }, [this.model.alphas]);
      return {
        grad: grads[this.model.alphas.name],
        valLoss: value,
        hidden: hidden!,
      };
    });
  }

  /**
   * dL_val(w′)/dα − η·c·(∇_α L_train(w + Rv) − ∇_α L_train(w − Rv))/(2R)
   * with w′ = w − η(clip(g) + λw), v = clip(dL_val(w′)/dw′), R = 0.01/‖v‖
   * and c the train clip's coefficient.
   */
  secondOrder(
    train: RnnChunk,
    hiddenTrain: tf.Tensor2D,
    val: RnnChunk,
    hiddenVal: tf.Tensor2D,
    lr: number,
    rng: Rng,
  ): RnnArchStep & { grad: tf.Tensor } {
    const model = this.model;
    const weights = model.weights;
    const alpha = model.alphas;
    const saved = weights.map((w) => w.clone());
    const trainLoss = () => {
      const out = model.forward(train.x, train.batch, hiddenTrain, rng);
      return nllLoss(out, train.y);
    };

    // 1. The virtual step, with the clipped train gradient and L2.
    const coef = tf.tidy(() => {
      const { grads } = tf.variableGrads(trainLoss, weights);
      const clip = clipByNorm(
        weights.map((w) => grads[w.name]),
        this.o.clip,
      );
      weights.forEach((w, i) =>
        w.assign(w.sub(clip.clipped[i].add(w.mul(this.o.weightDecay)).mul(lr))),
      );
      return clip.coef;
    });

    // 2. At w′: dα, and v clipped to the same norm.
    const atUnrolled = tf.tidy(() => {
      let hidden: tf.Tensor2D | null = null;
      const { value, grads } = tf.variableGrads(() => {
        const out = model.forward(val.x, val.batch, hiddenVal, rng);
        hidden = tf.keep(out.hidden);
        return nllLoss(out, val.y);
      }, [alpha, ...weights]);
      const { clipped } = clipByNorm(
        weights.map((w) => grads[w.name]),
        this.o.clip,
      );
      return {
        dalpha: grads[alpha.name],
        v: clipped,
        r: tf.div(FD_R, globalNorm(clipped)) as tf.Scalar,
        valLoss: value,
        hidden: hidden!,
      };
    });

    // 3. The central difference of dL_train/dα around the original w.
    const alphaGradAt = (sign: number): tf.Tensor => {
      tf.tidy(() =>
        weights.forEach((w, i) =>
          w.assign(saved[i].add(atUnrolled.v[i].mul(atUnrolled.r).mul(sign))),
        ),
      );
      return tf.tidy(
        () => tf.variableGrads(trainLoss, [alpha]).grads[alpha.name],
      );
    };
    const gPlus = alphaGradAt(1);
    const gMinus = alphaGradAt(-1);
    weights.forEach((w, i) => w.assign(saved[i]));

    const grad = tf.tidy(() => {
      const h = gPlus.sub(gMinus).div(atUnrolled.r.mul(2));
      return atUnrolled.dalpha.sub(h.mul(coef).mul(lr));
    });
    tf.dispose([saved, gPlus, gMinus, coef, atUnrolled.dalpha, atUnrolled.v]);
    tf.dispose(atUnrolled.r);
    return { grad, valLoss: atUnrolled.valLoss, hidden: atUnrolled.hidden };
  }

  dispose(): void {
    this.adam.dispose();
  }
}
