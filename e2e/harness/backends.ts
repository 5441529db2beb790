/**
 * Backend check for e2e/backends.spec.ts: a mixed op built from the core's
 * kernel layer (separable and dilated depthwise + pointwise convs, both
 * pools, skip, 'none', summed with softmax weights through sumAll), forward
 * and gradients, at stride 1 and 2, on every backend this browser offers,
 * each compared with cpu. Values are read only with `await data()`.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import {
  avgPool3x3,
  depthwiseConv,
  maxPool3x3,
  pointwiseConv,
  subsample2,
  sumAll,
} from '../../src/core/kernels';
import { loadBackend, type BackendName } from '../../workers/backendModules';

type T4 = tf.Tensor4D;

export interface BackendResult {
  backend: BackendName;
  ran: boolean;
  /** Why it did not run, or what the adapter/renderer is. */
  note: string;
  /** max |x - cpu| / max |cpu| per output, over all outputs. */
  maxRelErr: number;
  worst: string;
  /** Relative error of each output (forward, loss, gradients, per stride). */
  errors: Record<string, number>;
  /** Cases that threw on this backend, with the message. */
  failures: Record<string, string>;
  ms: number;
}

declare global {
  interface Window {
    runBackendCheck(): Promise<BackendResult[]>;
  }
}

const N = 2;
const H = 8;
const C = 4;

/** Deterministic inputs in [-1, 1) from a small LCG, so every backend sees the same numbers. */
function values(count: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

type Inputs = [T4, T4, T4, tf.Tensor2D, tf.Tensor1D];

/** The candidate ops of one edge at `stride`, with simplified (shared) filters. */
function candidateOps(
  [x, dw3, dw5, pw]: Inputs,
  stride: number,
): Record<string, () => T4> {
  const relu = () => tf.relu(x);
  const conv = (filter: T4, pad: number, dilation: number) => () =>
    pointwiseConv(depthwiseConv(relu(), filter, stride, pad, dilation), pw);
  const skip = () => (stride === 1 ? x : subsample2(x));

  return {
    // 'none': zeros, but its weight stays in the softmax
    none: () => tf.zerosLike(skip()),
    max_pool_3x3: () => maxPool3x3(x, stride),
    avg_pool_3x3: () => avgPool3x3(x, stride),
    skip: skip,
    sep_3x3: conv(dw3, 1, 1),
    sep_5x5: conv(dw5, 2, 1),
    dil_3x3: conv(dw3, 2, 2),
    dil_5x5: conv(dw5, 4, 2),
  };
}

/** A DARTS mixed op: the 8 candidates weighted by softmax(alphas), summed through sumAll. */
function mixedOp(inputs: Inputs, stride: number): T4 {
  const w = tf.softmax(inputs[4]);
  const ops = Object.values(candidateOps(inputs, stride));
  return sumAll(ops.map((op, k) => op().mul(w.slice([k], [1])) as T4));
}

/** Every case: each candidate op alone and the mixed op, at stride 1 and 2. */
function cases(
  inputs: Inputs,
): Array<{ name: string; stride: number; f: () => T4 }> {
  const all: Array<{ name: string; stride: number; f: () => T4 }> = [];
  for (const stride of [1, 2]) {
    for (const [name, f] of Object.entries(candidateOps(inputs, stride))) {
      if (name !== 'none') all.push({ name: `${name}.s${stride}`, stride, f });
    }
    all.push({
      name: `mixed.s${stride}`,
      stride,
      f: () => mixedOp(inputs, stride),
    });
  }
  return all;
}

const INPUT_NAMES = ['x', 'dw3', 'dw5', 'pw', 'alphas'];

/**
 * Forward values and the gradients of sum(out · r) with respect to every
 * input, per case, as plain arrays; a case that throws is reported by name.
 */
async function compute(): Promise<{
  arrays: Record<string, Float32Array>;
  failures: Record<string, string>;
}> {
  const arrays: Record<string, Float32Array> = {};
  const failures: Record<string, string> = {};
  const inputs: Inputs = [
    tf.tensor4d(values(N * H * H * C, 1), [N, H, H, C]),
    tf.tensor4d(values(9 * C, 2), [3, 3, C, 1]),
    tf.tensor4d(values(25 * C, 3), [5, 5, C, 1]),
    tf.tensor2d(values(C * C, 4), [C, C]),
    tf.tensor1d(values(8, 5)),
  ];

  for (const { name, stride, f } of cases(inputs)) {
    const size = H / stride;
    const r = tf.tensor4d(values(N * size * size * C, 6 + stride), [
      N,
      size,
      size,
      C,
    ]);
    let kept: tf.Tensor[] = [];
    try {
      kept = tf.tidy(() => {
        const forward = f();
        const { grads } = tf.valueAndGrads((...xs: tf.Tensor[]) => {
          // Rebind the inputs so the gradient flows to every one of them.
          // A zero term ties in the inputs an op does not use (pools ignore
          // the filters), so tf.grads can differentiate by all of them.
          const rebound = cases(xs as unknown as Inputs).find(
            (c) => c.name === name,
          )!;
          const tie = tf.addN(xs.map((t) => t.sum().mul(0)));
          return rebound.f().mul(r).sum().add(tie);
        })(inputs);
        // Clones: the skip op returns its input, which must outlive this case.
        return [forward, ...grads].map((t) => t.clone());
      });
      const parts = ['forward', ...INPUT_NAMES.map((n) => `d_${n}`)];
      for (const [i, t] of kept.entries()) {
        arrays[`${name}.${parts[i]}`] = (await t.data()) as Float32Array;
      }
    } catch (error) {
      failures[name] = error instanceof Error ? error.message : String(error);
    } finally {
      tf.dispose(kept);
      r.dispose();
    }
  }
  tf.dispose(inputs);
  return { arrays, failures };
}

/** Which backends to try, and a note for those the browser does not offer. */
async function offered(): Promise<
  Array<{ backend: BackendName; note: string | null }>
> {
  const gpu = (
    navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }
  ).gpu;
  const adapter = gpu ? await gpu.requestAdapter().catch(() => null) : null;
  const info = (
    adapter as {
      info?: { isFallbackAdapter?: boolean; description?: string };
    } | null
  )?.info;
  const gl = document.createElement('canvas').getContext('webgl2');

  return [
    { backend: 'cpu', note: null },
    { backend: 'wasm', note: null },
    { backend: 'webgl', note: gl ? null : 'no WebGL2 context' },
    {
      backend: 'webgpu',
      note: adapter ? null : 'navigator.gpu gave no adapter',
    },
  ].map((entry) => ({
    ...entry,
    backend: entry.backend as BackendName,
    note:
      entry.note ??
      (entry.backend === 'webgpu' && info?.isFallbackAdapter
        ? 'fallback adapter'
        : null),
  }));
}

function withTimeout<T>(
  promise: Promise<T>,
  ms: number,
  what: string,
): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) =>
      setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms),
    ),
  ]);
}

window.runBackendCheck = async () => {
  const results: BackendResult[] = [];
  let reference: Record<string, Float32Array> | null = null;

  for (const { backend, note } of await offered()) {
    if (note && note !== 'fallback adapter') {
      results.push({
        backend,
        ran: false,
        note,
        maxRelErr: Number.NaN,
        worst: '',
        errors: {},
        failures: {},
        ms: 0,
      });
      continue;
    }
    const t0 = performance.now();
    try {
      await loadBackend(backend);
      const ok = await withTimeout(
        tf.setBackend(backend),
        60_000,
        `setBackend('${backend}')`,
      );
      if (!ok) throw new Error(`setBackend('${backend}') returned false`);
      const { arrays, failures } = await withTimeout(
        compute(),
        180_000,
        `compute on ${backend}`,
      );
      reference ??= arrays;

      let maxRelErr = 0;
      let worst = '';
      const errors: Record<string, number> = {};
      for (const [name, ref] of Object.entries(reference)) {
        const got = arrays[name];
        if (!got) continue;
        let scale = 1e-6;
        let diff = 0;
        for (let i = 0; i < ref.length; i++) {
          scale = Math.max(scale, Math.abs(ref[i]));
          diff = Math.max(diff, Math.abs(got[i] - ref[i]));
        }
        errors[name] = diff / scale;
        if (!(diff / scale <= maxRelErr)) {
          maxRelErr = Number.isFinite(diff / scale) ? diff / scale : Infinity;
          worst = name;
        }
      }
      results.push({
        backend,
        ran: true,
        note: note ?? 'ok',
        maxRelErr,
        worst,
        errors,
        failures,
        ms: performance.now() - t0,
      });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      results.push({
        backend,
        ran: false,
        note: message,
        maxRelErr: Number.NaN,
        worst: '',
        errors: {},
        failures: {},
        ms: 0,
      });
    }
  }

  document.getElementById('status')!.textContent = JSON.stringify(
    results,
    null,
    2,
  );
  return results;
};

document.getElementById('status')!.textContent = 'ready';
