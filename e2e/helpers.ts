/** Helpers shared by the end-to-end specs. */
import { expect, type Page } from '@playwright/test';

export const IMAGE_BYTES = 3072;
export const SCREENSHOTS = 'test-results/screenshots';

/**
 * A CIFAR-10 format batch of `count` images: label i % 10, then 32x32 red,
 * green and blue planes with stripes whose period and colour follow the class.
 */
export function cifarBatch(count: number): Buffer {
  const bytes = Buffer.alloc(count * (IMAGE_BYTES + 1));
  for (let i = 0; i < count; i++) {
    const label = i % 10;
    const at = i * (IMAGE_BYTES + 1);
    bytes[at] = label;
    for (let c = 0; c < 3; c++) {
      for (let y = 0; y < 32; y++) {
        for (let x = 0; x < 32; x++) {
          const stripe =
            Math.floor((label < 5 ? y : x) / (2 + (label % 5))) % 2;
          const tint = (label * 37 + c * 80) % 256;
          bytes[at + 1 + c * 1024 + y * 32 + x] = stripe ? tint : 255 - tint;
        }
      }
    }
  }
  return bytes;
}

/** The step the progress line shows. */
export async function currentStep(page: Page): Promise<number> {
  const text = await page.getByTestId('step-count').getAttribute('data-step');
  return Number(text ?? 0);
}

/** Types `value` into the settings field `name` and waits until it shows. */
export async function setField(
  page: Page,
  name: string,
  value: string,
): Promise<void> {
  const input = page.locator(`input[name="${name}"]`);
  await input.fill(value);
  await expect(input).toHaveValue(value);
}

/** The Demo preset made tiny, so a step takes a moment on two cores. */
export async function useTinySearch(page: Page): Promise<void> {
  await page.getByTestId('preset').selectOption('Demo');
  await setField(page, 'channels', '2');
  await setField(page, 'layers', '3');
  await setField(page, 'batchSize', '4');
  await setField(page, 'epochs', '50');
  await setField(page, 'snapshotEvery', '1');
}
