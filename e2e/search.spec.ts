import { readFile } from 'node:fs/promises';
import { expect, test, type Page } from '@playwright/test';
import { PRIMITIVES } from '../src/core/primitives';
import { cifarBatch, currentStep, SCREENSHOTS, useTinySearch } from './helpers';

/** Every strand's current weight, keyed "cell/edge/op", and the step shown. */
async function readStrands(
  page: Page,
): Promise<{ step: number; weights: Record<string, string> }> {
  return page.evaluate(() => {
    const weights: Record<string, string> = {};
    document
      .querySelectorAll<SVGPathElement>('svg[data-testid^="cell-"] path.strand')
      .forEach((p) => {
        const cell = p.closest('svg')!.getAttribute('data-testid');
        weights[`${cell}/${p.dataset.edge}/${p.dataset.op}`] =
          p.getAttribute('data-weight') ?? '';
      });
    const step = Number(
      document
        .querySelector('[data-testid="step-count"]')
        ?.getAttribute('data-step') ?? 0,
    );
    return { step, weights };
  });
}

test('a search runs end to end: drop data, start, watch, pause, download, survive a bad file', async ({
  page,
}) => {
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto('/');

  await expect(
    page.getByRole('heading', { name: 'DARTS Studio' }),
  ).toBeVisible();
  await expect(page.getByTestId('backend-badge')).not.toHaveAttribute(
    'data-backend',
    '',
  );
  const backend = await page
    .getByTestId('backend-badge')
    .getAttribute('data-backend');
  const backendTitle = await page
    .getByTestId('backend-badge')
    .getAttribute('title');
  console.log(
    `backend: ${backend} — ${await page.getByTestId('backend-badge').textContent()}\n${backendTitle}`,
  );
  // Without a GPU the search edges run on our own kernels, in wasm's heap.
  if (backend === 'wasm') {
    expect(backendTitle).toContain('own WebAssembly SIMD kernels, inside');
  }

  // The strands exist before any run: 2 cells x 14 edges x 7 ops.
  await expect(page.locator('path.strand')).toHaveCount(2 * 14 * 7);

  // Drop a generated CIFAR batch through the file input.
  await page.getByTestId('file-input').setInputFiles({
    name: 'data_batch_1.bin',
    mimeType: 'application/octet-stream',
    buffer: cifarBatch(64),
  });
  const good = page.locator('li.file-report[data-file="data_batch_1.bin"]');
  await expect(good).toHaveAttribute('data-ok', 'true');
  await expect(good).toContainText('train · 64 images');
  await expect(page.getByTestId('data-badge')).toContainText('64 train');

  await useTinySearch(page);
  await expect(page.getByTestId('preset')).toHaveValue('Custom');

  await page.getByTestId('start').click();
  await expect(page.getByTestId('run-state')).toHaveText('Running');
  await expect(page.locator('input[name="channels"]')).toBeDisabled();

  // Two snapshots, and the weights differ between them.
  await expect
    .poll(() => currentStep(page), { timeout: 120_000 })
    .toBeGreaterThanOrEqual(1);
  const first = await readStrands(page);
  await expect
    .poll(async () => (await readStrands(page)).step, { timeout: 120_000 })
    .toBeGreaterThan(first.step);
  const second = await readStrands(page);
  const changed = Object.keys(first.weights).filter(
    (k) => first.weights[k] !== second.weights[k],
  );
  console.log(
    `steps ${first.step} → ${second.step}: ${changed.length} of 196 strand weights changed`,
  );
  expect(Object.keys(second.weights)).toHaveLength(196);
  expect(changed.length).toBeGreaterThan(0);
  await expect(page.locator('g.edge[data-kept="true"]')).toHaveCount(16);
  await expect(page.getByTestId('genotype-text')).toContainText('node 3');

  // The page stays responsive while the worker searches: no frame waits long.
  const worstFrameMs = await page.evaluate(
    () =>
      new Promise<number>((resolve) => {
        let last = performance.now();
        let worst = 0;
        const end = last + 3000;
        const tick = (now: number) => {
          worst = Math.max(worst, now - last);
          last = now;
          if (now < end) requestAnimationFrame(tick);
          else resolve(worst);
        };
        requestAnimationFrame(tick);
      }),
  );
  console.log(`longest frame during the run: ${worstFrameMs.toFixed(0)} ms`);
  expect(worstFrameMs).toBeLessThan(250);

  // Pause: the step counter stops.
  await page.getByTestId('pause').click();
  await expect(page.getByTestId('run-state')).toHaveText('Paused');
  const paused = await currentStep(page);
  await page.waitForTimeout(2500);
  expect(await currentStep(page)).toBe(paused);

  // Step: exactly one more step while paused.
  await page.getByTestId('step').click();
  await expect.poll(() => currentStep(page)).toBe(paused + 1);

  // Resume with the keyboard (Space toggles pause), even with the Step button
  // focused: Space must not press it for another step.
  await expect(page.getByTestId('step')).toHaveText('Step');
  await page.getByTestId('step').focus();
  await page.keyboard.press('Space');
  await expect(page.getByTestId('run-state')).toHaveText('Running');
  await expect(page.locator('[data-error-name="NotPaused"]')).toHaveCount(0);
  await expect
    .poll(() => currentStep(page), { timeout: 120_000 })
    .toBeGreaterThan(paused + 1);

  // Download the genotype JSON while the search runs.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('download-genotype').click(),
  ]);
  expect(download.suggestedFilename()).toBe('genotype.json');
  const doc = JSON.parse(await readFile(await download.path(), 'utf8'));
  expect(doc.format).toBe('darts-studio.genotype');
  for (const cell of ['normal', 'reduce'] as const) {
    expect(doc[cell]).toHaveLength(8);
    doc[cell].forEach(([op, input]: [string, number], k: number) => {
      expect(PRIMITIVES.filter((p) => p !== 'none')).toContain(op);
      expect(input).toBeGreaterThanOrEqual(0);
      expect(input).toBeLessThanOrEqual(Math.floor(k / 2) + 1);
    });
  }
  expect(doc.normalConcat).toEqual([2, 3, 4, 5]);

  // A bad file mid-run: the banner names it, the report says why, the search goes on.
  const before = await currentStep(page);
  await page.getByTestId('file-input').setInputFiles({
    name: 'data_batch_2.bin',
    mimeType: 'application/octet-stream',
    buffer: Buffer.from(
      '<!doctype html><html><body><h1>Not Found</h1></body></html>\n',
    ),
  });
  await expect(page.getByTestId('error-banner')).toContainText(
    'data_batch_2.bin',
  );
  const bad = page.locator('li.file-report[data-file="data_batch_2.bin"]');
  await expect(bad).toHaveAttribute('data-ok', 'false');
  await expect(good).toHaveAttribute('data-ok', 'true');
  await expect(page.getByTestId('run-state')).toHaveText('Running');
  await expect
    .poll(() => currentStep(page), { timeout: 120_000 })
    .toBeGreaterThan(before + 1);

  // Hover an edge: its 8 weights show.
  await page
    .locator(
      'svg[data-testid="cell-normal"] g.edge[data-edge="9"] path.edge-hit',
    )
    .hover({ force: true });
  await expect(
    page.locator('svg[data-testid="cell-normal"] g.tooltip'),
  ).toBeVisible();
  await expect(
    page.locator('svg[data-testid="cell-normal"] g.tooltip text.tooltip-value'),
  ).toHaveCount(8);
  await page
    .locator('.cells-panel')
    .screenshot({ path: `${SCREENSHOTS}/cells-hover.png` });
  await page.mouse.move(5, 5);

  await expect
    .poll(() => currentStep(page), { timeout: 120_000 })
    .toBeGreaterThan(before + 3);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: `${SCREENSHOTS}/studio.png`, fullPage: true });
  await page
    .locator('.cells-panel')
    .screenshot({ path: `${SCREENSHOTS}/cells.png` });

  // Stop: the run ends, network settings unlock, the genotype stays downloadable.
  await page.getByTestId('stop').click();
  await expect(page.getByTestId('run-state')).toHaveText('Stopped');
  await expect(page.locator('input[name="channels"]')).toBeEnabled();
  await expect(page.getByTestId('download-genotype')).toBeEnabled();

  expect(pageErrors).toEqual([]);
});

test('the demo data loads and is labelled as demo data', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('button', { name: 'Try the demo data' }).click();

  const train = page.locator('li.file-report[data-file="data_batch_1.bin"]');
  await expect(train).toHaveAttribute('data-ok', 'true');
  await expect(page.getByTestId('data-badge')).toContainText('Demo');
  await expect(page.getByTestId('demo-note')).toBeVisible();
  await expect(page.locator('table.per-class tr')).toHaveCount(10);
  await expect(page.getByTestId('preset')).toHaveValue('Demo');
  await page.screenshot({
    path: `${SCREENSHOTS}/demo-loaded.png`,
    fullPage: true,
  });

  // The Demo preset on the demo set: the first snapshot comes within seconds.
  const started = Date.now();
  await page.getByTestId('start').click();
  await expect
    .poll(() => currentStep(page), { timeout: 180_000 })
    .toBeGreaterThanOrEqual(2);
  console.log(
    `demo: first snapshot after ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  await page.getByTestId('stop').click();
  await expect(page.getByTestId('run-state')).toHaveText('Stopped');
});

test('a broken genotype file is named in the banner, a good one is shown', async ({
  page,
}) => {
  await page.goto('/');
  await page.getByTestId('import-genotype').setInputFiles({
    name: 'broken.json',
    mimeType: 'application/json',
    buffer: Buffer.from('{"normal": [["sep_conv_3x3", 0]'),
  });
  await expect(page.getByTestId('error-banner')).toContainText('broken.json');

  const genotype = {
    normal: [
      ['sep_conv_3x3', 0],
      ['sep_conv_3x3', 1],
      ['sep_conv_3x3', 0],
      ['sep_conv_3x3', 1],
      ['sep_conv_3x3', 1],
      ['skip_connect', 0],
      ['skip_connect', 0],
      ['dil_conv_3x3', 2],
    ],
    normal_concat: [2, 3, 4, 5],
    reduce: [
      ['max_pool_3x3', 0],
      ['max_pool_3x3', 1],
      ['skip_connect', 2],
      ['max_pool_3x3', 1],
      ['max_pool_3x3', 0],
      ['skip_connect', 2],
      ['skip_connect', 2],
      ['max_pool_3x3', 1],
    ],
    reduce_concat: [2, 3, 4, 5],
  };
  await page.getByTestId('import-genotype').setInputFiles({
    name: 'darts_v2.json',
    mimeType: 'application/json',
    buffer: Buffer.from(JSON.stringify(genotype)),
  });
  await expect(page.getByTestId('genotype-text')).toContainText('dil_conv_3x3');
  await expect(
    page.locator('svg[data-testid="cell-normal"] g.edge[data-kept="true"]'),
  ).toHaveCount(8);

  // Dismissing the banner line removes it.
  await page.getByRole('button', { name: /^Dismiss: broken\.json/ }).click();
  await expect(page.getByTestId('error-banner')).toHaveCount(0);
});
