/**
 * A throwaway worker that tells its parent whether a TF.js backend
 * initialises and computes here. The parent terminates it after the answer,
 * or after a timeout if initialisation hangs, so a broken backend can never
 * poison the search worker's tf.ready().
 */
import * as tf from '@tensorflow/tfjs-core';
import { loadBackend, type BackendName } from './backendModules';

self.onmessage = async (event: MessageEvent<BackendName>) => {
  const name = event.data;
  try {
    await loadBackend(name);
    if (!(await tf.setBackend(name)))
      throw new Error('setBackend returned false');

    // A tiny depthwise + pointwise conv, read back the only safe way.
    const x = tf.ones([1, 4, 4, 2]) as tf.Tensor4D;
    const y = tf.depthwiseConv2d(
      x,
      tf.ones([3, 3, 2, 1]) as tf.Tensor4D,
      1,
      'same',
    );
    const z = tf.conv2d(y, tf.ones([1, 1, 2, 1]) as tf.Tensor4D, 1, 'valid');
    const values = await z.data();
    if (Math.abs(values[5] - 18) > 1e-3) {
      throw new Error(`a 3x3 conv of ones gave ${values[5]}, expected 18`);
    }
    self.postMessage({ ok: true, detail: 'ok' });
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    self.postMessage({
      ok: false,
      detail: `initialisation failed (${detail})`,
    });
  }
};
