import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CIFAR10_CLASS_NAMES, CIFAR_RECORD_BYTES } from './cifar';
import {
  assembleCifar,
  loadCifarFiles,
  mergeBatches,
  parseCifarFiles,
  summarise,
  type BatchStore,
} from './load';

const encoder = new TextEncoder();

/** A batch whose record r has label labels[r] and every pixel equal to `fill`. */
function batch(labels: number[], fill: number): Uint8Array {
  const bytes = new Uint8Array(labels.length * CIFAR_RECORD_BYTES).fill(fill);
  labels.forEach((label, r) => (bytes[r * CIFAR_RECORD_BYTES] = label));
  return bytes;
}

function file(name: string, content: Uint8Array | string): File {
  return new File(
    [typeof content === 'string' ? content : content.slice()],
    name,
  );
}

/** One tar entry (ustar header with checksum, body, padding). */
function tarEntry(name: string, body: Uint8Array | string, type = '0') {
  const bytes = typeof body === 'string' ? encoder.encode(body) : body;
  const out = new Uint8Array(512 + Math.ceil(bytes.length / 512) * 512);
  const put = (text: string, at: number) => out.set(encoder.encode(text), at);
  put(name, 0);
  put(bytes.length.toString(8).padStart(11, '0'), 124);
  put(type, 156);
  put('ustar\u000000', 257);
  put('        ', 148);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += out[i];
  put(sum.toString(8).padStart(6, '0') + '\0', 148);
  out.set(bytes, 512);
  return out;
}

function tarGz(entries: Uint8Array[]): Uint8Array {
  const parts = [...entries, new Uint8Array(1024)];
  const tar = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    tar.set(part, at);
    at += part.length;
  }
  return gzipSync(tar);
}

const META = 'a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n\n';

/** A batch of `count` images with labels i % 10 and noisy pixels, so gzip cannot shrink it much. */
function noisyBatch(count: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(count * CIFAR_RECORD_BYTES);
  let x = seed;
  for (let i = 0; i < bytes.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    bytes[i] = x >>> 24;
  }
  for (let r = 0; r < count; r++) bytes[r * CIFAR_RECORD_BYTES] = r % 10;
  return bytes;
}

/** cifar-10-binary.tar.gz with batches 1 and 2 whole, cut off inside the test batch. */
function truncatedArchive(): Uint8Array {
  const gz = tarGz([
    tarEntry('cifar-10-batches-bin/data_batch_1.bin', noisyBatch(10, 1)),
    tarEntry('cifar-10-batches-bin/data_batch_2.bin', noisyBatch(10, 2)),
    tarEntry('cifar-10-batches-bin/test_batch.bin', noisyBatch(10, 3)),
  ]);
  return gz.subarray(0, Math.floor(gz.length * 0.8));
}

describe('loadCifarFiles', () => {
  it('concatenates training batches in batch order whatever the drop order', async () => {
    const { data, reports } = await loadCifarFiles([
      file('data_batch_2.bin', batch([2, 2, 2], 20)),
      file('test_batch.bin', batch([7], 70)),
      file('data_batch_1.bin', batch([1, 1], 10)),
      file('batches.meta.txt', META),
    ]);

    expect(reports.every((r) => r.ok)).toBe(true);
    expect(reports.map((r) => [r.file, r.role, r.images])).toEqual([
      ['data_batch_2.bin', 'train', 3],
      ['test_batch.bin', 'test', 1],
      ['data_batch_1.bin', 'train', 2],
      ['batches.meta.txt', 'meta', undefined],
    ]);
    expect([...data!.train.labels]).toEqual([1, 1, 2, 2, 2]);
    expect(data!.train.images[2 * 3072 - 1]).toBe(10);
    expect(data!.train.images[2 * 3072]).toBe(20);
    expect(data!.test.count).toBe(1);
    expect([...data!.test.labels]).toEqual([7]);
    expect(data!.classNames).toEqual('abcdefghij'.split(''));
  });

  it('reports a bad file and still loads the others', async () => {
    const { data, reports } = await loadCifarFiles([
      file('data_batch_1.bin', batch([0, 1], 1)),
      file('data_batch_3.bin', batch([0, 1], 1).subarray(0, 5000)),
      file('readme.html', '<html></html>'),
      file('data_batch_1.bin', batch([5], 1)),
    ]);

    expect(reports.map((r) => r.ok)).toEqual([true, false, false, false]);
    expect(reports[1].error).toContain(
      '5,000 bytes is not a multiple of 3,073',
    );
    expect(reports[2].error).toContain('expected data_batch_1.bin');
    expect(reports[3].error).toContain('already loaded from data_batch_1.bin');
    expect(data!.train.count).toBe(2);
    expect(data!.classNames).toEqual(CIFAR10_CLASS_NAMES);
    expect(data!.test.count).toBe(0);
  });

  it('gives no data when no training batch loads', async () => {
    const { data, reports } = await loadCifarFiles([
      file('test_batch.bin', batch([3], 0)),
    ]);

    expect(data).toBeNull();
    expect(reports[0].ok).toBe(true);
  });

  it('reads a tar.gz archive, one report per entry', async () => {
    const archive = tarGz([
      tarEntry('cifar-10-batches-bin/', '', '5'),
      tarEntry('cifar-10-batches-bin/._data_batch_1.bin', 'apple double'),
      tarEntry('cifar-10-batches-bin/batches.meta.txt', META),
      tarEntry('cifar-10-batches-bin/data_batch_2.bin', batch([2], 2)),
      tarEntry('cifar-10-batches-bin/data_batch_1.bin', batch([1, 1], 1)),
      tarEntry('cifar-10-batches-bin/readme.html', '<html></html>'),
      tarEntry('cifar-10-batches-bin/test_batch.bin', batch([9, 8], 9)),
      tarEntry('cifar-10-batches-bin/data_batch_4.bin', 'truncated'),
    ]);
    const { data, reports } = await loadCifarFiles([
      file('cifar-10-binary.tar.gz', archive),
    ]);

    expect(reports.map((r) => [r.file, r.ok, r.images])).toEqual([
      ['cifar-10-binary.tar.gz', true, 5],
      ['cifar-10-binary.tar.gz/batches.meta.txt', true, undefined],
      ['cifar-10-binary.tar.gz/data_batch_2.bin', true, 1],
      ['cifar-10-binary.tar.gz/data_batch_1.bin', true, 2],
      ['cifar-10-binary.tar.gz/test_batch.bin', true, 2],
      ['cifar-10-binary.tar.gz/data_batch_4.bin', false, undefined],
    ]);
    expect([...data!.train.labels]).toEqual([1, 1, 2]);
    expect([...data!.test.labels]).toEqual([9, 8]);
    expect(data!.classNames[9]).toBe('j');
  });

  it('reports a corrupt archive and still loads the other files', async () => {
    const bad = new Uint8Array(
      tarGz([tarEntry('data_batch_1.bin', batch([1], 1))]),
    );
    for (let i = 20; i < 60; i++) bad[i] ^= 0x5a;
    const { data, reports } = await loadCifarFiles([
      file('cifar-10-binary.tar.gz', bad),
      file('other.tgz', 'not gzip'),
      file('data_batch_5.bin', batch([4], 4)),
    ]);

    expect(reports.map((r) => r.ok)).toEqual([false, false, true]);
    expect(reports[0].error).toMatch(/^cifar-10-binary\.tar\.gz: /);
    expect(reports[1].error).toMatch(/^other\.tgz is not a gzip archive/);
    expect(data!.train.count).toBe(1);
  });

  it('keeps the whole entries of an archive that is cut short, and says so', async () => {
    const { data, reports } = await loadCifarFiles([
      file('cifar-10-binary.tar.gz', truncatedArchive()),
    ]);

    expect(reports.map((r) => [r.file, r.ok, r.images])).toEqual([
      ['cifar-10-binary.tar.gz', false, 20],
      ['cifar-10-binary.tar.gz/data_batch_1.bin', true, 10],
      ['cifar-10-binary.tar.gz/data_batch_2.bin', true, 10],
    ]);
    expect(reports[0].error).toMatch(
      /^cifar-10-binary\.tar\.gz: cut short after data_batch_2\.bin — .*\. Only the 20 images of data_batch_1\.bin, data_batch_2\.bin are kept; /,
    );
    expect(reports[0].error).toContain('download cifar-10-binary.tar.gz again');
    expect(data!.train.count).toBe(20);
    expect(data!.test.count).toBe(0);
  });

  it('reports progress per file in fine steps up to 1', async () => {
    const calls: Array<[string, number]> = [];
    await loadCifarFiles(
      [file('data_batch_1.bin', batch(new Array(1000).fill(3), 0))],
      (name, fraction) => calls.push([name, fraction]),
    );
    const fractions = calls.map(([, f]) => f);

    expect(calls.every(([name]) => name === 'data_batch_1.bin')).toBe(true);
    expect(fractions.length).toBeGreaterThan(3);
    expect(fractions[0]).toBe(0);
    expect(fractions.at(-1)).toBe(1);
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
  });

  it('loads the embedded demo set: 100 training and 20 test images per class', async () => {
    const demo = new URL('../../public/demo/', import.meta.url);
    const names = ['data_batch_1.bin', 'test_batch.bin', 'batches.meta.txt'];
    const files = names.map((n) => file(n, readFileSync(new URL(n, demo))));
    const { data, reports } = await loadCifarFiles(files);
    const summary = summarise(data, reports, 'demo', 'Fashion-MNIST demo');

    expect(reports.every((r) => r.ok)).toBe(true);
    expect(summary.trainImages).toBe(1000);
    expect(summary.testImages).toBe(200);
    expect(summary.perClass).toEqual(new Array(10).fill(100));
    expect(summary.classNames[0]).toBe('T-shirt/top');
    expect(summary.classNames[9]).toBe('Ankle boot');

    // Interleaved classes: any prefix of 10k images is balanced.
    expect([...data!.train.labels.subarray(0, 20)]).toEqual(
      [...Array(20).keys()].map((i) => i % 10),
    );
    const testCounts = new Array(10).fill(0);
    for (const label of data!.test.labels) testCounts[label]++;
    expect(testCounts).toEqual(new Array(10).fill(20));

    // A 2-pixel zero border, and the gray value copied into all three planes.
    const image = data!.train.images.subarray(0, 3072);
    expect(image[0]).toBe(0);
    expect(image[33]).toBe(0);
    expect(image.subarray(0, 1024)).toEqual(image.subarray(1024, 2048));
    expect(image.subarray(0, 1024)).toEqual(image.subarray(2048, 3072));
    expect(Math.max(...image)).toBeGreaterThan(100);
  });
});

describe('parseCifarFiles, mergeBatches and assembleCifar', () => {
  it('parse each file alone, and merge later drops into what is kept', async () => {
    const store: BatchStore = new Map();
    const first = await parseCifarFiles([
      file('data_batch_2.bin', batch([2, 2], 2)),
    ]);
    expect(first.batches.map((b) => [b.key, b.file, b.source])).toEqual([
      ['train:2', 'data_batch_2.bin', 'data_batch_2.bin'],
    ]);
    expect(mergeBatches(store, first).added).toHaveLength(1);

    const second = await parseCifarFiles([
      file('data_batch_1.bin', batch([1], 1)),
      file('data_batch_2.bin', batch([5], 5)),
      file(
        'cifar-10-binary.tar.gz',
        tarGz([
          tarEntry('b/data_batch_2.bin', batch([6], 6)),
          tarEntry('b/batches.meta.txt', META),
        ]),
      ),
    ]);
    const { reports, added } = mergeBatches(store, second);

    expect(added.map((b) => b.file)).toEqual([
      'data_batch_1.bin',
      'cifar-10-binary.tar.gz/batches.meta.txt',
    ]);
    expect(reports.map((r) => [r.file, r.ok])).toEqual([
      ['data_batch_1.bin', true],
      ['data_batch_2.bin', true],
      ['cifar-10-binary.tar.gz', true],
      ['cifar-10-binary.tar.gz/data_batch_2.bin', false],
      ['cifar-10-binary.tar.gz/batches.meta.txt', true],
    ]);
    // The same name again is the same file dropped again: still ok, and said.
    expect(reports[1]).toMatchObject({
      images: 2,
      note: expect.stringContaining('dropped again'),
    });
    expect(reports[3].error).toContain('already loaded from data_batch_2.bin');

    const data = assembleCifar(store.values());
    expect([...data!.train.labels]).toEqual([1, 2, 2]);
    expect(data!.classNames[0]).toBe('a');
  });

  it('give no data without a training batch', () => {
    expect(assembleCifar([])).toBeNull();
  });
});

describe('summarise', () => {
  it('counts training images per class', async () => {
    const { data, reports } = await loadCifarFiles([
      file('data_batch_1.bin', batch([0, 3, 3, 9], 0)),
    ]);
    const summary = summarise(data, reports, 'files', 'my files');

    expect(summary).toEqual({
      source: 'files',
      name: 'my files',
      trainImages: 4,
      testImages: 0,
      classNames: CIFAR10_CLASS_NAMES,
      perClass: [1, 0, 0, 2, 0, 0, 0, 0, 0, 1],
      files: reports,
    });
  });

  it('gives zero counts when nothing loaded', () => {
    const summary = summarise(null, [], 'files', 'none');

    expect(summary.trainImages).toBe(0);
    expect(summary.perClass).toEqual(new Array(10).fill(0));
  });
});
