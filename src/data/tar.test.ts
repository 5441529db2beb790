import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { openTarGz, readTar, type TarEntry } from './tar';

const encoder = new TextEncoder();

/** One tar header block (ustar), its checksum computed as tar does. */
function header(name: string, size: number, type: string): Uint8Array {
  const block = new Uint8Array(512);
  const put = (text: string, at: number) => block.set(encoder.encode(text), at);
  put(name, 0);
  put('0000644\0', 100);
  put('0000000\0', 108);
  put('0000000\0', 116);
  put(size.toString(8).padStart(11, '0') + '\0', 124);
  put('00000000000\0', 136);
  put(type, 156);
  put('ustar\0' + '00', 257);

  // The checksum field counts as eight spaces while summing.
  put('        ', 148);
  const sum = block.reduce((a, b) => a + b, 0);
  put(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  return block;
}

/** A header, the body, and zero padding to the next 512-byte boundary. */
function entry(
  name: string,
  body: Uint8Array | string,
  type = '0',
): Uint8Array {
  const bytes = typeof body === 'string' ? encoder.encode(body) : body;
  const padded = Math.ceil(bytes.length / 512) * 512;
  const out = new Uint8Array(512 + padded);
  out.set(header(name, bytes.length, type));
  out.set(bytes, 512);
  return out;
}

/** A PAX record `<len> key=value\n`, its length in bytes counting itself. */
function paxRecord(key: string, value: string): string {
  const rest = ` ${key}=${value}\n`;
  const bytes = (text: string) => encoder.encode(text).length;
  let length = bytes(rest) + 1;
  while (bytes(`${length}${rest}`) !== length) length++;
  return `${length}${rest}`;
}

function concat(parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

const bigBody = new Uint8Array(1500).map((_, i) => (i * 31) % 251);
const longName = `cifar-10-batches-bin/${'deep/'.repeat(30)}long_name.bin`;

/** An archive with the things a real-world tar holds besides plain files. */
const parts = [
  entry('cifar-10-batches-bin/', '', '5'),
  entry('pax_global_header', paxRecord('comment', 'made by hand'), 'g'),
  entry('cifar-10-batches-bin/._data_batch_1.bin', 'apple double'),
  entry('__MACOSX/cifar-10-batches-bin/x.bin', 'resource fork'),
  entry('cifar-10-batches-bin/data_batch_1.bin', bigBody),
  entry(
    'PaxHeaders/short',
    paxRecord('path', 'cifar-10-batches-bin/ü_pax.txt'),
    'x',
  ),
  entry('short', 'named by PAX'),
  entry('././@LongLink', longName + '\0', 'L'),
  entry('truncated-name', new Uint8Array(512).fill(7)),
  entry('./empty.txt', ''),
  entry('link', '', '2'),
  new Uint8Array(1024),
];
const archive = concat(parts);

/** Where data_batch_1.bin's header starts. */
const batchAt = parts.slice(0, 4).reduce((n, p) => n + p.length, 0);

/** A stream that hands out `bytes` in chunks of `size`, counting the pulls. */
function chunked(bytes: Uint8Array, size: number) {
  const state = { pulled: 0 };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      const at = state.pulled * size;
      if (at >= bytes.length) {
        controller.close();
        return;
      }
      controller.enqueue(bytes.slice(at, at + size));
      state.pulled++;
    },
  });
  return { stream, state };
}

async function collect(entries: AsyncIterable<TarEntry>): Promise<TarEntry[]> {
  const out: TarEntry[] = [];
  for await (const e of entries) out.push(e);
  return out;
}

async function failure(entries: AsyncIterable<TarEntry>): Promise<Error> {
  try {
    await collect(entries);
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

describe('readTar', () => {
  it('yields regular files only, honouring PAX paths and GNU long names', async () => {
    const { stream } = chunked(archive, 7);
    const entries = await collect(readTar(stream, 'test.tar'));

    expect(entries.map((e) => e.name)).toEqual([
      'cifar-10-batches-bin/data_batch_1.bin',
      'cifar-10-batches-bin/ü_pax.txt',
      longName,
      'empty.txt',
    ]);
    expect(entries[0].bytes).toEqual(bigBody);
    expect(entries[0].size).toBe(1500);
    expect(new TextDecoder().decode(entries[1].bytes)).toBe('named by PAX');
    expect(entries[2].bytes).toEqual(new Uint8Array(512).fill(7));
    expect(entries[3].size).toBe(0);
  });

  it('gives the same entries whatever the chunk sizes', async () => {
    const small = await collect(readTar(chunked(archive, 7).stream));
    const large = await collect(readTar(chunked(archive, 1 << 20).stream));

    expect(large).toEqual(small);
  });

  it('yields an entry before the rest of the archive has been read', async () => {
    const filler = entry('filler.bin', new Uint8Array(64 * 1024));
    const bytes = concat([entry('first.bin', 'first'), filler, filler]);
    const { stream, state } = chunked(bytes, 1024);

    for await (const e of readTar(stream)) {
      expect(e.name).toBe('first.bin');
      expect(state.pulled).toBeLessThan(10);
      break;
    }
  });

  it('rejects a header with a wrong checksum, naming the archive', async () => {
    const bad = archive.slice();
    bad[batchAt + 10] ^= 0x01;
    const error = await failure(readTar(chunked(bad, 4096).stream, 'x.tar'));

    expect(error.name).toBe('TarFileError');
    expect(error.message).toMatch(/^x\.tar: a tar header checksum does not/);
  });

  it('rejects an archive that ends inside an entry', async () => {
    const cut = archive.slice(0, batchAt + 512 + 188);
    const error = await failure(readTar(chunked(cut, 4096).stream, 'x.tar'));

    expect(error.message).toContain(
      'x.tar: ends inside cifar-10-batches-bin/data_batch_1.bin (188 of 1,500 bytes)',
    );
  });
});

describe('openTarGz', () => {
  it('reads a gzipped archive and reports progress up to the whole file', async () => {
    const blob = new Blob([gzipSync(archive)]);
    const fractions: number[] = [];
    const entries = await collect(
      openTarGz(blob, {
        name: 'a.tar.gz',
        onProgress: (f) => fractions.push(f),
      }),
    );

    expect(entries.map((e) => e.size)).toEqual([1500, 12, 512, 0]);
    expect(fractions.at(-1)).toBe(1);
  });

  it('rejects a file that is not gzip', async () => {
    const file = new File([archive], 'x.tar.gz');
    const error = await failure(openTarGz(file));

    expect(error.name).toBe('TarFileError');
    expect(error.message).toMatch(/^x\.tar\.gz is not a gzip archive/);
  });

  it('rejects corrupt gzip data', async () => {
    const gz = gzipSync(archive);
    const bad = new Uint8Array(gz);
    for (let i = 20; i < 60; i++) bad[i] ^= 0x5a;
    const error = await failure(openTarGz(new File([bad], 'x.tar.gz')));

    expect(error.name).toBe('TarFileError');
    expect(error.message).toMatch(
      /^x\.tar\.gz: the compressed data is corrupt/,
    );
  });

  it('rejects truncated gzip data', async () => {
    const gz = gzipSync(archive);
    const error = await failure(
      openTarGz(new File([gz.subarray(0, gz.length - 100)], 'x.tar.gz')),
    );

    expect(error.name).toBe('TarFileError');
    expect(error.message).toMatch(/^x\.tar\.gz: .*download is incomplete/);
  });
});
