import { readFile } from 'node:fs/promises';
import { expect, test, type Page } from '@playwright/test';
import { parseRnnGenotypeJson } from '../src/core/rnnGenotypeJson';
import { RNN_PRIMITIVES } from '../src/core/rnnSpace';
import { SCREENSHOTS, setField } from './helpers';

/**
 * A small PTB-format corpus: lowercase sentences from a tiny grammar, one
 * per line. The first training line holds every word, so the validation
 * and test files never use a word the training file lacks.
 */
function ptbText(lines: number, seed: number, withAllWords = false): string {
  const subjects = ['the cat', 'a dog', 'the man', 'my friend', 'the bank'];
  const verbs = ['sees', 'likes', 'buys', 'sells', 'finds', 'wants'];
  const objects = ['the house', 'a car', 'N shares', 'the news', 'a book'];
  const tails = ['today', 'in the city', 'for N years', 'again', '<unk>'];
  let state = seed;
  const pick = <T>(list: T[]) => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return list[state % list.length];
  };
  const out: string[] = [];
  if (withAllWords) {
    out.push([...subjects, ...verbs, ...objects, ...tails].join(' '));
  }
  for (let i = 0; i < lines; i++) {
    out.push(
      `${pick(subjects)} ${pick(verbs)} ${pick(objects)} ${pick(tails)}`,
    );
  }
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

/** The recurrent search made tiny, so it runs in seconds on two cores. */
async function useTinyRnnSearch(page: Page, epochs: number): Promise<void> {
  await page.getByTestId('rnn-preset').selectOption('Demo');
  await setField(page, 'rnn-hidden', '16');
  await setField(page, 'rnn-batchSize', '8');
  await setField(page, 'rnn-bptt', '10');
  await setField(page, 'rnn-evalBatchSize', '10');
  await setField(page, 'rnn-maxTokens', '0');
  await setField(page, 'rnn-epochs', String(epochs));
  await setField(page, 'rnn-snapshotEvery', '1');
}

async function rnnStep(page: Page): Promise<number> {
  const step = page.getByTestId('rnn-step-count');
  if ((await step.count()) === 0) return 0;
  return Number((await step.getAttribute('data-step')) ?? 0);
}

/** Every strand's weight in the search cell, keyed "edge/op", and the step shown. */
async function readStrands(
  page: Page,
): Promise<{ step: number; weights: Record<string, string> }> {
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
    const step = Number(
      document
        .querySelector('[data-testid="rnn-step-count"]')
        ?.getAttribute('data-step') ?? 0,
    );
    return { step, weights };
  });
}

/** Opens the studio and drops the generated corpus; the page turns recurrent. */
async function dropCorpus(page: Page): Promise<void> {
  await page.goto('/');
  await expect(page.getByTestId('backend-badge')).not.toHaveAttribute(
    'data-backend',
    '',
  );
  await expect(page.getByTestId('space-cnn')).toHaveAttribute(
    'aria-pressed',
    'true',
  );
  await page.getByTestId('file-input').setInputFiles(PTB_FILES);
  await expect(page.getByTestId('space-rnn')).toHaveAttribute(
    'aria-pressed',
    'true',
  );
  for (const { name } of PTB_FILES) {
    await expect(
      page.locator(`li.file-report[data-file="${name}"]`),
    ).toHaveAttribute('data-ok', 'true');
  }
  await expect(page.getByTestId('ptb-vocabulary')).toHaveText(/^\d+$/);
}

test('a recurrent search runs end to end: drop PTB, watch the cell, pause, download, retrain', async ({
  page,
}) => {
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await dropCorpus(page);
  await expect(
    page.locator('li.file-report[data-file="ptb.train.txt"]'),
  ).toContainText('train ·');

  // Every candidate edge is drawn before the run: 36 edges x 4 strands.
  await expect(
    page.locator('svg[data-testid="cell-recurrent"] path.strand'),
  ).toHaveCount(36 * 4);

  await useTinyRnnSearch(page, 2);
  await expect(page.getByTestId('rnn-preset')).toHaveValue('Custom');
  await page.getByTestId('rnn-start').click();
  await expect(page.getByTestId('rnn-run-state')).toHaveText('Running');
  await expect(page.locator('input[name="rnn-hidden"]')).toBeDisabled();

  // Two snapshots, and the strand weights differ between them.
  await expect
    .poll(() => rnnStep(page), { timeout: 120_000 })
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
    `steps ${first.step} → ${second.step}: ${changed.length} of 144 strand weights changed`,
  );
  expect(Object.keys(second.weights)).toHaveLength(144);
  expect(changed.length).toBeGreaterThan(0);
  await expect(
    page.locator('svg[data-testid="cell-recurrent"] g.edge[data-kept="true"]'),
  ).toHaveCount(8);
  await expect(page.getByTestId('rnn-genotype-python')).toContainText(
    'Genotype(recurrent=[',
  );

  // Pause: the step stops; Step runs exactly one; Resume goes on.
  await page.getByTestId('rnn-pause').click();
  await expect(page.getByTestId('rnn-run-state')).toHaveText('Paused');
  const paused = await rnnStep(page);
  await page.waitForTimeout(2000);
  expect(await rnnStep(page)).toBe(paused);
  await page.getByTestId('rnn-step').click();
  await expect.poll(() => rnnStep(page)).toBe(paused + 1);
  // Space resumes here as in the CNN search, even with Step focused.
  await page.keyboard.press('Space');
  await expect(page.getByTestId('rnn-run-state')).toHaveText(/Running|Done/);

  // The validation perplexity appears after the first epoch.
  await expect(page.getByTestId('rnn-valid-ppl')).toHaveText(/^[\d,.]+$/, {
    timeout: 120_000,
  });
  const validPpl = Number(
    (await page.getByTestId('rnn-valid-ppl').textContent())!.replace(/,/g, ''),
  );
  console.log(`validation perplexity after epoch 1: ${validPpl}`);
  expect(validPpl).toBeGreaterThan(1);
  // The perplexity charts, on their log axes, for a look.
  await page
    .locator('.rnn-charts')
    .screenshot({ path: `${SCREENSHOTS}/rnn-charts.png` });

  // Download the genotype JSON; it reads back as a recurrent genotype.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('rnn-download-genotype').click(),
  ]);
  expect(download.suggestedFilename()).toBe('rnn-genotype.json');
  const text = await readFile(await download.path(), 'utf8');
  const parsed = parseRnnGenotypeJson(text, 'rnn-genotype.json');
  expect(parsed.genotype.recurrent).toHaveLength(8);
  parsed.genotype.recurrent.forEach(([op, pred], k) => {
    expect(RNN_PRIMITIVES.filter((p) => p !== 'none')).toContain(op);
    expect(pred).toBeGreaterThanOrEqual(0);
    expect(pred).toBeLessThanOrEqual(k);
  });
  expect(parsed.run?.dataset.trainTokens).toBeGreaterThan(0);

  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({
    path: `${SCREENSHOTS}/rnn-studio.png`,
    fullPage: true,
  });
  await page
    .locator('.rnn-cell-panel')
    .screenshot({ path: `${SCREENSHOTS}/rnn-cell.png` });

  // Stop if still running; the derived genotype stays for the retrain.
  if ((await page.getByTestId('rnn-run-state').textContent()) !== 'Done') {
    await page.getByTestId('rnn-stop').click();
  }
  await expect(page.getByTestId('rnn-run-state')).toHaveText(/Stopped|Done/);
  await expect(page.locator('input[name="rnn-hidden"]')).toBeEnabled();

  // Retrain the derived genotype, tiny, to a finite test perplexity.
  await page.getByTestId('tab-retrain').click();
  await expect(page.getByTestId('rnn-source-derived')).toBeChecked();
  await page.getByTestId('rnn-retrain-preset').selectOption('Demo');
  await setField(page, 'rnn-retrain-hidden', '16');
  await setField(page, 'rnn-retrain-batchSize', '8');
  await setField(page, 'rnn-retrain-bptt', '10');
  await setField(page, 'rnn-retrain-epochs', '1');
  await setField(page, 'rnn-retrain-maxTokens', '0');
  await setField(page, 'rnn-retrain-evalBatchSize', '10');
  await setField(page, 'rnn-retrain-testBatchSize', '10');
  await setField(page, 'rnn-retrain-snapshotEvery', '2');
  await expect(
    page.locator(
      'svg[data-testid="rnn-retrain-cell-svg"] g.edge[data-kept="true"]',
    ),
  ).toHaveCount(8);
  await page.getByTestId('rnn-retrain-start').click();
  await expect(page.getByTestId('rnn-retrain-run-state')).toHaveText(
    /Running|Done/,
  );
  await expect(page.getByTestId('rnn-test-ppl')).toHaveAttribute(
    'data-value',
    /^\d/,
    { timeout: 180_000 },
  );
  const testPpl = Number(
    await page.getByTestId('rnn-test-ppl').getAttribute('data-value'),
  );
  console.log(`retrain test perplexity: ${testPpl.toFixed(2)}`);
  expect(Number.isFinite(testPpl)).toBe(true);
  expect(testPpl).toBeGreaterThan(1);
  await expect(page.getByTestId('rnn-retrain-run-state')).toHaveText('Done');
  await expect(page.getByTestId('rnn-best-valid-ppl')).toHaveText(/^[\d,.]+$/);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({
    path: `${SCREENSHOTS}/rnn-retrain.png`,
    fullPage: true,
  });

  await expect(page.getByTestId('error-banner')).toHaveCount(0);
  expect(pageErrors).toEqual([]);
});

test('a web page saved as ptb.valid.txt mid-search is named in the banner and the search goes on', async ({
  page,
}) => {
  await dropCorpus(page);
  await useTinyRnnSearch(page, 50);
  await page.getByTestId('rnn-start').click();
  await expect
    .poll(() => rnnStep(page), { timeout: 120_000 })
    .toBeGreaterThanOrEqual(1);

  const before = await rnnStep(page);
  await page.getByTestId('file-input').setInputFiles({
    name: 'ptb.valid.txt',
    mimeType: 'text/plain',
    buffer: Buffer.from(
      '<!doctype html><html><body><h1>Not Found</h1></body></html>\n',
    ),
  });
  await expect(page.getByTestId('error-banner')).toContainText('ptb.valid.txt');
  await expect(
    page.locator('li.file-report[data-file="ptb.valid.txt"]'),
  ).toHaveAttribute('data-ok', 'false');
  await expect(page.getByTestId('ptb-vocabulary')).toHaveText(/^\d+$/);
  await expect(page.getByTestId('rnn-run-state')).toHaveText('Running');
  await expect
    .poll(() => rnnStep(page), { timeout: 120_000 })
    .toBeGreaterThan(before + 1);
  await page.screenshot({ path: `${SCREENSHOTS}/rnn-bad-file.png` });

  await page.getByTestId('rnn-stop').click();
  await expect(page.getByTestId('rnn-run-state')).toHaveText('Stopped');

  // A good ptb.valid.txt afterwards takes the stale line off the banner.
  await page.getByTestId('file-input').setInputFiles({
    name: 'ptb.valid.txt',
    mimeType: 'text/plain',
    buffer: Buffer.from(ptbText(60, 2)),
  });
  await expect(
    page.locator('li.file-report[data-file="ptb.valid.txt"]'),
  ).toHaveAttribute('data-ok', 'true');
  await expect(page.getByTestId('error-banner')).toHaveCount(0);
});

test('the space switch shows the recurrent side, and the demo corpus loads', async ({
  page,
}) => {
  await page.goto('/');
  await page.getByTestId('space-rnn').click();
  await expect(page.getByText('Drop Penn Treebank here')).toBeVisible();
  await expect(page.getByTestId('rnn-preset')).toHaveValue('Demo');
  await page.getByRole('button', { name: 'Try the demo corpus' }).click();
  await expect(
    page.locator('li.file-report[data-file="ptb.train.txt"]'),
  ).toHaveAttribute('data-ok', 'true');
  await expect(page.getByTestId('ptb-counts')).toContainText('Demo corpus');
  await expect(page.getByTestId('data-badge')).toContainText(
    /Demo corpus.* · [\d,]+ words · [\d,]+ train tokens/,
  );
  await expect(page.getByTestId('rnn-start')).toBeEnabled();
  await page.screenshot({ path: `${SCREENSHOTS}/rnn-demo-corpus.png` });

  // Back to CIFAR-10: its drop zone and settings, untouched.
  await page.getByTestId('space-cnn').click();
  await expect(page.getByText('Drop CIFAR-10 here')).toBeVisible();
  await expect(page.getByTestId('preset')).toBeVisible();
  await expect(page.getByTestId('data-badge')).toHaveText('No data loaded');
});

test('the recurrent cell harness draws the late cell with its 8 kept edges', async ({
  page,
}) => {
  await page.goto('http://127.0.0.1:4174/rnn-cell.html');
  await expect(page.locator('#status')).toHaveText('ready');
  await expect(
    page.locator('[data-testid=rnn-late] g.edge[data-kept=true]'),
  ).toHaveCount(8);
  await page.screenshot({
    path: `${SCREENSHOTS}/rnn-cell-harness.png`,
    fullPage: true,
  });
});
