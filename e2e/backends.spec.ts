import { expect, test } from '@playwright/test';
import type { BackendResult } from './harness/backends';

const HARNESS = 'http://127.0.0.1:4174/';

test('the kernel layer gives the cpu results on every backend the browser offers', async ({
  page,
}, info) => {
  const shaderLog: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning')
      shaderLog.push(message.text());
  });
  await page.goto(HARNESS);
  await expect(page.locator('#status')).toHaveText('ready');

  const results: BackendResult[] = await page.evaluate(() =>
    window.runBackendCheck(),
  );
  const lines = results.map((r) =>
    r.ran
      ? `${r.backend}: ran (${r.note}), max relative error ${r.maxRelErr.toExponential(2)}` +
        `${r.worst ? ` in ${r.worst}` : ''}, ${Math.round(r.ms)} ms`
      : `${r.backend}: did not run (${r.note})`,
  );
  console.log(`backends:\n  ${lines.join('\n  ')}`);
  for (const r of results.filter((r) => Object.keys(r.failures).length > 0)) {
    console.log(
      `${r.backend} cases that threw:`,
      JSON.stringify(r.failures, null, 1),
    );
  }
  for (const r of results.filter((r) => r.ran && r.maxRelErr >= 1e-3)) {
    const bad = Object.entries(r.errors).filter(([, e]) => !(e < 1e-3));
    console.log(
      `${r.backend} outputs off by more than 1e-3:`,
      bad.map(([n, e]) => `${n} ${e.toExponential(2)}`).join(', '),
    );
  }
  if (shaderLog.length)
    console.log(`console errors:\n${shaderLog.join('\n').slice(0, 4000)}`);
  info.annotations.push({ type: 'backends', description: lines.join('; ') });

  // cpu is the reference and wasm ships everywhere: both must run.
  for (const name of ['cpu', 'wasm']) {
    expect(results.find((r) => r.backend === name)?.ran, `${name} ran`).toBe(
      true,
    );
  }
  for (const r of results.filter((r) => r.ran)) {
    expect(r.failures, `${r.backend}: cases that threw`).toEqual({});
    expect(
      r.maxRelErr,
      `${r.backend} against cpu (worst: ${r.worst})`,
    ).toBeLessThan(1e-3);
  }
});
