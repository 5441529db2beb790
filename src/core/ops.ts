/**
 * The candidate operations of the CNN search space and the preprocessing
 * blocks, each exactly the reference's layer sequence (REFERENCE.md §1.1).
 * Layout NHWC. Every op that starts with a ReLU takes that ReLU already
 * applied (`xr`), so a cell computes relu(state) once per state instead of
 * once per op.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  avgPool3x3,
  batchNorm,
  conv2d,
  depthwiseConv,
  maxPool3x3,
  pointwiseConv,
  subsample2,
} from './kernels';
import { applyBatchNorm, makeBatchNorm } from './batchNormLayer';
import type { OpName } from './primitives';
import type { ParamStore } from './params';

type T4 = tf.Tensor4D;

/** An op applied to an input `x` and its ReLU `xr` (both [N,H,W,C]). */
export interface Op {
  readonly name: OpName | 'preprocess';
  /** True for the stride-1 skip: drop path never touches it. */
  readonly isIdentity: boolean;
  /** True when the op needs relu(x); pools and identity read x itself. */
  readonly usesRelu: boolean;
  apply(x: T4, xr: T4): T4;
}

const makeBn = makeBatchNorm;
const applyBn = applyBatchNorm;

function depthwiseWeight(
  store: ParamStore,
  name: string,
  c: number,
  k: number,
): tf.Tensor4D {
  return store.conv(name, 'depthwise', [k, k, c, 1], c * k * k) as tf.Tensor4D;
}

function pointwiseWeight(
  store: ParamStore,
  name: string,
  ci: number,
  co: number,
): tf.Tensor2D {
  return store.conv(name, 'pointwise', [ci, co], ci) as tf.Tensor2D;
}

/**
 * SepConv: (dw k, stride s → pw → BN), then (dw k → pw → BN), both halves
 * behind a ReLU. Parameter names follow the reference's Sequential indices.
 */
function sepConv(
  store: ParamStore,
  prefix: string,
  name: OpName,
  c: number,
  k: number,
  stride: number,
  affine: boolean,
): Op {
  const pad = (k - 1) / 2;
  const dw1 = depthwiseWeight(store, `${prefix}op.1.weight`, c, k);
  const pw1 = pointwiseWeight(store, `${prefix}op.2.weight`, c, c);
  const bn1 = makeBn(store, `${prefix}op.3`, c, affine);
  const dw2 = depthwiseWeight(store, `${prefix}op.5.weight`, c, k);
  const pw2 = pointwiseWeight(store, `${prefix}op.6.weight`, c, c);
  const bn2 = makeBn(store, `${prefix}op.7`, c, affine);

  return {
    name,
    isIdentity: false,
    usesRelu: true,
    apply: (_x, xr) => {
      const h = applyBn(
        pointwiseConv(depthwiseConv(xr, dw1, stride, pad), pw1),
        bn1,
      );
      const hr = tf.relu(h);
      return applyBn(pointwiseConv(depthwiseConv(hr, dw2, 1, pad), pw2), bn2);
    },
  };
}

/** DilConv: ReLU → dw k with dilation 2, stride s → pw → BN. */
function dilConv(
  store: ParamStore,
  prefix: string,
  name: OpName,
  c: number,
  k: number,
  stride: number,
  affine: boolean,
): Op {
  const pad = k - 1;
  const dw = depthwiseWeight(store, `${prefix}op.1.weight`, c, k);
  const pw = pointwiseWeight(store, `${prefix}op.2.weight`, c, c);
  const bn = makeBn(store, `${prefix}op.3`, c, affine);

  return {
    name,
    isIdentity: false,
    usesRelu: true,
    apply: (_x, xr) =>
      applyBn(pointwiseConv(depthwiseConv(xr, dw, stride, pad, 2), pw), bn),
  };
}

/**
 * FactorizedReduce: ReLU, two 1x1 stride-2 convs (the second on the input
 * shifted by one pixel down and right), concatenated, then BN.
 */
export function factorizedReduce(
  store: ParamStore,
  prefix: string,
  ci: number,
  co: number,
  affine: boolean,
  name: OpName | 'preprocess' = 'skip_connect',
): Op {
  if (co % 2 !== 0) {
    throw new Error(
      `ops.factorizedReduce: output channels must be even, got ${co}`,
    );
  }
  const w1 = pointwiseWeight(store, `${prefix}conv_1.weight`, ci, co / 2);
  const w2 = pointwiseWeight(store, `${prefix}conv_2.weight`, ci, co / 2);
  const bn = makeBn(store, `${prefix}bn`, co, affine);

  return {
    name,
    isIdentity: false,
    usesRelu: true,
    apply: (_x, xr) => {
      const a = pointwiseConv(subsample2(xr, 0), w1);
      const b = pointwiseConv(subsample2(xr, 1), w2);
      return applyBn(tf.concat([a, b], 3), bn);
    },
  };
}

/** ReLUConvBN with a 1x1 conv at stride 1: the cells' preprocessing. */
export function reluConvBn(
  store: ParamStore,
  prefix: string,
  ci: number,
  co: number,
  affine: boolean,
): Op {
  const w = pointwiseWeight(store, `${prefix}op.1.weight`, ci, co);
  const bn = makeBn(store, `${prefix}op.2`, co, affine);

  return {
    name: 'preprocess',
    isIdentity: false,
    usesRelu: true,
    apply: (_x, xr) => applyBn(pointwiseConv(xr, w), bn),
  };
}

/**
 * Zero(stride): x·0 on the strided grid, as the reference computes it. The
 * MixedOp never calls it (its contribution is zero); it exists for the
 * evaluation of a single op and for tests.
 */
function zero(stride: number): Op {
  return {
    name: 'none',
    isIdentity: false,
    usesRelu: false,
    apply: (x) => (stride === 1 ? x : subsample2(x)).mul(0),
  };
}

function pool(
  name: 'max_pool_3x3' | 'avg_pool_3x3',
  stride: number,
  withBn: boolean,
): Op {
  const f = name === 'max_pool_3x3' ? maxPool3x3 : avgPool3x3;

  return {
    name,
    isIdentity: false,
    usesRelu: false,
    apply: (x) => {
      const y = f(x, stride);
      return withBn ? batchNorm(y, null, null) : y;
    },
  };
}

const identity: Op = {
  name: 'skip_connect',
  isIdentity: true,
  usesRelu: false,
  apply: (x) => x,
};

/** Options for building one op. */
export interface OpOptions {
  /** Parameter name prefix, e.g. 'cells.0._ops.3._ops.4.' */
  prefix: string;
  c: number;
  stride: number;
  affine: boolean;
  /** The search MixedOp follows each pool with a non-affine BN. */
  poolBn: boolean;
}

/** Builds the op `name` (the reference's OPS table). */
export function createOp(store: ParamStore, name: OpName, o: OpOptions): Op {
  const { prefix, c, stride, affine } = o;
  switch (name) {
    case 'none':
      return zero(stride);
    case 'max_pool_3x3':
    case 'avg_pool_3x3':
      return pool(name, stride, o.poolBn);
    case 'skip_connect':
      return stride === 1
        ? identity
        : factorizedReduce(store, prefix, c, c, affine);
    case 'sep_conv_3x3':
      return sepConv(store, prefix, name, c, 3, stride, affine);
    case 'sep_conv_5x5':
      return sepConv(store, prefix, name, c, 5, stride, affine);
    case 'sep_conv_7x7':
      return sepConv(store, prefix, name, c, 7, stride, affine);
    case 'dil_conv_3x3':
      return dilConv(store, prefix, name, c, 3, stride, affine);
    case 'dil_conv_5x5':
      return dilConv(store, prefix, name, c, 5, stride, affine);
    case 'conv_7x1_1x7':
      return conv7x1x7(store, prefix, c, stride, affine);
  }
}

/**
 * ReLU → conv (1,7) stride (1,s) → conv (7,1) stride (s,1) → BN, used only
 * by AmoebaNet. Stride 2 is applied by subsampling after the stride-1 convs.
 */
function conv7x1x7(
  store: ParamStore,
  prefix: string,
  c: number,
  stride: number,
  affine: boolean,
): Op {
  const w1 = store.conv(
    `${prefix}op.1.weight`,
    'conv',
    [1, 7, c, c],
    c * 7,
  ) as tf.Tensor4D;
  const w2 = store.conv(
    `${prefix}op.2.weight`,
    'conv',
    [7, 1, c, c],
    c * 7,
  ) as tf.Tensor4D;
  const bn = makeBn(store, `${prefix}op.3`, c, affine);

  return {
    name: 'conv_7x1_1x7',
    isIdentity: false,
    usesRelu: true,
    apply: (_x, xr) => {
      const h = conv2d(conv2d(xr, w1, 0, 3), w2, 3, 0);
      return applyBn(stride === 2 ? subsample2(h) : h, bn);
    },
  };
}
