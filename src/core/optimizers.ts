/**
 * The two optimisers of a search, written out rather than taken from
 * tf.train: the reference adds L2 to the gradient (not decoupled decay),
 * clips before adding it, uses Adam's eps 1e-8, and its virtual step needs to
 * read the SGD momentum buffers.
 */
import * as tf from '@tensorflow/tfjs-core';

/** √Σ‖g‖² over a list of tensors, as a scalar tensor (no read-back). */
export function globalNorm(grads: tf.Tensor[]): tf.Scalar {
  return tf.tidy(
    () => tf.sqrt(tf.addN(grads.map((g) => g.square().sum()))) as tf.Scalar,
  );
}

/** clip_grad_norm's factor min(1, maxNorm / (norm + 1e-6)). */
export function clipCoefficient(norm: tf.Scalar, maxNorm: number): tf.Scalar {
  return tf.tidy(
    () => tf.minimum(1, tf.div(maxNorm, norm.add(1e-6))) as tf.Scalar,
  );
}

/**
 * SGD with momentum as PyTorch: d = g + wd·w; buf = d on the first step,
 * else μ·buf + d; w −= lr·buf.
 */
export class Sgd {
  /** One buffer per variable, created on the first step. */
  buffers: tf.Variable[] | null = null;

  constructor(
    readonly momentum: number,
    readonly weightDecay: number,
  ) {}

  /** Restores momentum buffers saved from `buffers`. */
  restore(buffers: tf.Tensor[]): void {
    this.dispose();
    this.buffers = buffers.map(ownedVariable);
  }

  step(vars: tf.Variable[], grads: tf.Tensor[], lr: number): void {
    tf.tidy(() => {
      const first = this.buffers === null;
      if (first) {
        this.buffers = vars.map((v) => tf.variable(tf.zerosLike(v), false));
      }
      vars.forEach((v, i) => {
        const buf = this.buffers![i];
        const d = grads[i].add(v.mul(this.weightDecay));
        const next = first ? d : buf.mul(this.momentum).add(d);
        buf.assign(next);
        v.assign(v.sub(next.mul(lr)));
      });
    });
  }

  dispose(): void {
    if (this.buffers) tf.dispose(this.buffers);
    this.buffers = null;
  }
}

/**
 * Adam with L2 added to the gradient (torch 1.13's form):
 * a −= lr/(1−β1ᵗ) · m / (√v/√(1−β2ᵗ) + eps).
 */
export class Adam {
  private m: tf.Variable[] | null = null;
  private v: tf.Variable[] | null = null;
  t = 0;

  constructor(
    readonly lr: number,
    readonly beta1: number,
    readonly beta2: number,
    readonly weightDecay: number,
    readonly eps = 1e-8,
  ) {}

  step(vars: tf.Variable[], grads: tf.Tensor[]): void {
    tf.tidy(() => {
      if (this.m === null || this.v === null) {
        this.m = vars.map((x) => tf.variable(tf.zerosLike(x), false));
        this.v = vars.map((x) => tf.variable(tf.zerosLike(x), false));
      }
      this.t += 1;
      const bc1 = 1 - Math.pow(this.beta1, this.t);
      const bc2 = 1 - Math.pow(this.beta2, this.t);

      vars.forEach((a, i) => {
        const g = grads[i].add(a.mul(this.weightDecay));
        const m = this.m![i].mul(this.beta1).add(g.mul(1 - this.beta1));
        const v = this.v![i].mul(this.beta2).add(
          g.square().mul(1 - this.beta2),
        );
        this.m![i].assign(m);
        this.v![i].assign(v);
        const denom = v.sqrt().div(Math.sqrt(bc2)).add(this.eps);
        a.assign(a.sub(m.div(denom).mul(this.lr / bc1)));
      });
    });
  }

  /** The moment slots, for saving a run. */
  get slots(): tf.Variable[] {
    return [...(this.m ?? []), ...(this.v ?? [])];
  }

  /** Restores the step count and moments saved from `slots` (m then v). */
  restore(t: number, m: tf.Tensor[], v: tf.Tensor[]): void {
    this.dispose();
    this.t = t;
    this.m = m.map(ownedVariable);
    this.v = v.map(ownedVariable);
  }

  dispose(): void {
    tf.dispose(this.slots);
    this.m = null;
    this.v = null;
  }
}

/** A non-trainable variable holding `x`, which it takes over (x is disposed). */
function ownedVariable(x: tf.Tensor): tf.Variable {
  const v = tf.variable(x, false);
  x.dispose();
  return v;
}
