import { defineConfig } from '@playwright/test';

/**
 * End-to-end tests in Debian's Chromium (never `npx playwright install`).
 * The studio is served from the production build (`npm run test:e2e` builds
 * it first); the backend check gets its own small page from a dev server.
 * Timeouts are generous: a search step on a 2-core CPU takes a while.
 */
export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-results',
  timeout: 300_000,
  expect: { timeout: 90_000 },
  workers: 1,
  fullyParallel: false,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: 'http://127.0.0.1:4173',
    acceptDownloads: true,
    viewport: { width: 1440, height: 1000 },
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--enable-unsafe-webgpu',
      ],
    },
  },
  webServer: [
    {
      command: 'npx vite preview --port 4173 --strictPort --host 127.0.0.1',
      url: 'http://127.0.0.1:4173',
      // Never test a server some other checkout left running on these ports.
      reuseExistingServer: false,
      timeout: 120_000,
    },
    {
      command:
        'npx vite --config e2e/harness/vite.config.ts --port 4174 --strictPort --host 127.0.0.1',
      url: 'http://127.0.0.1:4174',
      // Never test a server some other checkout left running on these ports.
      reuseExistingServer: false,
      timeout: 120_000,
    },
  ],
});
