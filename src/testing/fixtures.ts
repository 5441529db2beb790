/**
 * Test helpers: read the reference fixtures (copied into test-fixtures/),
 * convert PyTorch NCHW/OIHW records to our layouts, select a backend, and
 * compare tensors with the fixture README's rel_to_max measure.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { fromTorchLayout, type ParamStore } from '../core/params';

export interface TensorRecord {
  shape: number[];
  layout?: string;
  data: number[];
  name?: string;
  kind?: string;
}

const root = join(import.meta.dirname, '..', '..', 'test-fixtures');

/** Parses a fixture file under test-fixtures/. */
export function loadFixture<T = any>(relPath: string): T {
  return JSON.parse(readFileSync(join(root, relPath), 'utf8')) as T;
}

/** NCHW record -> NHWC tensor. */
export function nhwc(r: TensorRecord): tf.Tensor4D {
  return tf.tidy(() =>
    tf
      .tensor4d(
        Float32Array.from(r.data),
        r.shape as [number, number, number, number],
      )
      .transpose([0, 2, 3, 1]),
  );
}

/** NHWC tensor -> NCHW flat Float32Array (for comparison with records). */
export async function toNchw(t: tf.Tensor): Promise<Float32Array> {
  const p = tf.tidy(() => t.transpose([0, 3, 1, 2]));
  const data = (await p.data()) as Float32Array;
  p.dispose();
  return data;
}

/** max|a − b| / max|b|, the fixture README's rel_to_max. */
export function relToMax(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length)
    throw new Error(`length ${a.length} vs ${b.length}`);
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return den === 0 ? num : num / den;
}

/** Sets params of `store` from fixture records matched by name (with an optional prefix). */
export function loadParams(
  store: ParamStore,
  records: TensorRecord[],
  prefix = '',
): void {
  const byName = new Map(store.params.map((p) => [p.name, p]));
  for (const r of records) {
    const p = byName.get(prefix + r.name!);
    if (!p)
      throw new Error(
        `fixture param ${r.name} has no match among ${[...byName.keys()].slice(0, 5)}...`,
      );
    const t = fromTorchLayout(p.kind, r.shape, r.data);
    p.variable.assign(t);
    t.dispose();
  }
}

/** Switches tfjs to `name`; wasm single-threaded as in the app. */
export async function useBackend(name: 'cpu' | 'wasm'): Promise<void> {
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  await tf.setBackend(name);
  await tf.ready();
}

export const BACKENDS = ['cpu', 'wasm'] as const;
