/**
 * The recurrent search model (REFERENCE.md §6.2-6.3): a tied embedding,
 * dropouts shared over time, the DARTS search cell unrolled over the
 * sequence, and a log-softmax decoder. Node 0 mixes x_t and h_{t-1} through
 * W0 with a sigmoid/tanh highway; node i mixes every earlier node through
 * its own Ws[i-1], shared by all incoming edges and all candidate
 * activations, weighted by softmax(alphas). One non-affine BatchNorm
 * normalises node 0 and every node, and its single set of running
 * statistics serves eval mode.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  BN_EPS,
  batchNorm,
  embeddingLookup,
  matMul,
  pickPerRow,
} from './kernels';
import { ParamStore } from './params';
import { rematerialise } from './remat';
import type { Rng } from './random';
import { RNN_NUM_EDGES, RNN_NUM_OPS, RNN_STEPS } from './rnnSpace';

type T2 = tf.Tensor2D;

export interface RnnDropouts {
  /** On the cell's outputs before the decoder (LockedDropout). */
  output: number;
  /** On the states fed to every node's linear map. */
  hidden: number;
  /** On x_t fed to node 0. */
  input: number;
  /** On the embedded words (LockedDropout). */
  embeddingOutput: number;
  /** Whole word types of the embedding (embedded_dropout). */
  embedding: number;
}

export interface RnnModelOptions {
  tokens: number;
  /** Embedding size = hidden size (the reference asserts they are equal). */
  hidden: number;
  dropouts: RnnDropouts;
  /**
   * Recompute each time step in the backward pass: true, false, or
   * undefined to decide per forward from the estimated activation size.
   */
  rematerialiseSteps?: boolean;
}

/** Kept activations past which time steps are rematerialised. */
export const RNN_REMAT_BYTES = 512 * 2 ** 20;

/**
 * [B, H] tensors one search-cell step keeps for its backward: about fifteen
 * per predecessor of every node (the linear map, gate, four activations and
 * their mix), 1 + 2 + … + 9 = 45 predecessors.
 */
const KEPT_PER_STEP = 15 * 45;

/** Search dropouts of rnn/train_search.py. */
export const SEARCH_DROPOUTS: RnnDropouts = {
  output: 0.75,
  hidden: 0.25,
  input: 0.75,
  embeddingOutput: 0.2,
  embedding: 0,
};

/** The reference's uniform init range for every RNN weight. */
const INIT_RANGE = 0.04;

/** A forward's results; the caller disposes them. */
export interface RnnForward {
  /** The dropped cell outputs [T·B, H] the decoder reads. */
  output: T2;
  /** The tied decoder: logits [rows, tokens] of output rows. */
  decode(rows: T2): T2;
  /** The decoder's variables (the tied embedding and the bias). */
  decoderVars: tf.Variable[];
  /** The undropped cell outputs [T, B, H], for the TAR penalty. */
  raw: tf.Tensor3D;
  /** h_T, the last step's output [B, H], for the next chunk. */
  hidden: T2;
}

/** The per-forward dropout masks, drawn from a seeded generator. */
interface RnnMasks {
  x: T2 | null;
  h: T2 | null;
  embedded: T2 | null;
  output: T2 | null;
  words: T2 | null;
}

/** The weights both recurrent models share, in the reference's order. */
export interface RnnWeights {
  encoder: tf.Variable;
  w0: tf.Variable;
  ws: tf.Variable[];
  decoderBias: tf.Variable;
}

/**
 * Registers the tied embedding, W0, one Ws per node and the decoder bias,
 * all but the bias U(±INIT_RANGE) as the reference initialises them.
 */
export function addRnnWeights(
  store: ParamStore,
  rng: Rng,
  tokens: number,
  hidden: number,
  nodes: number,
): RnnWeights {
  const [v, h] = [tokens, hidden];
  const uniform = (n: number) =>
    rng.fill(n, () => rng.uniform(-INIT_RANGE, INIT_RANGE));
  const encoder = store.add('encoder.weight', 'vector', [v, h], uniform(v * h));
  const w0 = store.add(
    'rnns.0._W0',
    'vector',
    [2 * h, 2 * h],
    uniform(4 * h * h),
  );
  const ws = Array.from({ length: nodes }, (_, i) =>
    store.add(`rnns.0._Ws.${i}`, 'vector', [h, 2 * h], uniform(2 * h * h)),
  );
  const decoderBias = store.add(
    'decoder.bias',
    'vector',
    [v],
    new Float32Array(v),
  );
  return { encoder, w0, ws, decoderBias };
}

/** Train-mode masks (none where a dropout is 0), or none in eval mode. */
export function drawRnnMasks(
  rng: Rng | null,
  batch: number,
  options: { hidden: number; tokens: number; dropouts: RnnDropouts },
): RnnMasks {
  if (rng === null) {
    return { x: null, h: null, embedded: null, output: null, words: null };
  }
  const { hidden: hs, tokens, dropouts: d } = options;
  return {
    x: bernoulliMask(rng, [batch, hs], d.input),
    h: bernoulliMask(rng, [batch, hs], d.hidden),
    embedded: bernoulliMask(rng, [batch, hs], d.embeddingOutput),
    output: bernoulliMask(rng, [batch, hs], d.output),
    words: bernoulliMask(rng, [tokens, 1], d.embedding),
  };
}

/**
 * The language model around a cell: embedding (with its word and locked
 * dropouts), the cell over the T steps of `ids`, locked dropout on the
 * outputs, and the tied decoder.
 */
export function runRnn(
  weights: RnnWeights,
  ids: tf.Tensor1D,
  batch: number,
  hidden: T2,
  masks: RnnMasks,
  step: (x: T2, h: T2) => T2,
): RnnForward {
  const steps = ids.shape[0] / batch;
  const { encoder, decoderBias } = weights;
  const table = masks.words
    ? (encoder.mul(masks.words) as T2)
    : (encoder as tf.Tensor as T2);
  let embedded = embeddingLookup(table, ids);
  if (masks.embedded) embedded = lockedDropout(embedded, masks.embedded, steps);

  const outputs: T2[] = [];
  let h = hidden;
  for (let t = 0; t < steps; t++) {
    h = step(embedded.slice([t * batch, 0], [batch, -1]) as T2, h);
    outputs.push(h);
  }
  const raw = tf.stack(outputs) as tf.Tensor3D;
  let out = raw.reshape([steps * batch, -1]) as T2;
  if (masks.output) out = lockedDropout(out, masks.output, steps);
  return {
    output: out,
    decode: (rows) => decodeTied(rows, encoder, decoderBias),
    decoderVars: [encoder, decoderBias],
    raw,
    hidden: h,
  };
}

export class RnnSearchModel {
  readonly store: ParamStore;
  readonly alphas: tf.Variable;
  training = true;
  private readonly parts: RnnWeights;
  private readonly runningMean: tf.Variable;
  private readonly runningVar: tf.Variable;

  constructor(
    readonly options: RnnModelOptions,
    rng: Rng,
  ) {
    const { tokens, hidden: h } = options;
    this.store = new ParamStore(rng);
    this.parts = addRnnWeights(this.store, rng, tokens, h, RNN_STEPS);
    this.runningMean = this.store.buffer('rnns.0.bn.running_mean', [h], 0);
    this.runningVar = this.store.buffer('rnns.0.bn.running_var', [h], 1);

    this.alphas = tf.tidy(() =>
      tf.variable(
        tf.tensor2d(
          rng.fill(RNN_NUM_EDGES * RNN_NUM_OPS, () => 1e-3 * rng.normal()),
          [RNN_NUM_EDGES, RNN_NUM_OPS],
        ),
        true,
      ),
    );
  }

  get weights(): tf.Variable[] {
    return this.store.variables;
  }

  /** Trainable weights, the alphas not counted (4,810,000 for PTB at 300). */
  get paramCount(): number {
    return this.store.count;
  }

  /** A zero hidden state for `batch` sequences, as at each epoch's start. */
  initHidden(batch: number): T2 {
    return tf.zeros([batch, this.options.hidden]);
  }

  /**
   * Runs the cell over `ids` ([T·B] int32, time-major: step t holds rows
   * t·B … t·B+B−1) from `hidden`, with dropout masks from `rng` in train mode.
   */
  forward(ids: tf.Tensor1D, batch: number, hidden: T2, rng: Rng): RnnForward {
    const steps = ids.shape[0] / batch;
    const masks = drawRnnMasks(this.training ? rng : null, batch, this.options);
    const stats: tf.Tensor[] = [];
    const probs = tf.softmax(this.alphas as tf.Tensor) as T2;
    const kept = KEPT_PER_STEP * batch * this.options.hidden * 4 * steps;
    const remat =
      this.training &&
      (this.options.rematerialiseSteps ?? kept > RNN_REMAT_BYTES);

    const result = runRnn(this.parts, ids, batch, hidden, masks, (x, h) =>
      remat
        ? this.rematerialisedStep(x, h, probs, masks, stats)
        : this.cellStep(x, h, probs, masks, stats),
    );
    if (this.training) this.updateRunningStats(stats);
    return result;
  }

  /**
   * cellStep keeping only its inputs for the backward pass (remat.ts). The
   * masks travel as inputs, since a gradient call frees what its function
   * made before the backward reads it; the second run collects no BN stats.
   */
  private rematerialisedStep(
    x: T2,
    hPrev: T2,
    probs: T2,
    masks: RnnMasks,
    stats: tf.Tensor[],
  ): T2 {
    const extra = [masks.x, masks.h].filter((m): m is T2 => m !== null);
    let runs = 0;
    const f = ([xi, hi, pi, ...rest]: tf.Tensor[]) => {
      runs += 1;
      const m = { ...masks };
      if (masks.x) m.x = rest.shift() as T2;
      if (masks.h) m.h = rest.shift() as T2;
      return this.cellStep(
        xi as T2,
        hi as T2,
        pi as T2,
        m,
        runs === 1 ? stats : null,
      );
    };
    return rematerialise(
      f,
      [x, hPrev, probs, ...extra],
      [this.parts.w0, ...this.parts.ws],
    ) as T2;
  }

  /** One time step of the search cell: h_t from x_t and h_{t−1}. */
  private cellStep(
    x: T2,
    hPrev: T2,
    probs: T2,
    masks: RnnMasks,
    stats: tf.Tensor[] | null,
  ): T2 {
    const hs = this.options.hidden;
    const b = x.shape[0];
    const xm = masks.x ? x.mul(masks.x) : x;
    const hm = masks.h ? hPrev.mul(masks.h) : hPrev;
    const [c0, h0] = tf.split(
      matMul(tf.concat([xm, hm], 1) as T2, this.parts.w0 as tf.Tensor as T2),
      2,
      1,
    );
    // The highway interpolates with the unmasked h_{t−1}, as the reference.
    const s0 = hPrev.add(c0.sigmoid().mul(h0.tanh().sub(hPrev))) as T2;
    let states = this.normalise(s0, stats).reshape([1, b, hs]) as tf.Tensor3D;

    let offset = 0;
    for (let i = 0; i < RNN_STEPS; i++) {
      const n = i + 1;
      const masked = masks.h ? states.mul(masks.h) : states;
      const [cRaw, hRaw] = tf.split(
        matMul(
          masked.reshape([n * b, hs]) as T2,
          this.parts.ws[i] as tf.Tensor as T2,
        ),
        2,
        1,
      );
      const c = cRaw.sigmoid().reshape([n, b, hs]);
      const pre = hRaw.reshape([n, b, hs]);
      const p = probs.slice([offset, 0], [n, RNN_NUM_OPS]);
      const s = mixNode(states, c, pre, p);
      const node = this.normalise(s, stats).reshape([1, b, hs]);
      states = tf.concat([states, node], 0) as tf.Tensor3D;
      offset += n;
    }

    return states.slice([1, 0, 0], [RNN_STEPS, b, hs]).mean(0) as T2;
  }

  /** The shared BatchNorm1d(affine=False): batch stats in train mode. */
  private normalise(s: T2, stats: tf.Tensor[] | null): T2 {
    const [b, hs] = s.shape;
    if (!this.training) {
      return s
        .sub(this.runningMean)
        .mul(this.runningVar.add(BN_EPS).rsqrt()) as T2;
    }
    if (stats === null) {
      return batchNorm(s.reshape([b, 1, 1, hs]), null, null).reshape([
        b,
        hs,
      ]) as T2;
    }
    const keep = (mean: tf.Tensor, variance: tf.Tensor, count: number) => {
      stats.push(
        tf.keep(mean.reshape([hs])),
        tf.keep(variance.mul(count / Math.max(count - 1, 1)).reshape([hs])),
      );
    };
    return batchNorm(s.reshape([b, 1, 1, hs]), null, null, keep).reshape([
      b,
      hs,
    ]) as T2;
  }

  /**
   * Applies the n BatchNorm uses of a forward to the running statistics at
   * once: after n updates r ← 0.9·r + 0.1·m_k, r = 0.9ⁿ·r + Σ 0.1·0.9ⁿ⁻ᵏ·m_k.
   */
  private updateRunningStats(stats: tf.Tensor[]): void {
    const n = stats.length / 2;
    if (n === 0) return;
    tf.tidy(() => {
      const w = new Float32Array(n);
      for (let k = 0; k < n; k++) w[k] = 0.1 * 0.9 ** (n - 1 - k);
      const weights = tf.tensor2d(w, [1, n]);
      const decay = 0.9 ** n;
      const means = tf.stack(stats.filter((_, i) => i % 2 === 0));
      const vars = tf.stack(stats.filter((_, i) => i % 2 === 1));
      this.runningMean.assign(
        this.runningMean
          .mul(decay)
          .add(tf.matMul(weights, means).reshape([-1])),
      );
      this.runningVar.assign(
        this.runningVar.mul(decay).add(tf.matMul(weights, vars).reshape([-1])),
      );
    });
    tf.dispose(stats);
  }

  dispose(): void {
    this.store.dispose();
    this.alphas.dispose();
  }
}

/**
 * s_i = Σ_j Σ_{k≠none} p_jk·(s_j + c_j·(act_k(h_j) − s_j)), rearranged as
 * Σ_j (P_j·s_j + c_j·(A_j − P_j·s_j)) with P_j = Σ_k p_jk and
 * A_j = Σ_k p_jk·act_k(h_j): four activations instead of four full mixes.
 */
function mixNode(
  states: tf.Tensor3D,
  c: tf.Tensor,
  pre: tf.Tensor,
  p: tf.Tensor,
): T2 {
  const n = states.shape[0];
  const col = (k: number) => p.slice([0, k], [n, 1]).reshape([n, 1, 1]);
  const acts = [pre.tanh(), pre.relu(), pre.sigmoid(), pre];
  const mixed = tf.addN(acts.map((a, i) => a.mul(col(i + 1))));
  const total = p
    .slice([0, 1], [n, RNN_NUM_OPS - 1])
    .sum(1)
    .reshape([n, 1, 1]);
  const kept = states.mul(total);
  return kept.add(c.mul(mixed.sub(kept))).sum(0) as T2;
}

/** x [T·B, D] times a per-sequence mask [B, D] shared by all T steps. */
function lockedDropout(x: T2, mask: T2, steps: number): T2 {
  const [rows, d] = x.shape;
  const b = rows / steps;
  return x.reshape([steps, b, d]).mul(mask).reshape([rows, d]) as T2;
}

/** floor(U + keep)/keep per entry (0 or 1/keep), or null when p is 0. */
function bernoulliMask(
  rng: Rng,
  shape: [number, number],
  p: number,
): T2 | null {
  if (!(p > 0)) return null;
  const keep = 1 - p;
  const n = shape[0] * shape[1];
  const values = rng.fill(n, () => (rng.next() < keep ? 1 / keep : 0));
  return tf.tensor2d(values, shape);
}

/** logits = rows · Eᵀ + b with the embedding E as the decoder's weight. */
export function decodeTied(
  rows: T2,
  encoder: tf.Variable,
  bias: tf.Variable,
): T2 {
  return matMul(rows, encoder.transpose() as T2).add(bias) as T2;
}

/**
 * Rows decoded at once. PTB's [T·B, 10,000] logits at batch 256 take 358 MB
 * with as much again for their log-softmax and gradients, past the wasm
 * heap; larger batches are decoded in blocks recomputed in the backward.
 */
export const DECODER_ROWS = 2048;

/** Mean NLL of the targets [T·B] under the forward's decoder. */
export function nllLoss(
  f: RnnForward,
  targets: tf.Tensor1D,
  blockRows = DECODER_ROWS,
): tf.Scalar {
  const n = f.output.shape[0];
  const block = (rows: T2, t: tf.Tensor1D) =>
    pickPerRow(tf.logSoftmax(f.decode(rows)), t).sum();
  if (n <= blockRows) return block(f.output, targets).div(-n) as tf.Scalar;

  const parts: tf.Tensor[] = [];
  for (let start = 0; start < n; start += blockRows) {
    const size = Math.min(blockRows, n - start);
    const rows = f.output.slice([start, 0], [size, -1]);
    // An input, not a closure: a gradient call frees what its function
    // made before the backward pass reads it.
    const t = targets.slice([start], [size]);
    parts.push(
      rematerialise(
        ([r, ti]) => block(r as T2, ti as tf.Tensor1D),
        [rows, t],
        f.decoderVars,
      ),
    );
  }
  return tf.addN(parts).div(-n) as tf.Scalar;
}

/** β·mean((h_{t+1} − h_t)²) over the raw outputs [T, B, H] (temporal AR). */
export function tarPenalty(raw: tf.Tensor3D, beta: number): tf.Scalar {
  const t = raw.shape[0];
  if (t < 2 || beta === 0) return tf.scalar(0);
  const diff = raw
    .slice([1, 0, 0], [t - 1, -1, -1])
    .sub(raw.slice([0, 0, 0], [t - 1, -1, -1]));
  return diff.square().mean().mul(beta) as tf.Scalar;
}
