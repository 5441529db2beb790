import { expect, test, type Page } from '@playwright/test';
import { SCREENSHOTS, setField } from './helpers';

/**
 * A reload keeps the runs beside the search too: a retrain and a recurrent
 * search come back paused at the step they were paused at, with their
 * charts, and Resume continues them.
 */

/** Ready once the backend badge names a backend (the restore follows it). */
async function open(page: Page, reload = false): Promise<void> {
  if (reload) await page.reload();
  else await page.goto('/');
  await expect(page.getByTestId('backend-badge')).not.toHaveAttribute(
    'data-backend',
    '',
  );
}

async function stepOf(page: Page, testId: string): Promise<number> {
  const step = page.getByTestId(testId);
  if ((await step.count()) === 0) return 0;
  return Number((await step.getAttribute('data-step')) ?? 0);
}

/** The `d` of every chart line under `selector`: equal lines, equal histories. */
async function chartLines(page: Page, selector: string): Promise<string[]> {
  return page
    .locator(`${selector} path.series-line`)
    .evaluateAll((paths) => paths.map((p) => p.getAttribute('d') ?? ''));
}

test('a retrain survives a reload: paused at its step with its charts, and Resume goes on', async ({
  page,
}) => {
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await open(page);
  await page.getByRole('button', { name: 'Try the demo data' }).click();
  await expect(page.getByTestId('data-badge')).toContainText('train');
  await page.getByRole('tab', { name: 'Retrain' }).click();

  await page.getByTestId('retrain-named').selectOption('DARTS_V2');
  await expect(page.getByTestId('source-named')).toBeChecked();
  const tiny: Record<string, string> = {
    channels: '4',
    layers: '3',
    batchSize: '16',
    epochs: '3',
    maxImages: '320',
    maxTestImages: '100',
    snapshotEvery: '1',
  };
  for (const [key, value] of Object.entries(tiny)) {
    await setField(page, `retrain-${key}`, value);
  }
  await page.getByTestId('retrain-start').click();
  await expect(page.getByTestId('retrain-state')).toHaveText('Training');
  await expect
    .poll(() => stepOf(page, 'retrain-step-count'), { timeout: 120_000 })
    .toBeGreaterThanOrEqual(3);

  // Paused is announced once the save has landed: a reload may follow at once.
  await page.getByTestId('retrain-pause').click();
  await expect(page.getByTestId('retrain-state')).toHaveText('Paused');
  const paused = await stepOf(page, 'retrain-step-count');
  const params = await page.getByTestId('retrain-params').textContent();
  const lines = await chartLines(page, '.retrain-charts');
  expect(lines.some((d) => d.length > 0)).toBe(true);

  await open(page, true);
  // Only the retrain was saved: the data comes back with it.
  await expect(page.getByTestId('data-badge')).toContainText('train');
  await page.getByRole('tab', { name: 'Retrain' }).click();
  await expect(page.getByTestId('retrain-state')).toHaveText('Paused');
  expect(await stepOf(page, 'retrain-step-count')).toBe(paused);
  await expect(page.getByTestId('retrain-params')).toHaveText(params!);
  expect(await chartLines(page, '.retrain-charts')).toEqual(lines);
  await expect(page.getByTestId('retrain-genotype-name')).toContainText(
    'DARTS_V2',
  );
  await expect(
    page.locator('[data-testid="retrain-runs"] tbody tr'),
  ).toContainText('DARTS_V2');
  await expect(page.locator('input[name="retrain-channels"]')).toHaveValue('4');
  await expect(page.getByText('A retrain is live')).toBeVisible();
  await page.screenshot({
    path: `${SCREENSHOTS}/retrain-restored.png`,
    fullPage: true,
  });

  await expect(page.getByTestId('retrain-pause')).toHaveText('Resume');
  await page.getByTestId('retrain-pause').click();
  await expect(page.getByTestId('retrain-state')).toHaveText(/Training|Done/);
  await expect
    .poll(() => stepOf(page, 'retrain-step-count'), { timeout: 120_000 })
    .toBeGreaterThan(paused + 1);
  await page.getByTestId('retrain-stop').click();
  await expect(page.getByTestId('retrain-state')).toHaveText(/Stopped|Done/);

  await expect(page.getByTestId('error-banner')).toHaveCount(0);
  expect(pageErrors).toEqual([]);
});

/** A small PTB-format corpus from a tiny grammar; the first line has every word. */
function ptbText(lines: number, seed: number, withAllWords = false): string {
  const words = [
    ['the cat', 'a dog', 'the man', 'my friend'],
    ['sees', 'likes', 'buys', 'sells'],
    ['the house', 'a car', 'N shares', 'the news'],
    ['today', 'again', '<unk>'],
  ];
  let state = seed;
  const pick = (list: string[]) => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return list[state % list.length];
  };
  const out = withAllWords ? [words.flat().join(' ')] : [];
  for (let i = 0; i < lines; i++) out.push(words.map(pick).join(' '));
  // Mikolov's files start every line with a space.
  return out.map((line) => ` ${line} `).join('\n') + '\n';
}

const PTB_FILES = [
  { name: 'ptb.train.txt', text: ptbText(300, 1, true) },
  { name: 'ptb.valid.txt', text: ptbText(60, 2) },
  { name: 'ptb.test.txt', text: ptbText(60, 3) },
].map(({ name, text }) => ({
  name,
  mimeType: 'text/plain',
  buffer: Buffer.from(text),
}));

/** Every strand's weight in the recurrent search cell, keyed "edge/op". */
async function strands(page: Page): Promise<Record<string, string>> {
  return page.evaluate(() => {
    const weights: Record<string, string> = {};
    document
      .querySelectorAll<SVGPathElement>(
        'svg[data-testid="cell-recurrent"] path.strand',
      )
      .forEach((p) => {
        weights[`${p.dataset.edge}/${p.dataset.op}`] =
          p.getAttribute('data-weight') ?? '';
      });
    return weights;
  });
}

test('a recurrent search survives a reload: paused at its step with its cell and charts, and Resume goes on', async ({
  page,
}) => {
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await open(page);
  await page.getByTestId('file-input').setInputFiles(PTB_FILES);
  await expect(page.getByTestId('space-rnn')).toHaveAttribute(
    'aria-pressed',
    'true',
  );
  await expect(page.getByTestId('ptb-vocabulary')).toHaveText(/^\d+$/);
  const vocabulary = await page.getByTestId('ptb-vocabulary').textContent();

  await page.getByTestId('rnn-preset').selectOption('Demo');
  for (const [key, value] of [
    ['hidden', '16'],
    ['batchSize', '8'],
    ['bptt', '10'],
    ['evalBatchSize', '10'],
    ['maxTokens', '0'],
    ['epochs', '50'],
    ['snapshotEvery', '1'],
    ['seed', '5'],
  ]) {
    await setField(page, `rnn-${key}`, value);
  }
  await page.getByTestId('rnn-start').click();
  await expect(page.getByTestId('rnn-run-state')).toHaveText('Running');
  await expect
    .poll(() => stepOf(page, 'rnn-step-count'), { timeout: 120_000 })
    .toBeGreaterThanOrEqual(3);

  await page.getByTestId('rnn-pause').click();
  await expect(page.getByTestId('rnn-run-state')).toHaveText('Paused');
  const paused = await stepOf(page, 'rnn-step-count');
  const points = await page.locator('.rnn-charts').getAttribute('data-points');
  const lines = await chartLines(page, '.rnn-charts');
  const weights = await strands(page);
  expect(Object.keys(weights)).toHaveLength(144);

  // The recurrent run was saved last: the page opens on its space.
  await open(page, true);
  await expect(page.getByTestId('space-rnn')).toHaveAttribute(
    'aria-pressed',
    'true',
  );
  await expect(page.getByTestId('rnn-run-state')).toHaveText('Paused');
  expect(await stepOf(page, 'rnn-step-count')).toBe(paused);
  await expect(page.locator('.rnn-charts')).toHaveAttribute(
    'data-points',
    points!,
  );
  expect(await chartLines(page, '.rnn-charts')).toEqual(lines);
  expect(await strands(page)).toEqual(weights);
  await expect(page.getByTestId('ptb-vocabulary')).toHaveText(vocabulary!);
  await expect(
    page.locator('li.file-report[data-file="ptb.train.txt"]'),
  ).toHaveAttribute('data-ok', 'true');
  await expect(page.locator('input[name="rnn-hidden"]')).toHaveValue('16');
  await expect(page.locator('input[name="rnn-hidden"]')).toBeDisabled();
  await page.screenshot({
    path: `${SCREENSHOTS}/rnn-restored.png`,
    fullPage: true,
  });

  await expect(page.getByTestId('rnn-pause')).toHaveText('Resume');
  await page.getByTestId('rnn-pause').click();
  await expect(page.getByTestId('rnn-run-state')).toHaveText('Running');
  await expect
    .poll(() => stepOf(page, 'rnn-step-count'), { timeout: 120_000 })
    .toBeGreaterThan(paused + 1);
  await page.getByTestId('rnn-stop').click();
  await expect(page.getByTestId('rnn-run-state')).toHaveText('Stopped');

  await expect(page.getByTestId('error-banner')).toHaveCount(0);
  expect(pageErrors).toEqual([]);
});
