/**
 * Averaged SGD as torch.optim.ASGD with t0 = 0 and lambd = 0, the optimiser
 * rnn/train.py switches to (REFERENCE.md §6.7). Two of its quirks matter and
 * are kept: the step size is the lr the optimiser's group held at the
 * previous step (the training loop rescales the lr per step, the optimiser
 * reads it one step late), and the average restarts at the second step, so
 * it is the mean of the weights after steps 2…n.
 */
import * as tf from '@tensorflow/tfjs-core';

export class Asgd {
  /** The running average of the weights, one per variable. */
  averages: tf.Variable[] | null = null;
  step = 0;
  private eta: number;
  private mu = 1;

  constructor(
    lr: number,
    readonly weightDecay: number,
  ) {
    this.eta = lr;
  }

  /** One update with `grads`; `lr` is the group's lr at this step. */
  update(vars: tf.Variable[], grads: tf.Tensor[], lr: number): void {
    this.step += 1;
    tf.tidy(() => {
      if (this.averages === null) {
        this.averages = vars.map((v) => tf.variable(tf.zerosLike(v), false));
      }
      vars.forEach((v, i) => {
        const d = grads[i].add(v.mul(this.weightDecay));
        v.assign(v.sub(d.mul(this.eta)));
        const ax = this.averages![i];
        ax.assign(this.mu === 1 ? v.clone() : ax.add(v.sub(ax).mul(this.mu)));
      });
    });
    this.eta = lr;
    this.mu = 1 / Math.max(1, this.step);
  }

  /** Saved state: step, eta, mu and the averages. */
  get state(): { step: number; eta: number; mu: number } {
    return { step: this.step, eta: this.eta, mu: this.mu };
  }

  restore(
    state: { step: number; eta: number; mu: number },
    averages: tf.Tensor[],
  ): void {
    this.dispose();
    this.step = state.step;
    this.eta = state.eta;
    this.mu = state.mu;
    this.averages = averages.map((a) => tf.variable(a, false));
  }

  dispose(): void {
    if (this.averages) tf.dispose(this.averages);
    this.averages = null;
  }
}

/**
 * train.py's switch: still on SGD, more than `nonmono` validation losses
 * recorded, and the new one worse than the best of all but the last
 * `nonmono`.
 */
export function shouldSwitchToAsgd(
  history: readonly number[],
  valLoss: number,
  nonmono: number,
): boolean {
  if (history.length <= nonmono) return false;
  return valLoss > Math.min(...history.slice(0, history.length - nonmono));
}
