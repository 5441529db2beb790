import { gzipSync } from 'node:zlib';
import { expect, test, type Page } from '@playwright/test';
import { SCREENSHOTS } from './helpers';

const RECORD_BYTES = 3073;

/** A CIFAR-10 format batch of `count` images, label i % 10, noisy pixels (so gzip keeps its size). */
function cifarBatch(count: number, seed = 1): Buffer {
  const bytes = Buffer.alloc(count * RECORD_BYTES);
  let x = seed;
  for (let i = 0; i < bytes.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    bytes[i] = x >>> 24;
  }
  for (let r = 0; r < count; r++) bytes[r * RECORD_BYTES] = r % 10;
  return bytes;
}

/** One ustar entry: header with checksum, then the body padded to 512 bytes. */
function tarEntry(name: string, body: Buffer): Buffer {
  const out = Buffer.alloc(512 + Math.ceil(body.length / 512) * 512);
  out.write(name, 0);
  out.write(body.length.toString(8).padStart(11, '0'), 124);
  out.write('0', 156);
  out.write('ustar\u000000', 257);
  out.write('        ', 148);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += out[i];
  out.write(sum.toString(8).padStart(6, '0') + '\0', 148);
  body.copy(out, 512);
  return out;
}

/** cifar-10-binary.tar.gz with data_batch_2 (30 images) whole, cut off inside data_batch_3. */
function truncatedArchive(): Buffer {
  const gz = gzipSync(
    Buffer.concat([
      tarEntry('cifar-10-batches-bin/data_batch_2.bin', cifarBatch(30, 2)),
      tarEntry('cifar-10-batches-bin/data_batch_3.bin', cifarBatch(30, 3)),
      Buffer.alloc(1024),
    ]),
  );
  return gz.subarray(0, Math.floor(gz.length * 0.75));
}

async function drop(
  page: Page,
  files: Array<{ name: string; buffer: Buffer }>,
): Promise<void> {
  await page.getByTestId('file-input').setInputFiles(
    files.map((file) => ({
      ...file,
      mimeType: 'application/octet-stream',
    })),
  );
}

const line = (page: Page, file: string) =>
  page.locator(`li.file-report[data-file="${file}"]`);

test('later drops never lose what is loaded; one line per file', async ({
  page,
}) => {
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto('/');
  await expect(page.getByTestId('backend-badge')).not.toHaveText(
    'Choosing a backend…',
    { timeout: 120_000 },
  );

  // A good training batch.
  await drop(page, [{ name: 'data_batch_1.bin', buffer: cifarBatch(20) }]);
  await expect(line(page, 'data_batch_1.bin')).toHaveAttribute(
    'data-ok',
    'true',
  );
  await expect(page.getByTestId('data-badge')).toContainText('20 train');

  // A truncated archive: its whole entry is kept, the archive's line says so.
  await drop(page, [
    { name: 'cifar-10-binary.tar.gz', buffer: truncatedArchive() },
  ]);
  const archive = line(page, 'cifar-10-binary.tar.gz');
  await expect(archive).toHaveAttribute('data-ok', 'false');
  await expect(archive).toContainText('cut short after data_batch_2.bin');
  await expect(archive).toContainText('download cifar-10-binary.tar.gz again');
  await expect(
    line(page, 'cifar-10-binary.tar.gz/data_batch_2.bin'),
  ).toHaveAttribute('data-ok', 'true');
  await expect(page.getByTestId('data-badge')).toContainText('50 train');

  // A good test batch: the training images stay.
  await drop(page, [{ name: 'test_batch.bin', buffer: cifarBatch(5, 9) }]);
  await expect(page.getByTestId('data-badge')).toHaveText(
    'data_batch_1.bin + 2 more · 50 train · 5 test',
  );
  await expect(page.getByTestId('start')).toBeEnabled();

  // The same file twice more: still one line, and the drop says it changed nothing.
  await drop(page, [{ name: 'data_batch_1.bin', buffer: cifarBatch(20) }]);
  await drop(page, [{ name: 'data_batch_1.bin', buffer: cifarBatch(20) }]);
  await expect(line(page, 'data_batch_1.bin')).toHaveCount(1);
  await expect(line(page, 'data_batch_1.bin')).toHaveAttribute(
    'data-ok',
    'true',
  );
  await expect(line(page, 'data_batch_1.bin')).toContainText('dropped again');
  await expect(page.getByTestId('drop-notice')).toContainText(
    'Nothing new was loaded from data_batch_1.bin',
  );
  await expect(page.locator('li.file-report')).toHaveCount(4);
  await expect(page.getByTestId('data-badge')).toContainText(
    'data_batch_1.bin + 2 more · 50 train',
  );

  // A rejected file named like a good one: the good one's line replaces it.
  await drop(page, [
    { name: 'data_batch_4.bin', buffer: Buffer.from('<!doctype html>') },
  ]);
  await expect(line(page, 'data_batch_4.bin')).toHaveAttribute(
    'data-ok',
    'false',
  );
  await drop(page, [{ name: 'data_batch_4.bin', buffer: cifarBatch(10, 4) }]);
  await expect(line(page, 'data_batch_4.bin')).toHaveAttribute(
    'data-ok',
    'true',
  );
  await expect(line(page, 'data_batch_4.bin')).toHaveCount(1);
  await expect(page.getByTestId('data-badge')).toContainText('60 train');

  await page
    .locator('.data-panel')
    .screenshot({ path: `${SCREENSHOTS}/file-list-after-drops.png` });
  expect(pageErrors).toEqual([]);
});

test('many rejections fold into three banner rows; settings messages name the fix', async ({
  page,
}) => {
  await page.goto('/');
  await drop(
    page,
    Array.from({ length: 15 }, (_, i) => ({
      name: `notes_${i + 1}.txt`,
      buffer: Buffer.from('hello'),
    })),
  );
  const banner = page.getByTestId('error-banner');
  await expect(page.getByTestId('more-errors')).toHaveText('and 12 more');
  await expect(banner.locator('li.error')).toHaveCount(3);
  await page.screenshot({ path: `${SCREENSHOTS}/banner-folded.png` });
  await banner.getByRole('button', { name: 'Dismiss all' }).click();
  await expect(banner).toHaveCount(0);

  // Image cap 1 leaves nothing for one half of the split: the banner names the setting.
  await drop(page, [{ name: 'data_batch_1.bin', buffer: cifarBatch(20) }]);
  await expect(page.getByTestId('data-badge')).toContainText('20 train');
  await page.getByTestId('preset').selectOption('Demo');
  await page.locator('input[name="maxImages"]').fill('1');
  await page.getByTestId('start').click();
  await expect(banner).toContainText(
    'Image cap is 1: Train portion 0.5 of 1 image leaves 0 for the weights',
  );
  await expect(banner).toContainText('raise Image cap to at least 2');

  // Text that is not a number is echoed as typed.
  await page.locator('input[name="maxImages"]').fill('abc');
  await expect(page.locator('#setting-maxImages-hint')).toContainText(
    'Image cap must be a number; got "abc"',
  );

  // A genotype file over 5 MB is refused before it is read.
  await page.getByTestId('import-genotype').setInputFiles({
    name: 'huge.json',
    mimeType: 'application/json',
    buffer: Buffer.alloc(6 * 1024 * 1024, 0x20),
  });
  await expect(banner).toContainText('huge.json: 6 MB is too big');
});
