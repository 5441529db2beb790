import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { TFJS_PACKAGES } from '../../vite.config';

/** The backend-check page, served by Vite's dev server for e2e/backends.spec.ts only. */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  cacheDir: fileURLToPath(
    new URL('../../node_modules/.vite-harness', import.meta.url),
  ),
  server: {
    host: '127.0.0.1',
    fs: { allow: [fileURLToPath(new URL('../..', import.meta.url))] },
  },
  optimizeDeps: {
    // Pre-bundled up front, so the page never reloads mid-test for a new dependency.
    include: TFJS_PACKAGES,
  },
});
