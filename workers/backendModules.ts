/**
 * Loads a TF.js backend's module on demand, so the worker only downloads
 * the backends it actually tries. Shared by the search and probe workers.
 */
import * as tf from '@tensorflow/tfjs-core';
// cpu is small and always the last resort: registered up front.
import '@tensorflow/tfjs-backend-cpu';
import wasmPlainUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

export type BackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu';

/** Imports (and so registers) backend `name`; for wasm, also points it at its binaries. */
export async function loadBackend(name: BackendName): Promise<void> {
  switch (name) {
    case 'webgpu':
      await import('@tensorflow/tfjs-backend-webgpu');
      return;
    case 'webgl':
      await import('@tensorflow/tfjs-backend-webgl');
      return;
    case 'wasm': {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      // The threaded build hangs setBackend('wasm') in a Vite module worker
      // and gains nothing on few cores (REFERENCE.md §11): never use it. The
      // flag exists only once the module above has registered it.
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
      // setWasmPaths wants every binary named, the threaded one included,
      // though with the flag above it is never fetched.
      wasm.setWasmPaths({
        'tfjs-backend-wasm.wasm': absolute(wasmPlainUrl),
        'tfjs-backend-wasm-simd.wasm': absolute(wasmSimdUrl),
        'tfjs-backend-wasm-threaded-simd.wasm': absolute(wasmThreadedUrl),
      });
      return;
    }
    case 'cpu':
      return;
  }
}

/** Asset URLs are relative to the worker script; wasm loading wants them absolute. */
function absolute(url: string): string {
  return new URL(url, self.location.href).href;
}
