import { readFile } from 'node:fs/promises';
import { expect, test, type Page } from '@playwright/test';
import {
  cifarBatch,
  currentStep,
  SCREENSHOTS,
  setField,
  useTinySearch,
} from './helpers';

async function savedStep(page: Page): Promise<number> {
  const note = page.getByTestId('saved');
  if ((await note.count()) === 0) return 0;
  return Number((await note.getAttribute('data-step')) ?? 0);
}

async function historyLength(page: Page): Promise<number> {
  const points = await page.locator('.charts').getAttribute('data-points');
  return Number(points ?? 0);
}

test('a reload does not lose a run: it comes back paused and resumes where it was saved', async ({
  page,
}) => {
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto('/');
  await expect(page.getByTestId('backend-badge')).not.toHaveAttribute(
    'data-backend',
    '',
  );

  await page.getByTestId('file-input').setInputFiles({
    name: 'data_batch_1.bin',
    mimeType: 'application/octet-stream',
    buffer: cifarBatch(64),
  });
  await expect(page.getByTestId('data-badge')).toContainText('64 train');

  await useTinySearch(page);
  await setField(page, 'seed', '7');
  await page.getByTestId('start').click();
  await expect(page.getByTestId('run-state')).toHaveText('Running');

  // At least three snapshots, and a save that holds them (saves come at the
  // first snapshot, then every 20 s).
  await expect
    .poll(() => currentStep(page), { timeout: 120_000 })
    .toBeGreaterThanOrEqual(3);
  await expect
    .poll(() => savedStep(page), { timeout: 120_000 })
    .toBeGreaterThanOrEqual(3);
  const saved = await savedStep(page);
  const total = await page
    .getByRole('progressbar', { name: 'Search progress' })
    .getAttribute('aria-valuemax');

  // Reload mid-run, as a crash or a closed tab would.
  await page.reload();
  await expect(page.getByTestId('run-state')).toHaveText('Paused');
  // Hiding the page asks for one more save, which may land before it unloads.
  const restored = await currentStep(page);
  expect(restored).toBeGreaterThanOrEqual(saved);
  await expect(page.getByTestId('restored')).toContainText(
    `Restored the search saved at step ${restored} of ${total}`,
  );
  await expect(page.getByTestId('restored')).toContainText(
    'Resume to continue, or Start for a new run.',
  );
  // snapshotEvery 1: one snapshot per step, all of them back.
  expect(await historyLength(page)).toBe(restored);
  await expect(page.getByTestId('data-badge')).toContainText('64 train');
  await expect(
    page.locator('li.file-report[data-file="data_batch_1.bin"]'),
  ).toHaveAttribute('data-ok', 'true');
  for (const [name, value] of [
    ['channels', '2'],
    ['layers', '3'],
    ['batchSize', '4'],
    ['epochs', '50'],
    ['seed', '7'],
  ]) {
    await expect(page.locator(`input[name="${name}"]`)).toHaveValue(value);
  }
  await expect(page.locator('input[name="channels"]')).toBeDisabled();
  await expect(page.locator('g.edge[data-kept="true"]')).toHaveCount(16);
  await expect(page.getByTestId('genotype-text')).toContainText('node 3');
  await expect(page.getByTestId('start')).toBeEnabled();
  await expect(page.getByTestId('pause')).toHaveText('Resume');

  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({
    path: `${SCREENSHOTS}/restored.png`,
    fullPage: true,
  });
  await page
    .locator('.controls')
    .screenshot({ path: `${SCREENSHOTS}/restored-controls.png` });

  // Resume: the step counter moves on from the saved step, the history grows.
  await page.getByTestId('pause').click();
  await expect(page.getByTestId('run-state')).toHaveText('Running');
  await expect(page.getByTestId('restored')).toHaveCount(0);
  await expect
    .poll(() => currentStep(page), { timeout: 120_000 })
    .toBeGreaterThan(restored + 1);
  expect(await historyLength(page)).toBeGreaterThan(restored);

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('download-genotype').click(),
  ]);
  const doc = JSON.parse(await readFile(await download.path(), 'utf8'));
  expect(doc.format).toBe('darts-studio.genotype');
  expect(doc.normal).toHaveLength(8);

  // Pause always saves: the next reload comes back at exactly that step.
  await page.getByTestId('pause').click();
  await expect(page.getByTestId('run-state')).toHaveText('Paused');
  const paused = await currentStep(page);
  await expect.poll(() => savedStep(page)).toBe(paused);
  await page.reload();
  await expect(page.getByTestId('restored')).toContainText(
    `saved at step ${paused} of`,
  );
  expect(await currentStep(page)).toBe(paused);

  // Discard: the page is empty again, and stays so after another reload.
  await page.getByTestId('discard-saved').click();
  await expect(page.getByTestId('run-state')).toHaveText('Ready');
  await expect(page.getByTestId('restored')).toHaveCount(0);
  await page.reload();
  await expect(page.getByTestId('backend-badge')).not.toHaveAttribute(
    'data-backend',
    '',
  );
  await expect(page.getByTestId('controls-empty')).toContainText(
    'Load data to start',
  );
  await expect(page.getByTestId('run-state')).toHaveText('Ready');
  await expect(page.getByTestId('data-badge')).toContainText('No data');
  await expect(page.getByTestId('restored')).toHaveCount(0);

  expect(pageErrors).toEqual([]);
});
