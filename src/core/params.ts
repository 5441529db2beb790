/**
 * Network parameters: tf.Variables registered in construction order under
 * the reference's PyTorch state-dict names, so fixtures load by name and the
 * weight vector has the same order as the reference's `parameters()`.
 */
import * as tf from '@tensorflow/tfjs-core';
import './kernels';
import type { Rng } from './random';

/**
 * How a parameter is laid out here versus in PyTorch:
 * conv [kh,kw,Ci,Co] vs OIHW; depthwise [k,k,C,1] vs [C,1,k,k];
 * pointwise [Ci,Co] vs [Co,Ci,1,1]; linear [in,out] vs [out,in]; vector as is.
 */
export type ParamKind =
  'conv' | 'depthwise' | 'pointwise' | 'linear' | 'vector';

export interface Param {
  name: string;
  kind: ParamKind;
  variable: tf.Variable;
}

/** The ordered set of a network's trainable parameters. */
export class ParamStore {
  readonly params: Param[] = [];

  /**
   * Non-trainable state saved with the weights: BatchNorm running means and
   * variances, under the reference's buffer names.
   */
  readonly buffers: Param[] = [];

  /**
   * Whether BatchNorms built on this store keep running statistics. Only
   * evaluation networks do; the search always normalises with the batch.
   */
  trackRunningStats = false;

  /** Train mode (batch statistics, running averages updated) or eval mode. */
  training = true;

  /**
   * Set while a rematerialised block runs its forward a second time in the
   * backward pass: the running averages already saw that batch.
   */
  statsFrozen = false;

  constructor(private readonly rng: Rng) {}

  /** Registers a parameter initialised from `values` (already in our layout). */
  add(
    name: string,
    kind: ParamKind,
    shape: number[],
    values: Float32Array,
  ): tf.Variable {
    const initial = tf.tensor(values, shape);
    const variable = tf.variable(initial, true, uniqueName(name));
    initial.dispose();
    this.params.push({ name, kind, variable });
    return variable;
  }

  /**
   * A conv weight with PyTorch 0.3.1's default init: U(±1/sqrt(Cin·k·k)),
   * where Cin is the layer's input channels, not divided by groups.
   */
  conv(
    name: string,
    kind: ParamKind,
    shape: number[],
    fanIn: number,
  ): tf.Variable {
    const bound = 1 / Math.sqrt(fanIn);
    const n = shape.reduce((a, b) => a * b, 1);
    const values = this.rng.fill(n, () => this.rng.uniform(-bound, bound));
    return this.add(name, kind, shape, values);
  }

  /** BatchNorm's affine pair under 0.3.1 init: weight U(0,1), bias 0. */
  batchNormAffine(prefix: string, c: number): [tf.Variable, tf.Variable] {
    const gamma = this.add(
      `${prefix}.weight`,
      'vector',
      [c],
      this.rng.fill(c, () => this.rng.next()),
    );
    const beta = this.add(`${prefix}.bias`, 'vector', [c], new Float32Array(c));
    return [gamma, beta];
  }

  /** A Linear layer under 0.3.1 init: weight and bias U(±1/sqrt(in)). */
  linear(
    prefix: string,
    inputs: number,
    outputs: number,
  ): [tf.Variable, tf.Variable] {
    const bound = 1 / Math.sqrt(inputs);
    const draw = () => this.rng.uniform(-bound, bound);
    const w = this.add(
      `${prefix}.weight`,
      'linear',
      [inputs, outputs],
      this.rng.fill(inputs * outputs, draw),
    );
    const b = this.add(
      `${prefix}.bias`,
      'vector',
      [outputs],
      this.rng.fill(outputs, draw),
    );
    return [w, b];
  }

  /** Registers a non-trainable buffer filled with `value`. */
  buffer(name: string, shape: number[], value: number): tf.Variable {
    const initial = tf.fill(shape, value);
    const variable = tf.variable(initial, false, uniqueName(name));
    initial.dispose();
    this.buffers.push({ name, kind: 'vector', variable });
    return variable;
  }

  get variables(): tf.Variable[] {
    return this.params.map((p) => p.variable);
  }

  /** Number of trainable scalars. */
  get count(): number {
    return this.params.reduce((s, p) => s + p.variable.size, 0);
  }

  dispose(): void {
    for (const p of [...this.params, ...this.buffers]) p.variable.dispose();
    this.params.length = 0;
    this.buffers.length = 0;
  }
}

let serial = 0;

/** tf.variable names must be unique per engine; several networks may coexist. */
function uniqueName(name: string): string {
  serial += 1;
  return `${name}#${serial}`;
}

/** Converts a PyTorch-layout flat array into our layout for `kind`. */
export function fromTorchLayout(
  kind: ParamKind,
  torchShape: number[],
  data: ArrayLike<number>,
): tf.Tensor {
  return tf.tidy(() => {
    const t = tf.tensor(Float32Array.from(data), torchShape);
    switch (kind) {
      case 'conv':
        return t.transpose([2, 3, 1, 0]);
      case 'depthwise':
        return t.transpose([2, 3, 0, 1]);
      case 'pointwise':
        return t.reshape(torchShape.slice(0, 2)).transpose([1, 0]);
      case 'linear':
        return t.transpose([1, 0]);
      case 'vector':
        return t.clone();
    }
  });
}

/** Converts one of our tensors back to PyTorch layout. */
export function toTorchLayout(kind: ParamKind, t: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    switch (kind) {
      case 'conv':
        return t.transpose([3, 2, 0, 1]);
      case 'depthwise':
        return t.transpose([2, 3, 0, 1]);
      case 'pointwise':
        return t.transpose([1, 0]).expandDims(2).expandDims(3);
      case 'linear':
        return t.transpose([1, 0]);
      case 'vector':
        return t.clone();
    }
  });
}
