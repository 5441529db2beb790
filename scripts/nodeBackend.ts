/**
 * Backend selection for the Node scripts (runner and benchmark): wasm by
 * default (the fast path without a GPU), cpu on request. tfjs-node cannot be
 * installed here, so these are the backends Node offers.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';

export type NodeBackend = 'wasm' | 'cpu';

/** Switches tfjs to `name`; wasm single-threaded as REFERENCE.md §11 advises. */
export async function useNodeBackend(name: NodeBackend): Promise<void> {
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  const ok = await tf.setBackend(name);
  if (!ok) {
    throw new Error(
      `backend: tfjs could not start '${name}'; try --backend cpu`,
    );
  }
  await tf.ready();
}
