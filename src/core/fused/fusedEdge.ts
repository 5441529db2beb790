/**
 * One search edge (MixedOp, REFERENCE.md §1.2) as a single custom op whose
 * forward and backward run in our own WebAssembly kernels, for the cpu and
 * wasm backends. TF.js spends most of a CPU search step in per-kernel
 * bookkeeping and in its slow depthwise convolutions (~80,000 kernel calls
 * a step); here an edge is two calls. The backward recomputes the edge's
 * intermediates inside the kernels (relu(x) and the pools included), so
 * only x stays alive between the passes, less than the TF.js path's
 * rematerialised edge keeps.
 *
 * The op computes Σ_{k≥1} w_k·op_k with ops in PRIMITIVES order: the pool
 * terms arrive already computed (they are shared by every edge out of a
 * state), skip is x at stride 1 and FactorizedReduce(relu x) at stride 2,
 * and the four convs read relu(x). Every BatchNorm is the search's
 * non-affine one with batch statistics.
 */
import * as tf from '@tensorflow/tfjs-core';
import { customOp } from '../customGrad';
import { BN_EPS, weightGradientsOn } from '../kernels';
import { edgeIo, type EdgeArena, type EdgeIo } from './edgeWasm';

type T4 = tf.Tensor4D;

let enabled = true;

/** Switches the fused edges off (tests compare them with the TF.js path). */
export function setFusedEdges(on: boolean): void {
  enabled = on;
}

/**
 * True when edges of this shape run fused on the current backend: cpu or
 * wasm (a GPU backend would pay a device round trip per edge), the kernels
 * compiled, and even sizes where the edge reduces.
 */
export function fusedEdgeAvailable(x: T4, stride: number): boolean {
  if (!enabled) return false;
  if (stride === 2 && (x.shape[1] % 2 !== 0 || x.shape[2] % 2 !== 0)) {
    return false;
  }
  return edgeIo() !== null;
}

/** The conv terms of an edge: op index in PRIMITIVES, kind, kernel size. */
const CONVS = [
  { op: 4, kind: 'sep', k: 3 },
  { op: 5, kind: 'sep', k: 5 },
  { op: 6, kind: 'dil', k: 3 },
  { op: 7, kind: 'dil', k: 5 },
] as const;

interface Geometry {
  n: number;
  h: number;
  w: number;
  c: number;
  stride: number;
  ho: number;
  wo: number;
  /** Rows of the output as a matrix: n·ho·wo. */
  m: number;
  nIn: number;
  nOut: number;
}

function geometry(x: T4, stride: number): Geometry {
  const [n, h, w, c] = x.shape;
  const ho = stride === 2 ? h / 2 : h;
  const wo = stride === 2 ? w / 2 : w;
  const m = n * ho * wo;
  return { n, h, w, c, stride, ho, wo, m, nIn: n * h * w * c, nOut: m * c };
}

/** Byte offsets of one conv op's weights, in registration order. */
type Weights = number[];

/**
 * One dw → pw → BN half of a conv op as its forward ran: its input and how
 * the depthwise conv read it, then its depthwise output t, BN output y and
 * rstd (byte offsets). A sep conv has two halves, a dil conv one.
 */
interface Half {
  inp: number;
  inH: number;
  inW: number;
  stride: number;
  dilation: number;
  pad: number;
  t: number;
  y: number;
  rstd: number;
}

function bnScratch(a: EdgeArena, c: number): number {
  return a.alloc(8 * c);
}

/** Runs one half on `inp` [n, inH, inW, c]; output [n, ho, wo, c]. */
function halfForward(
  a: EdgeArena,
  g: Geometry,
  how: Omit<Half, 't' | 'y' | 'rstd'>,
  dw: number,
  pw: number,
  k: number,
): Half {
  const t = a.alloc(g.nOut);
  a.k.dwFwd(
    how.inp,
    g.n,
    how.inH,
    how.inW,
    g.c,
    dw,
    k,
    how.stride,
    how.dilation,
    how.pad,
    t,
    g.ho,
    g.wo,
  );
  const y = a.alloc(g.nOut);
  a.k.pw(t, g.c, g.m, g.c, pw, g.c, y, g.c, 0);
  const rstd = a.alloc(g.c);
  a.k.bnFwd(y, g.m, g.c, BN_EPS, y, rstd, bnScratch(a, g.c));
  return { ...how, t, y, rstd };
}

/** A conv op's halves on xr; the last half's y is the op's output. */
function convForward(
  a: EdgeArena,
  g: Geometry,
  xr: number,
  kind: 'sep' | 'dil',
  k: number,
  wts: Weights,
): Half[] {
  const first = { inp: xr, inH: g.h, inW: g.w, stride: g.stride };
  if (kind === 'dil') {
    const how = { ...first, dilation: 2, pad: k - 1 };
    return [halfForward(a, g, how, wts[0], wts[1], k)];
  }
  const pad = (k - 1) / 2;
  const h1 = halfForward(
    a,
    g,
    { ...first, dilation: 1, pad },
    wts[0],
    wts[1],
    k,
  );
  const r1 = a.alloc(g.nOut);
  a.k.relu(h1.y, g.nOut, r1);
  const second = { inp: r1, inH: g.ho, inW: g.wo, stride: 1, dilation: 1, pad };
  return [h1, halfForward(a, g, second, wts[2], wts[3], k)];
}

/**
 * Backpropagates gOut (dL/d op output, overwritten) through one conv op's
 * halves: adds dL/d relu(x) into dxr and, when wanted, the weight gradients
 * into dWts (same layout as wts, zeroed by the caller).
 */
function convBackward(
  a: EdgeArena,
  g: Geometry,
  k: number,
  wts: Weights,
  halves: Half[],
  gOut: number,
  dxr: number,
  dWts: Weights | null,
): void {
  const c = g.c;
  const tmp = bnScratch(a, c);
  const pwT = a.alloc(c * c);
  const dt = a.alloc(g.nOut);

  let grad = gOut;
  for (let i = halves.length - 1; i >= 0; i--) {
    const h = halves[i];
    a.k.bnBwd(grad, h.y, h.rstd, g.m, c, grad, tmp);
    if (dWts !== null) {
      a.k.pwGradWeight(h.t, c, grad, c, g.m, c, c, dWts[2 * i + 1]);
    }
    a.k.transpose(wts[2 * i + 1], c, c, pwT);
    a.k.pw(grad, c, g.m, c, pwT, c, dt, c, 0);

    // The first half's input is relu(x), whose gradient collects in dxr;
    // a second half's is relu(y1), masked on its way into the first.
    const dIn = i === 0 ? dxr : a.zeros(g.nOut);
    a.k.dwBwd(
      dt,
      h.inp,
      g.n,
      h.inH,
      h.inW,
      c,
      wts[2 * i],
      k,
      h.stride,
      h.dilation,
      h.pad,
      g.ho,
      g.wo,
      dIn,
      dWts === null ? 0 : dWts[2 * i],
      dWts === null ? 0 : 1,
    );
    if (i > 0) {
      a.k.reluMask(dIn, halves[i - 1].y, g.nOut);
      grad = dIn;
    }
  }
}

/** FactorizedReduce of relu(x) (stride-2 skip); its trace for the backward. */
function reduceForward(
  a: EdgeArena,
  g: Geometry,
  xr: number,
  w1: number,
  w2: number,
): { s0: number; s1: number; y: number; rstd: number } {
  const half = g.c / 2;
  const s0 = a.alloc(g.nOut);
  const s1 = a.alloc(g.nOut);
  a.k.subsample2(xr, g.n, g.h, g.w, g.c, 0, s0, 0);
  a.k.subsample2(xr, g.n, g.h, g.w, g.c, 1, s1, 0);
  const y = a.alloc(g.nOut);
  a.k.pw(s0, g.c, g.m, g.c, w1, half, y, g.c, 0);
  a.k.pw(s1, g.c, g.m, g.c, w2, half, y + half * 4, g.c, 0);
  const rstd = a.alloc(g.c);
  a.k.bnFwd(y, g.m, g.c, BN_EPS, y, rstd, bnScratch(a, g.c));
  return { s0, s1, y, rstd };
}

function reduceBackward(
  a: EdgeArena,
  g: Geometry,
  trace: { s0: number; s1: number; y: number; rstd: number },
  w1: number,
  w2: number,
  gOut: number,
  dxr: number,
  dW: [number, number] | null,
): void {
  const c = g.c;
  const half = c / 2;
  a.k.bnBwd(gOut, trace.y, trace.rstd, g.m, c, gOut, bnScratch(a, c));
  const wT = a.alloc(c * half);
  const ds = a.alloc(g.nOut);
  const parts = [
    [w1, trace.s0, 0],
    [w2, trace.s1, 1],
  ] as const;
  for (const [w, s, phase] of parts) {
    const gPart = gOut + phase * half * 4;
    if (dW !== null) a.k.pwGradWeight(s, c, gPart, c, g.m, c, half, dW[phase]);
    a.k.transpose(w, c, half, wT);
    a.k.pw(gPart, c, g.m, half, wT, c, ds, c, 0);
    a.k.subsample2(dxr, g.n, g.h, g.w, c, phase, ds, 1);
  }
}

export interface EdgeLayout {
  stride: number;
  /** FactorizedReduce's two 1x1 weights at stride 2 (empty at stride 1). */
  reduce: tf.Variable[];
  /** Per conv term (CONVS order): sep [dw1, pw1, dw2, pw2], dil [dw, pw]. */
  convs: tf.Variable[][];
}

/** Splits a MixedOp's variables (registration order) by op. */
export function edgeLayout(stride: number, params: tf.Variable[]): EdgeLayout {
  const reduce = stride === 2 ? params.slice(0, 2) : [];
  let at = reduce.length;
  const convs = CONVS.map(({ kind }) => {
    const n = kind === 'sep' ? 4 : 2;
    const slice = params.slice(at, at + n);
    at += n;
    return slice;
  });
  if (at !== params.length) {
    throw new Error(
      `fusedEdge: expected ${at} edge variables, got ${params.length}`,
    );
  }
  return { stride, reduce, convs };
}

/** f of every variable of the edge, in the layout's shape. */
function mapLayout<T>(
  layout: EdgeLayout,
  f: (v: tf.Variable) => T,
): { reduce: T[]; convs: T[][] } {
  return {
    reduce: layout.reduce.map(f),
    convs: layout.convs.map((vs) => vs.map(f)),
  };
}

/** y = BN(pool3x3(x)) (max when isMax is 1); returns rstd's offset. */
function poolBnForward(
  a: EdgeArena,
  g: Geometry,
  xp: number,
  y: number,
  isMax: number,
): number {
  a.k.pool3Fwd(xp, g.n, g.h, g.w, g.c, g.stride, y, g.ho, g.wo, isMax);
  const rstd = a.alloc(g.c);
  a.k.bnFwd(y, g.m, g.c, BN_EPS, y, rstd, bnScratch(a, g.c));
  return rstd;
}

/**
 * BatchNorm(pool3x3(x)) for the search's pool ops (3x3, pad 1, stride 1 or
 * 2, max or average without the padding, then the non-affine BN), as one
 * custom op; the backward recomputes the pool.
 */
export function fusedPoolBn(x: T4, stride: number, isMax: boolean): T4 {
  const g = geometry(x, stride);
  const flag = isMax ? 1 : 0;
  const io = edgeIo() as EdgeIo;
  const a = io.arena;
  const pool = (xp: number, y: number) => poolBnForward(a, g, xp, y, flag);

  const op = customOp<T4>(([xi], save) => {
    save([xi]);
    a.reset();
    const y = io.output([g.n, g.ho, g.wo, g.c]);
    pool(io.ptr(xi), y.ptr);
    const value = y.done() as T4;
    a.reset();

    return {
      value,
      gradFunc: (dy, [sx]) => {
        a.reset();
        const xp = io.ptr(sx);
        const yp = a.alloc(g.nOut);
        const rstd = pool(xp, yp);
        const gp = a.alloc(g.nOut);
        a.k.bnBwd(io.ptr(dy), yp, rstd, g.m, g.c, gp, bnScratch(a, g.c));
        const dx = io.output(x.shape);
        a.k.zero(dx.ptr, g.nIn);
        a.k.pool3Bwd(
          gp,
          xp,
          g.n,
          g.h,
          g.w,
          g.c,
          stride,
          g.ho,
          g.wo,
          flag,
          dx.ptr,
        );
        const grad = dx.done();
        a.reset();
        return [grad];
      },
    };
  });

  return op([x]);
}

/**
 * Σ_{k=1..7} w_k·op_k for one edge. x, xr = relu(x) [N,H,W,C]; max and avg
 * = fusedPoolBn(x) at the output size (the backward recomputes all three
 * from x, so they must be exactly these); w = the 7 softmax weights of ops
 * 1..7 as scalars.
 */
export function fusedEdge(
  x: T4,
  xr: T4,
  max: T4,
  avg: T4,
  w: tf.Scalar[],
  layout: EdgeLayout,
): T4 {
  const vars = [...layout.reduce, ...layout.convs.flat()];
  const g = geometry(x, layout.stride);
  const io = edgeIo() as EdgeIo;
  const a = io.arena;

  const op = customOp<T4>((inputs, save) => {
    const [xi, xri, mi, ai] = inputs;
    // Only x is saved (TF.js copies what is saved, once per edge): the
    // backward recomputes relu(x) and the pools from it, bit for bit. The
    // variables cannot change between the forward and the backward of one
    // gradient call, and the op weights are kept as numbers.
    save([xi]);
    const ws = inputs.slice(4, 11).map((t) => io.value(t));
    a.reset();

    const y = io.output([g.n, g.ho, g.wo, g.c]);
    a.k.axpy(ws[0], io.ptr(mi), y.ptr, g.nOut, 0);
    a.k.axpy(ws[1], io.ptr(ai), y.ptr, g.nOut, 1);
    const xrp = io.ptr(xri);
    const wts = mapLayout(layout, (v) => io.ptr(v));
    if (g.stride === 1) {
      a.k.axpy(ws[2], io.ptr(xi), y.ptr, g.nOut, 1);
    } else {
      const r = reduceForward(a, g, xrp, wts.reduce[0], wts.reduce[1]);
      a.k.axpy(ws[2], r.y, y.ptr, g.nOut, 1);
    }
    CONVS.forEach(({ op: o, kind, k }, i) => {
      const mark = a.mark();
      const halves = convForward(a, g, xrp, kind, k, wts.convs[i]);
      a.k.axpy(ws[o - 1], halves[halves.length - 1].y, y.ptr, g.nOut, 1);
      a.release(mark);
    });
    const value = y.done() as T4;
    a.reset();

    return {
      value,
      gradFunc: (dy, saved) =>
        edgeBackward(io, dy as T4, saved, ws, x.shape, vars, layout, g),
    };
  });

  return op([x, xr, max, avg, ...w, ...vars]);
}

function edgeBackward(
  io: EdgeIo,
  dyT: T4,
  saved: tf.Tensor[],
  ws: number[],
  xShape: number[],
  vars: tf.Variable[],
  layout: EdgeLayout,
  g: Geometry,
): tf.Tensor[] {
  const wantW = weightGradientsOn();
  const a = io.arena;
  a.reset();

  const xp = io.ptr(saved[0]);
  const xrp = a.alloc(g.nIn);
  a.k.relu(xp, g.nIn, xrp);
  const dy = io.ptr(dyT);
  const wts = mapLayout(layout, (v) => io.ptr(v));
  const dws = new Array<number>(7).fill(0);
  for (const isMax of [1, 0]) {
    const mark = a.mark();
    const pooled = a.alloc(g.nOut);
    poolBnForward(a, g, xp, pooled, isMax);
    dws[1 - isMax] = a.k.dot(dy, pooled, g.nOut);
    a.release(mark);
  }
  const scaled = (wk: number) => {
    const o = io.output([g.n, g.ho, g.wo, g.c]);
    a.k.axpy(wk, dy, o.ptr, g.nOut, 0);
    return o;
  };
  const dmax = scaled(ws[0]);
  const davg = scaled(ws[1]);
  const dx = g.stride === 1 ? scaled(ws[2]) : null;
  const dxr = io.output(xShape);
  a.k.zero(dxr.ptr, g.nIn);
  // Weight gradients are written straight into their output tensors.
  const dVars = wantW
    ? mapLayout(layout, (v) => {
        const o = io.output(v.shape);
        a.k.zero(o.ptr, v.size);
        return o;
      })
    : null;
  const dPtrs = dVars && {
    reduce: dVars.reduce.map((o) => o.ptr),
    convs: dVars.convs.map((os) => os.map((o) => o.ptr)),
  };
  const gOut = a.alloc(g.nOut);

  if (g.stride === 1) {
    dws[2] = a.k.dot(dy, xp, g.nOut);
  } else {
    const mark = a.mark();
    const [w1, w2] = wts.reduce;
    const r = reduceForward(a, g, xrp, w1, w2);
    dws[2] = a.k.dot(dy, r.y, g.nOut);
    a.k.axpy(ws[2], dy, gOut, g.nOut, 0);
    const dW = dPtrs === null ? null : (dPtrs.reduce as [number, number]);
    reduceBackward(a, g, r, w1, w2, gOut, dxr.ptr, dW);
    a.release(mark);
  }
  CONVS.forEach(({ op: o, kind, k }, i) => {
    const mark = a.mark();
    const halves = convForward(a, g, xrp, kind, k, wts.convs[i]);
    dws[o - 1] = a.k.dot(dy, halves[halves.length - 1].y, g.nOut);
    a.k.axpy(ws[o - 1], dy, gOut, g.nOut, 0);
    const dW = dPtrs === null ? null : dPtrs.convs[i];
    convBackward(a, g, k, wts.convs[i], halves, gOut, dxr.ptr, dW);
    a.release(mark);
  });
  const grads = [
    dx === null ? tf.zeros(xShape) : dx.done(),
    dxr.done(),
    dmax.done(),
    davg.done(),
    ...dws.map((d) => tf.scalar(d)),
    ...(dVars === null
      ? vars.map((v) => tf.zerosLike(v))
      : [...dVars.reduce, ...dVars.convs.flat()].map((o) => o.done())),
  ];
  a.reset();
  return grads;
}
