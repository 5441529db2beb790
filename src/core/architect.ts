/**
 * The architecture step (REFERENCE.md §4): the gradient of the validation
 * loss with respect to the alphas, first order (at the current weights) or
 * second order (through one virtual SGD step, with the finite-difference
 * Hessian-vector product), followed by an Adam update of the alphas.
 */
import * as tf from '@tensorflow/tfjs-core';
import { crossEntropy, withoutWeightGradients } from './kernels';
import { Adam, globalNorm, type Sgd } from './optimizers';
import type { SearchNetwork } from './searchNetwork';

type T4 = tf.Tensor4D;
type T1 = tf.Tensor1D;

export interface ArchitectOptions {
  order: 'first' | 'second';
  momentum: number;
  weightDecay: number;
  archLr: number;
  archWeightDecay: number;
  archBeta1: number;
  archBeta2: number;
}

/** What one architecture step measured, kept as tensors until read. */
export interface ArchStepResult {
  valLoss: tf.Scalar;
  valLogits: tf.Tensor2D;
}

/** [gNormal, gReduce] and the validation batch's loss and logits (caller disposes). */
export interface ArchGradients {
  grads: tf.Tensor[];
  valLoss: tf.Scalar;
  valLogits: tf.Tensor2D;
}

/** Finite-difference radius numerator: R = 0.01 / ‖v‖. */
const FD_R = 0.01;

export class Architect {
  readonly adam: Adam;

  constructor(
    private readonly net: SearchNetwork,
    private readonly sgd: Sgd,
    private readonly o: ArchitectOptions,
  ) {
    this.adam = new Adam(o.archLr, o.archBeta1, o.archBeta2, o.archWeightDecay);
  }

  /** Updates the alphas; `lr` is the weights' current learning rate (eta). */
  step(xTrain: T4, yTrain: T1, xVal: T4, yVal: T1, lr: number): ArchStepResult {
    const { grads, valLoss, valLogits } = this.gradients(
      xTrain,
      yTrain,
      xVal,
      yVal,
      lr,
    );

    this.adam.step(this.net.alphas, grads);
    tf.dispose(grads);
    return { valLoss, valLogits };
  }

  /** The alphas' gradient of the configured order, without updating them. */
  gradients(
    xTrain: T4,
    yTrain: T1,
    xVal: T4,
    yVal: T1,
    lr: number,
  ): ArchGradients {
    return this.o.order === 'first'
      ? this.firstOrder(xVal, yVal)
      : this.secondOrder(xTrain, yTrain, xVal, yVal, lr);
  }

  /** dL_val/dα at the current weights. */
  firstOrder(xVal: T4, yVal: T1): ArchGradients {
    return tf.tidy(() => {
      let logits: tf.Tensor2D | null = null;
      const { value, grads } = withoutWeightGradients(() =>
        tf.variableGrads(() => {
          // Kept: gradients() disposes what its function created.
          logits = tf.keep(this.net.forward(xVal));
          return crossEntropy(logits, yVal);
        }, this.net.alphas),
      );
      return {
        grads: this.net.alphas.map((a) => grads[a.name]),
        valLoss: value,
        valLogits: logits!,
      };
    });
  }

  /**
   * dL_val(w′, α)/dα − η·∇²_{α,w} L_train(w, α)·v, with w′ the virtual SGD
   * step from w (momentum and L2 included, gradient unclipped) and
   * v = dL_val(w′)/dw′; the Hessian-vector product is the central
   * difference of dL_train/dα at w ± R·v, R = 0.01/‖v‖.
   */
  secondOrder(
    xTrain: T4,
    yTrain: T1,
    xVal: T4,
    yVal: T1,
    lr: number,
  ): ArchGradients {
    const weights = this.net.weights;
    const alphas = this.net.alphas;
    const { momentum, weightDecay } = this.o;
    const saved = weights.map((w) => w.clone());

    // 1. The virtual step w′ = w − η(μ·buf + g + λw).
    tf.tidy(() => {
      const { grads } = tf.variableGrads(
        () => this.net.loss(xTrain, yTrain),
        weights,
      );
      const bufs = this.sgd.buffers;
      weights.forEach((w, i) => {
        let d = grads[w.name].add(w.mul(weightDecay));
        if (bufs) d = d.add(bufs[i].mul(momentum));
        w.assign(w.sub(d.mul(lr)));
      });
    });

    // 2. At w′: dα and v.
    const atUnrolled = tf.tidy(() => {
      let logits: tf.Tensor2D | null = null;
      const { value, grads } = tf.variableGrads(() => {
        logits = tf.keep(this.net.forward(xVal));
        return crossEntropy(logits, yVal);
      }, [...alphas, ...weights]);
      const v = weights.map((w) => grads[w.name]);
      const r = tf.div(FD_R, globalNorm(v)) as tf.Scalar;
      return {
        dalpha: alphas.map((a) => grads[a.name]),
        v,
        r,
        valLoss: value,
        valLogits: logits! as tf.Tensor2D,
      };
    });

    // 3. dL_train/dα at w + R·v and at w − R·v, from the saved w.
    const alphaGradAt = (sign: number): tf.Tensor[] => {
      tf.tidy(() => {
        weights.forEach((w, i) =>
          w.assign(saved[i].add(atUnrolled.v[i].mul(atUnrolled.r).mul(sign))),
        );
      });
      return tf.tidy(() => {
        const { grads } = withoutWeightGradients(() =>
          tf.variableGrads(() => this.net.loss(xTrain, yTrain), alphas),
        );
        return alphas.map((a) => grads[a.name]);
      });
    };
    const gPlus = alphaGradAt(1);
    const gMinus = alphaGradAt(-1);

    // Restore w exactly (the reference's in-place restore drifts by ~6e-8).
    weights.forEach((w, i) => w.assign(saved[i]));

    const grads = tf.tidy(() =>
      atUnrolled.dalpha.map((da, i) => {
        const h = gPlus[i].sub(gMinus[i]).div(atUnrolled.r.mul(2));
        return da.sub(h.mul(lr));
      }),
    );

    tf.dispose([
      saved,
      gPlus,
      gMinus,
      atUnrolled.dalpha,
      atUnrolled.v,
      atUnrolled.r,
    ]);
    return {
      grads,
      valLoss: atUnrolled.valLoss,
      valLogits: atUnrolled.valLogits,
    };
  }

  dispose(): void {
    this.adam.dispose();
  }
}
