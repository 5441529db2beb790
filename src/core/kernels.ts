/**
 * The kernel layer: every TF.js op whose gradient, padding or backend support
 * is wrong for DARTS (REFERENCE.md §11) goes through here, and nothing else in
 * the core calls those ops directly. Layout is NHWC throughout.
 *
 * Gradients are written with `tf.customGrad` and use forward kernels only
 * (conv2d, depthwiseConv2d, matMul, pooling forward/backward), because wasm
 * registers no Conv2DBackpropFilter or depthwise backprop kernels, and tfjs
 * has no gradient at all for dilated convolutions. The same code runs on
 * every backend, so the Node tests on cpu and wasm check the production path.
 */
import * as tf from '@tensorflow/tfjs-core';
// Gradients and chained tensor methods, registered per environment.
import '#tf-register';
import { customOp } from './customGrad';

type T4 = tf.Tensor4D;
type Pad4 = [
  [number, number],
  [number, number],
  [number, number],
  [number, number],
];

/**
 * False while `withoutWeightGradients` runs: the gradFuncs below then
 * return zeros for their weight operand (the second argument of matMul,
 * conv2d and depthwiseConv, BN's gamma and beta) instead of computing it.
 */
let weightGradients = true;

/**
 * Runs f, typically a tf.variableGrads over the alphas alone, with weight
 * gradients switched off: a conv's dW costs as much as its dx, and the
 * architecture step and the Hessian-vector product need dL/dα only. The
 * zeros stand in for gradients nobody reads; every op here takes its
 * weight as that operand, so no input gradient is lost.
 */
export function withoutWeightGradients<R>(f: () => R): R {
  const before = weightGradients;
  weightGradients = false;
  try {
    return f();
  } finally {
    weightGradients = before;
  }
}

/** True unless inside withoutWeightGradients. */
export function weightGradientsOn(): boolean {
  return weightGradients;
}

/** Explicit symmetric padding of p rows and columns, as PyTorch pads. */
function spatialPad(p: number): Pad4 {
  return [
    [0, 0],
    [p, p],
    [p, p],
    [0, 0],
  ];
}

const matMulOp = customOp<tf.Tensor2D>(([a, b], save) => {
  save([a, b]);

  return {
    value: tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D),
    gradFunc: (dy, saved) => {
      const [sa, sb] = saved as tf.Tensor2D[];
      const dy2 = dy as tf.Tensor2D;
      const db = weightGradients
        ? tf.matMul(sa.transpose(), dy2)
        : tf.zerosLike(sb);
      return [tf.matMul(dy2, sb.transpose()), db];
    },
  };
});

/**
 * a [M, K] · b [K, N]. The backward pass transposes explicitly: a matMul with
 * transposeA/transposeB set is about 10x slower on wasm.
 */
export function matMul(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return matMulOp([a, b]);
}

/** A 1x1 convolution at stride 1: x [N,H,W,Ci] by w [Ci, Co]. */
export function pointwiseConv(x: T4, w: tf.Tensor2D): T4 {
  const [n, h, wd, ci] = x.shape;
  const co = w.shape[1];

  return matMul(x.reshape([n * h * wd, ci]), w).reshape([n, h, wd, co]);
}

/**
 * Keeps every second row and column starting at `phase` (0 or 1): stride-2
 * subsampling with a gradient, since tf.stridedSlice has none.
 */
export function subsample2(x: T4, phase = 0): T4 {
  const [n, h, w, c] = x.shape;
  if (h % 2 !== 0 || w % 2 !== 0) {
    throw new Error(
      `kernels.subsample2: needs even height and width, got ${h}x${w}; ` +
        'use an input size divisible by 4 (e.g. 32x32)',
    );
  }

  // [N·H/2, 2, W/2, 2·C]: axis 1 picks the row phase, the halves of the last
  // axis the column phase. Rank 4, because wasm slices rank 5 in slow JS.
  const split = x.reshape([(n * h) / 2, 2, w / 2, 2 * c]);
  const picked = split.slice(
    [0, phase, 0, phase * c],
    [(n * h) / 2, 1, w / 2, c],
  );
  return picked.reshape([n, h / 2, w / 2, c]);
}

/** Inserts a zero after every row and column: the adjoint of subsample2. */
function upsampleZeros2(dy: T4): T4 {
  const [n, h, w, c] = dy.shape;

  // Columns: [N·H, W, 1, C] padded to [N·H, W, 2, C]; then rows likewise.
  const cols = tf.pad(dy.reshape([n * h, w, 1, c]), [
    [0, 0],
    [0, 0],
    [0, 1],
    [0, 0],
  ]);
  const rows = tf.pad(cols.reshape([n * h, 1, 2 * w * c]), [
    [0, 0],
    [0, 1],
    [0, 0],
  ]);
  return rows.reshape([n, 2 * h, 2 * w, c]);
}

/**
 * A full convolution at stride 1 with symmetric padding: x [N,H,W,Ci] by
 * w [kh,kw,Ci,Co]. Used by the stem (3x3) and the evaluation-only 1x7/7x1
 * and 2x2 convolutions.
 */
export function conv2d(x: T4, w: tf.Tensor4D, padH: number, padW = padH): T4 {
  const f = customOp<T4>(([xi, wi], save) => {
    const xt = xi as T4;
    const wt = wi as tf.Tensor4D;
    save([xt, wt]);
    const pad: Pad4 = [
      [0, 0],
      [padH, padH],
      [padW, padW],
      [0, 0],
    ];

    return {
      value: tf.conv2d(xt, wt, 1, pad),
      gradFunc: (dy, saved) => {
        const [sx, sw] = saved as [T4, tf.Tensor4D];
        const [kh, kw] = sw.shape;
        const dyt = dy as T4;

        // dx: correlate dy with the flipped filter, in/out channels swapped.
        const flipped = tf
          .reverse(sw, [0, 1])
          .transpose([0, 1, 3, 2]) as tf.Tensor4D;
        const dx = tf.conv2d(dyt, flipped, 1, [
          [0, 0],
          [kh - 1 - padH, kh - 1 - padH],
          [kw - 1 - padW, kw - 1 - padW],
          [0, 0],
        ]);

        if (!weightGradients) return [dx, tf.zerosLike(sw)];

        // dw: batch becomes the channel axis; dy serves as the filter.
        const xp = tf.pad(sx, pad).transpose([3, 1, 2, 0]) as T4;
        const dyf = dyt.transpose([1, 2, 0, 3]) as tf.Tensor4D;
        const dw = tf.conv2d(xp, dyf, 1, 'valid').transpose([1, 2, 0, 3]);
        return [dx, dw];
      },
    };
  });

  return f([x, w]);
}

/**
 * Depthwise convolution with symmetric padding: x [N,H,W,C] by w [k,k,C,1],
 * stride 1 or 2, dilation 1 or 2. Stride 2 together with dilation 2 (the
 * dilated convs on reduction edges) is computed at stride 1 and subsampled,
 * because cpu and webgl refuse that combination.
 */
export function depthwiseConv(
  x: T4,
  w: tf.Tensor4D,
  stride: number,
  pad: number,
  dilation = 1,
): T4 {
  if (stride === 2 && dilation === 2) {
    return subsample2(depthwiseConv(x, w, 1, pad, 2));
  }
  const f = customOp<T4>(([xi, wi], save) => {
    const xt = xi as T4;
    const wt = wi as tf.Tensor4D;
    save([xt, wt]);

    return {
      value: tf.depthwiseConv2d(
        xt,
        wt,
        stride,
        spatialPad(pad),
        'NHWC',
        dilation,
      ),
      gradFunc: (dy, saved) => {
        const [sx, sw] = saved as [T4, tf.Tensor4D];
        const k = sw.shape[0];
        const [n, h, wd, c] = sx.shape;
        const dyt = dy as T4;

        // dx: a stride-1 correlation of (zero-upsampled) dy with the flipped
        // filter; every op here has pad = dilation·(k-1)/2, so it is 'same'.
        const dyFull = stride === 2 ? upsampleZeros2(dyt) : dyt;
        const flipped = tf.reverse(sw, [0, 1]) as tf.Tensor4D;
        const back = dilation * (k - 1) - pad;
        const dx = tf.depthwiseConv2d(
          dyFull,
          flipped,
          1,
          spatialPad(back),
          'NHWC',
          dilation,
        );
        if (!weightGradients) return [dx, tf.zerosLike(sw)];

        // dw: the padded input as one image of N·C channels, dy as an
        // [Ho, Wo] filter whose taps are `stride` apart, stepped by `dilation`.
        const [, ho, wo] = dyt.shape;
        const xp = tf
          .pad(sx, spatialPad(pad))
          .transpose([1, 2, 0, 3])
          .reshape([1, h + 2 * pad, wd + 2 * pad, n * c]) as T4;
        const dyf = dyt
          .transpose([1, 2, 0, 3])
          .reshape([ho, wo, n * c, 1]) as tf.Tensor4D;
        const raw = tf.depthwiseConv2d(
          xp,
          dyf,
          dilation,
          'valid',
          'NHWC',
          stride,
        );
        const dw = raw
          .slice([0, 0, 0, 0], [1, k, k, n * c])
          .reshape([k, k, n, c])
          .sum(2)
          .reshape([k, k, c, 1]);
        return [dx, dw];
      },
    };
  });

  return f([x, w]);
}

/**
 * One-hot 3x3 depthwise filters [3, 3, C, 9]: output channel c·9 + m copies
 * the input at window offset m = 3i + j, so one depthwise conv lays out the
 * nine window views of every output position side by side.
 */
function windowFilter(c: number): tf.Tensor4D {
  const v = new Float32Array(9 * c * 9);
  for (let m = 0; m < 9; m++) {
    for (let ch = 0; ch < c; ch++) v[m * c * 9 + ch * 9 + m] = 1;
  }
  return tf.tensor4d(v, [3, 3, c, 9]);
}

/**
 * Filter [3, 3, 9, 1] of the adjoint of the window views: a full
 * correlation whose input channel m carries the flipped tap of offset m.
 */
function scatterFilter(): tf.Tensor4D {
  const v = new Float32Array(81);
  for (let m = 0; m < 9; m++) {
    const [i, j] = [Math.floor(m / 3), m % 3];
    v[((2 - i) * 3 + (2 - j)) * 9 + m] = 1;
  }
  return tf.tensor4d(v, [3, 3, 9, 1]);
}

/**
 * 3x3 max pooling with PyTorch's padding of 1 (padded cells never win).
 * The gradient routes dy to each window's first maximum in scan order: on
 * wasm both MaxPoolGrad and MaxPoolWithArgmax give wrong values on padded
 * inputs (measured against the PyTorch fixtures). Ties are real here: a
 * pixel whose ReLU inputs are all zero normalises to the same value as its
 * neighbours. The nine window views come from one one-hot depthwise conv
 * (multiplying by 1 and adding zeros is exact), argMax picks the first
 * maximum, and one small conv scatters the routed dy back: about ten
 * kernels in place of seventy slices, compares and pads.
 */
export function maxPool3x3(x: T4, stride: number): T4 {
  const f = customOp<T4>(([xi], save) => {
    const xp = tf.pad(xi, spatialPad(1), -3.4e38) as T4;
    save([xp]);

    return {
      value: tf.maxPool(xp, 3, stride, 'valid'),
      gradFunc: (dy, saved) =>
        tf.tidy(() => {
          const sx = saved[0] as T4;
          const [n, hp, wp, c] = sx.shape;
          const [, ho, wo] = dy.shape;

          // [N, Ho, Wo, C, 9]: the window views; the first maximum wins.
          const views = tf
            .depthwiseConv2d(sx, windowFilter(c), stride, 'valid')
            .reshape([n, ho, wo, c, 9]);
          const first = tf.oneHot(tf.argMax(views, 4), 9);
          const routed = first.mul(dy.reshape([n, ho, wo, c, 1]));

          // Offsets to the channel axis, (N, C) to the batch axis: the
          // scatter is then one full correlation with a [3, 3, 9, 1] filter,
          // cropped by its padding to the unpadded input.
          let r = routed
            .transpose([0, 3, 1, 2, 4])
            .reshape([n * c, ho, wo, 9]) as T4;
          if (stride === 2) r = upsampleZeros2(r);
          const back = tf.conv2d(r, scatterFilter(), 1, [
            [0, 0],
            [1, hp - r.shape[1] - 1],
            [1, wp - r.shape[2] - 1],
            [0, 0],
          ]);
          return back.reshape([n, c, hp - 2, wp - 2]).transpose([0, 2, 3, 1]);
        }),
    };
  });

  return f([x]);
}

/**
 * 1/count of real (unpadded) pixels in each 3x3 window at padding 1, as
 * [1, Ho, Wo, 1]: computed on the host, so no kernels run for it.
 */
function inverseCounts(h: number, w: number, stride: number): tf.Tensor4D {
  const along = (size: number, out: number) =>
    Array.from({ length: out }, (_, o) => {
      const lo = Math.max(0, stride * o - 1);
      const hi = Math.min(size - 1, stride * o + 1);
      return hi - lo + 1;
    });
  const [ho, wo] = [Math.ceil(h / stride), Math.ceil(w / stride)];
  const rows = along(h, ho);
  const cols = along(w, wo);
  const v = new Float32Array(ho * wo);
  for (let i = 0; i < ho; i++) {
    for (let j = 0; j < wo; j++) v[i * wo + j] = 1 / (rows[i] * cols[j]);
  }
  return tf.tensor4d(v, [1, ho, wo, 1]);
}

/**
 * 3x3 average pooling with padding 1 and count_include_pad=False: border
 * windows divide by the number of real pixels. The window sums are a
 * depthwise conv with a filter of ones (exact: products by 1), and so is
 * their adjoint: wasm's AvgPoolGrad took 2 ms a call at [16,32,32,8] where
 * the conv takes well under one, and tf.avgPool's own 'same' gradient
 * divides by 9 everywhere.
 *
 * Porting note: PyTorch divides each window's sum by its count; this
 * multiplies by 1/count, which can differ in the last bit.
 */
export function avgPool3x3(x: T4, stride: number): T4 {
  const f = customOp<T4>(([xi], save) => {
    const [, h, w, c] = xi.shape as number[];
    const ones = tf.ones([3, 3, c, 1]) as tf.Tensor4D;
    const inv = inverseCounts(h, w, stride);
    const sums = tf.depthwiseConv2d(xi as T4, ones, stride, spatialPad(1));
    // The forward's tensors are freed when it returns; keep these two.
    save([ones, inv]);

    return {
      value: sums.mul(inv) as T4,
      gradFunc: (dy, [sOnes, sInv]) => {
        const ones = sOnes as tf.Tensor4D;
        const g = dy.mul(sInv) as T4;
        const full = stride === 2 ? upsampleZeros2(g) : g;
        return tf.depthwiseConv2d(full, ones, 1, spatialPad(1));
      },
    };
  });

  return f([x]);
}

export const BN_EPS = 1e-5;

/**
 * Receives a BN forward's batch mean and biased variance, both [1,1,1,C],
 * and the count of values per channel; the tensors live only for the call.
 */
export type BatchStatsSink = (
  mean: tf.Tensor,
  variance: tf.Tensor,
  count: number,
) => void;

/**
 * Batch normalisation with batch statistics (biased variance over N,H,W),
 * as BatchNorm2d in train mode. gamma/beta null for affine=False. The
 * gradient is written out: autodiff through tf.moments costs several more
 * full-size ops per call. `onStats` sees the statistics the forward already
 * computed, so running averages cost no second pass over x.
 */
export function batchNorm(
  x: T4,
  gamma: tf.Tensor1D | null,
  beta: tf.Tensor1D | null,
  onStats?: BatchStatsSink,
): T4 {
  const count = x.shape[0] * x.shape[1] * x.shape[2];

  if (gamma === null || beta === null) {
    const f = customOp<T4>(([xi], save) => {
      const { xhat, rstd } = normalise(xi as T4, count, onStats);
      save([xhat, rstd]);
      return {
        value: xhat,
        gradFunc: (dy, saved) => {
          const [sh, sr] = saved;
          return bnInputGrad(dy, sh, sr, count);
        },
      };
    });
    return f([x]);
  }

  const f = customOp<T4>(([xi, g, b], save) => {
    const { xhat, rstd } = normalise(xi as T4, count, onStats);
    save([xhat, rstd, g]);
    return {
      value: xhat.mul(g).add(b) as T4,
      gradFunc: (dy, saved) => {
        const [sh, sr, sg] = saved;
        const dgamma = dy.mul(sh).sum([0, 1, 2]);
        const dbeta = dy.sum([0, 1, 2]);
        const dx = bnInputGrad(dy.mul(sg), sh, sr, count);
        return [dx, dgamma, dbeta];
      },
    };
  });
  return f([x, gamma, beta]);
}

function normalise(
  x: T4,
  count: number,
  onStats: BatchStatsSink | undefined,
): { xhat: T4; rstd: tf.Tensor } {
  const mean = x.mean([0, 1, 2], true);
  const centred = x.sub(mean);
  const variance = centred.square().mean([0, 1, 2], true);
  onStats?.(mean, variance, count);
  const rstd = variance.add(BN_EPS).rsqrt();

  return { xhat: centred.mul(rstd) as T4, rstd };
}

/** dL/dx of x̂ = (x − mean)·rstd given dL/dx̂: rstd·(g − mean(g) − x̂·mean(g·x̂)). */
function bnInputGrad(
  g: tf.Tensor,
  xhat: tf.Tensor,
  rstd: tf.Tensor,
  count: number,
): tf.Tensor {
  const meanG = g.sum([0, 1, 2], true).div(count);
  const meanGx = g.mul(xhat).sum([0, 1, 2], true).div(count);

  return g.sub(meanG).sub(xhat.mul(meanGx)).mul(rstd);
}

/**
 * Sum of any number of same-shaped tensors. webgpu's addN silently returns a
 * stale buffer for 8 or more inputs, so sum in chunks of at most 7.
 */
export function sumAll<T extends tf.Tensor>(ts: T[]): T {
  if (ts.length === 0) throw new Error('kernels.sumAll: nothing to sum');
  if (ts.length === 1) return ts[0];
  if (ts.length <= 7) return tf.addN(ts) as T;

  const partial: T[] = [];
  for (let i = 0; i < ts.length; i += 7) {
    partial.push(sumAll(ts.slice(i, i + 7)));
  }
  return sumAll(partial);
}

/** Mean cross-entropy of logits [N, K] against integer labels [N]. */
export function crossEntropy(
  logits: tf.Tensor2D,
  labels: tf.Tensor1D,
): tf.Scalar {
  const k = logits.shape[1];
  const onehot = tf.oneHot(labels, k);

  return tf
    .logSoftmax(logits)
    .mul(onehot)
    .sum()
    .div(-logits.shape[0]) as tf.Scalar;
}

/** Global average pooling [N,H,W,C] -> [N, C]. */
export function globalAvgPool(x: T4): tf.Tensor2D {
  return x.mean([1, 2]) as tf.Tensor2D;
}

/**
 * Rows `ids` of `table` [V, D] (an embedding lookup). tf.gather's gradient
 * needs UnsortedSegmentSum, which the wasm backend lacks; scatterND, which
 * sums repeated ids, gives the table's gradient on every backend.
 */
export function embeddingLookup(
  table: tf.Tensor2D,
  ids: tf.Tensor1D,
): tf.Tensor2D {
  const [v, d] = table.shape;
  const f = customOp<tf.Tensor2D>(([t]) => ({
    value: tf.gather(t, ids) as tf.Tensor2D,
    gradFunc: (dy) => tf.scatterND(ids.reshape([-1, 1]), dy, [v, d]),
  }));
  return f([table]);
}

/**
 * x[i, cols[i]] for each row i of x [N, K]: the target log-probabilities of
 * a language model, without a [N, K] one-hot (358 MB for PTB's batches).
 * The gradient scatters into zeros, as embeddingLookup.
 */
export function pickPerRow(x: tf.Tensor2D, cols: tf.Tensor1D): tf.Tensor1D {
  const [n, k] = x.shape;
  // Flat positions i·K + cols[i]; rebuilt in the backward from `cols`, which
  // the caller keeps alive until the gradient is taken.
  const flat = () =>
    tf
      .range(0, n * k, k, 'int32')
      .add(cols.cast('int32'))
      .reshape([n, 1]);
  const f = customOp<tf.Tensor1D>(([t]) => ({
    value: tf.gatherND(t.reshape([n * k]), flat()) as tf.Tensor1D,
    gradFunc: (dy) => tf.scatterND(flat(), dy, [n * k]).reshape([n, k]),
  }));
  return f([x]);
}
