import { readFile } from 'node:fs/promises';
import { expect, test, type Download, type Page } from '@playwright/test';
import { DARTS_V2 } from '../src/core/namedGenotypes';
import { SCREENSHOTS } from './helpers';

/** A bare genotype file, as researchers write them by hand. */
const GENOTYPE_JSON = JSON.stringify({
  normal: DARTS_V2.normal,
  normal_concat: DARTS_V2.normalConcat,
  reduce: DARTS_V2.reduce,
  reduce_concat: DARTS_V2.reduceConcat,
});

/** Small enough to train two epochs on two CPU cores in about a minute. */
const TINY: Record<string, string> = {
  channels: '8',
  layers: '3',
  batchSize: '32',
  epochs: '3',
  lr: '0.05',
  maxImages: '640',
  maxTestImages: '200',
  snapshotEvery: '2',
};

async function openRetrainWithDemo(page: Page): Promise<void> {
  await page.goto('/');
  await expect(page.getByTestId('backend-badge')).not.toHaveAttribute(
    'data-backend',
    '',
  );
  await page.getByRole('button', { name: 'Try the demo data' }).click();
  await expect(page.getByTestId('data-badge')).toContainText('train');
  await page.getByRole('tab', { name: 'Retrain' }).click();
  await expect(page.getByRole('tab', { name: 'Retrain' })).toHaveAttribute(
    'aria-selected',
    'true',
  );
}

async function setRetrainField(page: Page, key: string, value: string) {
  const input = page.locator(`input[name="retrain-${key}"]`);
  await input.fill(value);
  await expect(input).toHaveValue(value);
}

async function downloads(page: Page, testId: string, count: number) {
  const seen: Download[] = [];
  const all = new Promise<Download[]>((resolve) => {
    const take = (d: Download) => {
      seen.push(d);
      if (seen.length < count) return;
      page.off('download', take);
      resolve(seen);
    };
    page.on('download', take);
  });
  await page.getByTestId(testId).click();
  return all;
}

async function text(d: Download): Promise<string> {
  return readFile(await d.path(), 'utf8');
}

/** One demo test image as a PNG, drawn on a canvas in the page. */
async function demoImagePng(page: Page): Promise<Buffer> {
  const batch = await readFile('public/demo/test_batch.bin');
  const planes = Array.from(batch.subarray(1, 3073));
  const dataUrl = await page.evaluate((bytes) => {
    const canvas = document.createElement('canvas');
    canvas.width = 32;
    canvas.height = 32;
    const context = canvas.getContext('2d')!;
    const image = context.createImageData(32, 32);
    for (let i = 0; i < 1024; i++) {
      image.data[4 * i] = bytes[i];
      image.data[4 * i + 1] = bytes[1024 + i];
      image.data[4 * i + 2] = bytes[2048 + i];
      image.data[4 * i + 3] = 255;
    }
    context.putImageData(image, 0, 0);
    return canvas.toDataURL('image/png');
  }, planes);
  return Buffer.from(dataUrl.split(',')[1], 'base64');
}

test('a genotype file retrains on the demo data, exports, loads back and classifies', async ({
  page,
}) => {
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await openRetrainWithDemo(page);

  await page.getByTestId('retrain-import').setInputFiles({
    name: 'darts-v2.json',
    mimeType: 'application/json',
    buffer: Buffer.from(GENOTYPE_JSON),
  });
  await expect(page.getByTestId('source-imported')).toBeChecked();
  await expect(page.getByTestId('retrain-genotype-name')).toContainText(
    'darts-v2.json',
  );
  await expect(
    page.locator('[data-testid="retrain-cell-normal"] svg'),
  ).toHaveAttribute('data-cell', 'normal');

  for (const [key, value] of Object.entries(TINY)) {
    await setRetrainField(page, key, value);
  }
  await expect(page.getByTestId('retrain-preset')).toHaveValue('Custom');

  const started = Date.now();
  await page.getByTestId('retrain-start').click();
  await expect(page.getByTestId('retrain-params')).toContainText('parameters');
  await expect(page.getByTestId('retrain-params')).toContainText(
    'without the auxiliary head',
  );
  await expect(page.getByTestId('retrain-params')).not.toContainText('MB');
  await expect(page.getByTestId('retrain-state')).toHaveText(/Training|Done/);
  // A few snapshots in, so the curves have a line to show.
  await expect
    .poll(
      async () =>
        Number(
          await page
            .getByTestId('retrain-step-count')
            .getAttribute('data-step', { timeout: 1000 })
            .catch(() => 0),
        ),
      { timeout: 120_000 },
    )
    .toBeGreaterThanOrEqual(8);
  await page.screenshot({
    path: `${SCREENSHOTS}/retrain-running.png`,
    fullPage: true,
  });

  await expect(page.getByTestId('retrain-state')).toHaveText('Done', {
    timeout: 280_000,
  });
  const accuracy = Number(
    await page.getByTestId('retrain-accuracy').getAttribute('data-accuracy'),
  );
  console.log(
    `retrain: ${((Date.now() - started) / 1000).toFixed(0)} s, ` +
      `test accuracy ${(100 * accuracy).toFixed(1)}% — ` +
      (await page.getByTestId('retrain-params').textContent()),
  );
  expect(accuracy).toBeGreaterThan(0.25);
  await expect(
    page.locator('[data-testid="per-class-accuracy"] tbody tr'),
  ).toHaveCount(10);
  await expect(
    page.locator('[data-testid="confusion-matrix"] tbody td'),
  ).toHaveCount(100);
  await expect(page.getByTestId('per-class-accuracy')).toContainText('Trouser');
  const run = page.locator('[data-testid="retrain-runs"] tbody tr');
  await expect(run).toHaveCount(1);
  await expect(run).toContainText('darts-v2.json');
  await expect(run).toContainText('3 / 3');
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({
    path: `${SCREENSHOTS}/retrain-done.png`,
    fullPage: true,
  });
  await page
    .locator('.retrain-results')
    .screenshot({ path: `${SCREENSHOTS}/retrain-results.png` });

  // The exports: model files, Python, SVG and DOT of both cells.
  const [modelJson, weightsBin] = await downloads(page, 'download-model', 2);
  expect(modelJson.suggestedFilename()).toBe('model.json');
  expect(weightsBin.suggestedFilename()).toBe('weights.bin');
  const model = JSON.parse(await text(modelJson));
  expect(model.weightsManifest[0].paths).toEqual(['weights.bin']);
  const weights = await readFile(await weightsBin.path());
  expect(weights.byteLength).toBeGreaterThan(1000);

  const [python] = await downloads(page, 'download-python', 1);
  expect(await text(python)).toMatch(/^Genotype\(normal=\[\('sep_conv_3x3'/);
  const svgs = await downloads(page, 'download-svg', 2);
  const dots = await downloads(page, 'download-dot', 2);
  expect(svgs.map((d) => d.suggestedFilename()).sort()).toEqual([
    'cell-normal.svg',
    'cell-reduce.svg',
  ]);
  for (const d of svgs) expect(await text(d)).toMatch(/^<svg/);
  for (const d of dots) expect(await text(d)).toContain('digraph');

  // Load the downloaded model back and classify a demo test image with it.
  await page.getByTestId('classify-input').setInputFiles([
    {
      name: 'weights.bin',
      mimeType: 'application/octet-stream',
      buffer: weights,
    },
    {
      name: 'model.json',
      mimeType: 'application/json',
      buffer: Buffer.from(await text(modelJson)),
    },
  ]);
  await expect(page.getByTestId('classify-model')).toContainText('model.json');
  await expect(page.getByTestId('classify-model')).toContainText('parameters');
  await page.getByTestId('classify-input').setInputFiles({
    name: 't-shirt.png',
    mimeType: 'image/png',
    buffer: await demoImagePng(page),
  });
  await expect(page.locator('[data-testid="top-classes"] li')).toHaveCount(5);
  const shares = await page
    .locator('[data-testid="top-classes"] .prob')
    .allTextContents();
  const total = shares.reduce((sum, s) => sum + parseFloat(s), 0);
  expect(total).toBeGreaterThan(0);
  expect(total).toBeLessThanOrEqual(100.5);
  await page
    .locator('.retrain-classify')
    .screenshot({ path: `${SCREENSHOTS}/retrain-classify.png` });

  await expect(page.getByTestId('error-banner')).toHaveCount(0);
  expect(pageErrors).toEqual([]);
});

test('a malformed genotype file gets a banner naming the file', async ({
  page,
}) => {
  await openRetrainWithDemo(page);

  await page.getByTestId('retrain-import').setInputFiles({
    name: 'half-a-genotype.json',
    mimeType: 'application/json',
    buffer: Buffer.from('{"normal": [["sep_conv_3x3", 0]], "reduce": '),
  });

  await expect(page.getByTestId('error-banner')).toContainText(
    'half-a-genotype.json',
  );
  await expect(page.getByTestId('source-imported')).not.toBeChecked();
  await page.screenshot({
    path: `${SCREENSHOTS}/retrain-bad-genotype.png`,
  });
});

test('the Retrain view opens before any data is loaded and says what to do', async ({
  page,
}) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/');
  await page.getByRole('tab', { name: 'Retrain' }).click();
  await expect(
    page.getByText('Load data to retrain: drop CIFAR-10 files'),
  ).toBeVisible();
  // A recurrent genotype imported here is named as one.
  await page.getByTestId('retrain-import').setInputFiles({
    name: 'rnn-cell.json',
    mimeType: 'application/json',
    buffer: Buffer.from(
      JSON.stringify({ recurrent: [['tanh', 0]], concat: [1] }),
    ),
  });
  await expect(page.getByTestId('error-banner')).toContainText(
    'rnn-cell.json: this is a recurrent (Penn Treebank) genotype',
  );
  expect(errors).toEqual([]);
});
