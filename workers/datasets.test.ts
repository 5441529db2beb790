import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Datasets } from './datasets';

/** A CIFAR-format batch of `count` images whose labels are i % 10. */
function batch(name: string, count: number): File {
  const bytes = new Uint8Array(count * 3073);
  for (let i = 0; i < count; i++) bytes[i * 3073] = i % 10;
  return new File([bytes], name);
}

/** One ustar entry: header with checksum, then the body padded to 512 bytes. */
function tarEntry(name: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(512 + Math.ceil(body.length / 512) * 512);
  const put = (text: string, at: number) =>
    out.set(new TextEncoder().encode(text), at);
  put(name, 0);
  put(body.length.toString(8).padStart(11, '0'), 124);
  put('0', 156);
  put('ustar\u000000', 257);
  put('        ', 148);
  const sum = out.subarray(0, 512).reduce((a, b) => a + b, 0);
  put(sum.toString(8).padStart(6, '0') + '\0', 148);
  out.set(body, 512);
  return out;
}

/** A batch with noisy pixels (so gzip keeps its size), labels i % 10. */
async function noisy(name: string, count: number, seed: number) {
  const bytes = new Uint8Array(await batch(name, count).arrayBuffer());
  let x = seed;
  for (let i = 0; i < bytes.length; i++) {
    if (i % 3073 === 0) continue;
    x = (x * 1103515245 + 12345) >>> 0;
    bytes[i] = x >>> 24;
  }
  return bytes;
}

/** cifar-10-binary.tar.gz holding data_batch_2 (30 images) whole, cut off inside data_batch_3. */
async function truncatedArchive(): Promise<File> {
  const tar = [
    tarEntry('cifar-10-batches-bin/data_batch_2.bin', await noisy('b', 30, 2)),
    tarEntry('cifar-10-batches-bin/data_batch_3.bin', await noisy('c', 30, 3)),
    new Uint8Array(1024),
  ];
  const gz = gzipSync(Buffer.concat(tar));
  return new File(
    [gz.subarray(0, Math.floor(gz.length * 0.75))],
    'cifar-10-binary.tar.gz',
  );
}

/** A file that can be read until `vanish()`, as a file moved away after a drop. */
class VanishingFile extends File {
  gone = false;
  vanish() {
    this.gone = true;
  }
  override slice(...args: Parameters<Blob['slice']>): Blob {
    if (this.gone) {
      throw new DOMException(
        'A requested file or directory could not be found at the time an operation was processed.',
        'NotFoundError',
      );
    }
    return super.slice(...args);
  }
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

  it('keeps the whole batches of a truncated archive when later files arrive', async () => {
    const data = new Datasets();
    await data.addFiles([batch('data_batch_1.bin', 20)]);
    const cut = await data.addFiles([await truncatedArchive()]);

    expect(cut.trainImages).toBe(50);
    const archive = cut.files.find((f) => f.file === 'cifar-10-binary.tar.gz');
    expect(archive?.ok).toBe(false);
    expect(archive?.error).toContain('cut short after data_batch_2.bin');
    expect(archive?.error).toContain('download cifar-10-binary.tar.gz again');

    const later = await data.addFiles([batch('test_batch.bin', 5)]);
    expect([later.trainImages, later.testImages]).toEqual([50, 5]);
    expect(later.name).toBe('data_batch_1.bin + 2 more');
    expect(later.parts?.map((p) => [p.file, p.images])).toEqual([
      ['data_batch_1.bin', 20],
      ['cifar-10-binary.tar.gz/data_batch_2.bin', 30],
      ['test_batch.bin', 5],
    ]);
  });

  it('never reads an earlier drop’s files again', async () => {
    const data = new Datasets();
    const first = new VanishingFile(
      [await batch('x', 20).arrayBuffer()],
      'data_batch_1.bin',
    );
    await data.addFiles([first]);
    first.vanish();

    const summary = await data.addFiles([batch('data_batch_2.bin', 10)]);
    expect(summary.trainImages).toBe(30);
    expect(summary.files.every((f) => f.ok)).toBe(true);
  });

  it('shows one line per file name, with its latest verdict', async () => {
    const data = new Datasets();
    await data.addFiles([batch('data_batch_1.bin', 20)]);
    await data.addFiles([batch('data_batch_1.bin', 20)]);
    const again = await data.addFiles([
      batch('data_batch_1.bin', 20),
      batch('test_batch.bin', 5),
    ]);
    expect(again.files.map((f) => [f.file, f.ok])).toEqual([
      ['data_batch_1.bin', true],
      ['test_batch.bin', true],
    ]);
    expect(again.files[0].note).toContain('dropped again');
    expect(again.name).toBe('data_batch_1.bin + 1 more');

    // A rejected file named like a good one: the good one's line replaces it.
    await data.addFiles([new File(['<html></html>'], 'data_batch_2.bin')]);
    const fixed = await data.addFiles([batch('data_batch_2.bin', 10)]);
    expect(fixed.files.map((f) => [f.file, f.ok])).toEqual([
      ['data_batch_1.bin', true],
      ['test_batch.bin', true],
      ['data_batch_2.bin', true],
    ]);
    expect(fixed.trainImages).toBe(30);
    expect(fixed.notice).toBeUndefined();
  });

  it('says when a drop changes nothing', async () => {
    const data = new Datasets();
    await data.addFiles([batch('data_batch_1.bin', 20)]);
    const same = await data.addFiles([batch('data_batch_1.bin', 20)]);
    expect(same.notice).toBe(
      'Nothing new was loaded from data_batch_1.bin; what was loaded before stays as it was',
    );

    // A broken copy of a loaded file: the line says the loaded one is still in use.
    const broken = await data.addFiles([
      new File([new Uint8Array(5000)], 'data_batch_1.bin'),
    ]);
    expect(broken.trainImages).toBe(20);
    expect(broken.files).toHaveLength(1);
    expect(broken.files[0].ok).toBe(false);
    expect(broken.files[0].error).toContain(
      'the data_batch_1.bin loaded earlier (20 images) is still in use',
    );
  });

  it('adds later drops to a restored set of dropped files', async () => {
    const original = new Datasets();
    await original.addFiles([
      batch('data_batch_2.bin', 10),
      batch('data_batch_1.bin', 20),
      batch('test_batch.bin', 5),
    ]);
    const restored = new Datasets();
    restored.adopt(original.data!, original.current());

    const summary = await restored.addFiles([batch('data_batch_3.bin', 7)]);
    expect([summary.trainImages, summary.testImages]).toEqual([37, 5]);
    expect([...restored.data!.train.labels.subarray(0, 21)]).toEqual([
      ...[...Array(20).keys()].map((i) => i % 10),
      0,
    ]);
    expect(summary.files.map((f) => f.file)).toEqual([
      'data_batch_2.bin',
      'data_batch_1.bin',
      'test_batch.bin',
      'data_batch_3.bin',
    ]);
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
