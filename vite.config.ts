import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * The studio is a static SPA: a module worker runs the search, and the
 * TF.js wasm binaries ship as separate files (imported with `?url`) so that
 * nothing is fetched from anywhere but the page's own origin.
 */
/** The TF.js packages the workers load, pre-bundled by the dev servers. */
export const TFJS_PACKAGES = [
  '@tensorflow/tfjs-core',
  '@tensorflow/tfjs-backend-cpu',
  '@tensorflow/tfjs-backend-wasm',
  '@tensorflow/tfjs-backend-webgl',
  '@tensorflow/tfjs-backend-webgpu',
];

export default defineConfig({
  plugins: [react()],
  // Relative asset URLs, so the built studio also works from a sub-folder.
  base: './',
  worker: {
    format: 'es',
  },
  build: {
    target: 'es2022',
    // The wasm binaries are megabytes each: never inline them as base64.
    assetsInlineLimit: (file) => (file.endsWith('.wasm') ? false : undefined),
    chunkSizeWarningLimit: 4096,
  },
  server: {
    host: '127.0.0.1',
  },
  optimizeDeps: {
    // The workers import these late (some dynamically); listing them up
    // front spares the dev server a reload on the first visit.
    include: [...TFJS_PACKAGES, 'comlink'],
  },
  preview: {
    host: '127.0.0.1',
  },
});
