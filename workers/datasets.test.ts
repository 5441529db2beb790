import { afterEach, describe, expect, it, vi } from 'vitest';
import { Datasets } from './datasets';

/** A CIFAR-format batch of `count` images whose labels are i % 10. */
function batch(name: string, count: number): File {
  const bytes = new Uint8Array(count * 3073);
  for (let i = 0; i < count; i++) bytes[i * 3073] = i % 10;
  return new File([bytes], name);
}

describe('the worker’s loaded data', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('merges files dropped one after another', async () => {
    const data = new Datasets();
    await data.addFiles([batch('data_batch_1.bin', 20)]);
    const summary = await data.addFiles([
      batch('data_batch_2.bin', 10),
      batch('test_batch.bin', 5),
    ]);

    expect(summary.trainImages).toBe(30);
    expect(summary.testImages).toBe(5);
    expect(summary.files.map((f) => [f.file, f.ok])).toEqual([
      ['data_batch_1.bin', true],
      ['data_batch_2.bin', true],
      ['test_batch.bin', true],
    ]);
  });

  it('keeps what it has when a bad file arrives, and keeps reporting it', async () => {
    const data = new Datasets();
    await data.addFiles([batch('data_batch_1.bin', 20)]);
    const first = data.data;
    const html = new File(['<!doctype html><html></html>'], 'data_batch_2.bin');
    const summary = await data.addFiles([html]);

    expect(summary.trainImages).toBe(20);
    expect(data.data?.train.labels).toEqual(first?.train.labels);
    const bad = summary.files.find((f) => f.file === 'data_batch_2.bin');
    expect(bad?.ok).toBe(false);
    expect(bad?.error).toContain('data_batch_2.bin');

    const later = await data.addFiles([batch('test_batch.bin', 5)]);
    expect(later.files.filter((f) => !f.ok).map((f) => f.file)).toEqual([
      'data_batch_2.bin',
    ]);
  });

  it('replaces everything with the demo set, and the demo set with dropped files', async () => {
    const served: Record<string, File> = {
      'data_batch_1.bin': batch('data_batch_1.bin', 30),
      'test_batch.bin': batch('test_batch.bin', 6),
    };
    vi.stubGlobal('fetch', async (url: string) => {
      const file = served[new URL(url).pathname.split('/').pop() ?? ''];
      return file
        ? new Response(file)
        : new Response('missing', { status: 404 });
    });
    const data = new Datasets();
    await data.addFiles([batch('data_batch_1.bin', 20)]);

    const demo = await data.loadDemo(
      'http://127.0.0.1:4173/demo/data_batch_1.bin',
    );
    expect([demo.source, demo.trainImages, demo.testImages]).toEqual([
      'demo',
      30,
      6,
    ]);

    const files = await data.addFiles([batch('data_batch_3.bin', 10)]);
    expect([files.source, files.trainImages, files.testImages]).toEqual([
      'files',
      10,
      0,
    ]);
  });

  it('takes back a saved set and keeps it when a later drop has no training images', async () => {
    const original = new Datasets();
    await original.addFiles([batch('data_batch_1.bin', 20)]);
    const restored = new Datasets();
    restored.adopt(original.data!, original.current());
    expect(restored.current()).toEqual(original.current());

    const html = new File(['<!doctype html>'], 'data_batch_2.bin');
    const summary = await restored.addFiles([html]);
    expect(summary.trainImages).toBe(20);
    expect(restored.data).toBe(original.data);
  });

  it('says how to get the demo set when the build has none', async () => {
    vi.stubGlobal(
      'fetch',
      async () => new Response('missing', { status: 404 }),
    );
    await expect(
      new Datasets().loadDemo('http://127.0.0.1:4173/demo/data_batch_1.bin'),
    ).rejects.toMatchObject({
      name: 'DemoMissing',
    });
  });
});
