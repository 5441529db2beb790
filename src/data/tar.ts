import { formatCount } from './cifar';

/** One regular file from a tar archive, its content read whole. */
export interface TarEntry {
  /** Path inside the archive, e.g. `cifar-10-batches-bin/data_batch_1.bin`. */
  name: string;
  size: number;
  bytes: Uint8Array;
}

/** An archive that cannot be read; the message names the archive and the fix. */
export class TarFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TarFileError';
  }
}

const BLOCK = 512;

// PAX and GNU long-name entries hold a few hundred bytes; a bigger one is corruption.
const MAX_META_BYTES = 1 << 20;

const REDOWNLOAD = 'download cifar-10-binary.tar.gz again';

/**
 * Read a tar stream entry by entry, yielding regular files; only the current
 * entry is held in memory, so a 170 MB archive never sits in memory whole.
 */
export async function* readTar(
  stream: ReadableStream<Uint8Array>,
  archiveName = 'archive',
): AsyncGenerator<TarEntry> {
  const input = new BlockReader(stream.getReader(), archiveName);
  const header = new Uint8Array(BLOCK);

  // Set by a PAX 'x' or GNU 'L' entry; applies to the next entry only.
  let nextPath: string | null = null;
  let nextSize: number | null = null;

  try {
    for (;;) {
      const got = await input.fill(header);
      if (got === 0) return;
      if (got < BLOCK) {
        throw new TarFileError(
          `${archiveName}: ends inside an entry header; the archive is ` +
            `truncated — ${REDOWNLOAD}`,
        );
      }

      // One zero block starts the end-of-archive marker.
      if (header.every((b) => b === 0)) return;
      checkChecksum(header, archiveName);

      const type = String.fromCharCode(header[156]);
      const size = nextSize ?? readNumber(header, 124, 12, archiveName);
      const name = nextPath ?? headerPath(header);
      nextPath = null;
      nextSize = null;

      // Extended headers: read the small body, then carry on to the entry they describe.
      if (type === 'x' || type === 'L') {
        const body = await readBody(input, size, name, archiveName, true);
        if (type === 'L') {
          nextPath = cString(body, 0, body.length);
        } else {
          const pax = parsePax(body);
          nextPath = pax.get('path') ?? null;
          const paxSize = pax.get('size');
          nextSize = paxSize === undefined ? null : Number(paxSize);
          if (
            nextSize !== null &&
            !(Number.isSafeInteger(nextSize) && nextSize >= 0)
          ) {
            throw new TarFileError(
              `${archiveName}: a PAX header gives the size "${paxSize}"; ` +
                `the archive is corrupt — ${REDOWNLOAD}`,
            );
          }
        }
        continue;
      }

      const regular = type === '0' || type === '\0' || type === '7';
      if (!regular || isMacMetadata(name)) {
        await skipBody(input, size, name, archiveName);
        continue;
      }
      const bytes = await readBody(input, size, name, archiveName, false);
      yield { name: name.replace(/^\.\//, ''), size, bytes };
    }
  } finally {
    await input.close();
  }
}

/**
 * Read the entries of a .tar.gz blob, decompressing as it streams;
 * `onProgress` gets the fraction of compressed bytes read.
 */
export async function* openTarGz(
  blob: Blob,
  options: { name?: string; onProgress?: (fraction: number) => void } = {},
): AsyncGenerator<TarEntry> {
  const name = options.name ?? (blob as Partial<File>).name ?? 'archive';
  const magic = new Uint8Array(await blob.slice(0, 2).arrayBuffer());
  if (magic.length < 2 || magic[0] !== 0x1f || magic[1] !== 0x8b) {
    throw new TarFileError(
      `${name} is not a gzip archive (${formatCount(blob.size)} bytes, ` +
        `without the gzip signature 1f 8b); ${REDOWNLOAD}`,
    );
  }

  // Count compressed bytes as they pass, for progress over the whole blob.
  let read = 0;
  type Chunk = Uint8Array<ArrayBuffer>;
  const counter = new TransformStream<Chunk, Chunk>({
    transform(chunk, controller) {
      read += chunk.length;
      options.onProgress?.(blob.size > 0 ? read / blob.size : 1);
      controller.enqueue(chunk);
    },
  });
  const tar = blobStream(blob)
    .pipeThrough(counter)
    .pipeThrough(new DecompressionStream('gzip'));

  yield* readTar(tar, name);
}

/**
 * A stream of `blob` in slices of `chunkBytes`, each read only when the
 * consumer pulls. Node's own blob.stream() hands an in-memory blob over as one
 * chunk, which would leave progress with nothing between 0 and 1.
 */
export function blobStream(
  blob: Blob,
  chunkBytes = 1 << 20,
): ReadableStream<Uint8Array<ArrayBuffer>> {
  let at = 0;
  return new ReadableStream({
    async pull(controller) {
      if (at >= blob.size) {
        controller.close();
        return;
      }
      const end = Math.min(at + chunkBytes, blob.size);
      const chunk = new Uint8Array(await blob.slice(at, end).arrayBuffer());
      at = end;
      controller.enqueue(chunk);
    },
  });
}

/**
 * Copies bytes from a stream's chunks into fixed-size targets, so a header or
 * an entry is assembled without ever joining the chunks themselves.
 */
class BlockReader {
  private chunk: Uint8Array = new Uint8Array(0);
  private at = 0;
  private ended = false;

  constructor(
    private readonly reader: ReadableStreamDefaultReader<Uint8Array>,
    private readonly archiveName: string,
  ) {}

  /** Fill `target`; returns the bytes filled, fewer only at the end of the stream. */
  async fill(target: Uint8Array): Promise<number> {
    let filled = 0;
    while (filled < target.length) {
      if (!(await this.ensure())) break;
      const n = Math.min(target.length - filled, this.chunk.length - this.at);
      target.set(this.chunk.subarray(this.at, this.at + n), filled);
      filled += n;
      this.at += n;
    }
    return filled;
  }

  /** Discard `count` bytes; returns the bytes discarded. */
  async skip(count: number): Promise<number> {
    let skipped = 0;
    while (skipped < count) {
      if (!(await this.ensure())) break;
      const n = Math.min(count - skipped, this.chunk.length - this.at);
      skipped += n;
      this.at += n;
    }
    return skipped;
  }

  async close(): Promise<void> {
    // Cancelling stops a decompressor that is still running after an early exit.
    if (!this.ended) await this.reader.cancel().catch(() => undefined);
    this.reader.releaseLock();
  }

  /** Make sure unread bytes are in `chunk`; false at the end of the stream. */
  private async ensure(): Promise<boolean> {
    while (this.at >= this.chunk.length) {
      if (this.ended) return false;
      let result: ReadableStreamReadResult<Uint8Array>;
      try {
        result = await this.reader.read();
      } catch (error) {
        this.ended = true;
        const cause = (error as Error).message.replace(/\.$/, '');
        const early = /end of (file|stream|input)|truncat|premature/i;
        const fault = early.test(cause)
          ? 'the compressed data ends early; the download is incomplete'
          : 'the compressed data is corrupt';
        throw new TarFileError(
          `${this.archiveName}: ${fault} (${cause}) — ${REDOWNLOAD}`,
        );
      }
      if (result.done) {
        this.ended = true;
        return false;
      }
      this.chunk = result.value;
      this.at = 0;
    }
    return true;
  }
}

async function readBody(
  input: BlockReader,
  size: number,
  entry: string,
  archiveName: string,
  isMeta: boolean,
): Promise<Uint8Array> {
  if (isMeta && size > MAX_META_BYTES) {
    throw new TarFileError(
      `${archiveName}: an extended header of ${formatCount(size)} bytes ` +
        `before ${entry}; the archive is corrupt — ${REDOWNLOAD}`,
    );
  }

  const bytes = new Uint8Array(size);
  const got = await input.fill(bytes);
  if (got < size) throw truncated(archiveName, entry, got, size);
  await skipPadding(input, size, entry, archiveName);
  return bytes;
}

async function skipBody(
  input: BlockReader,
  size: number,
  entry: string,
  archiveName: string,
): Promise<void> {
  const got = await input.skip(size);
  if (got < size) throw truncated(archiveName, entry, got, size);
  await skipPadding(input, size, entry, archiveName);
}

async function skipPadding(
  input: BlockReader,
  size: number,
  entry: string,
  archiveName: string,
): Promise<void> {
  const padding = (BLOCK - (size % BLOCK)) % BLOCK;
  const got = await input.skip(padding);
  if (got < padding) throw truncated(archiveName, entry, size, size);
}

function truncated(
  archiveName: string,
  entry: string,
  got: number,
  size: number,
): TarFileError {
  return new TarFileError(
    `${archiveName}: ends inside ${entry} (${formatCount(got)} of ` +
      `${formatCount(size)} bytes); the download is incomplete — ${REDOWNLOAD}`,
  );
}

/** The header checksum: the byte sum with the checksum field read as spaces. */
function checkChecksum(header: Uint8Array, archiveName: string): void {
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : header[i];
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  const stored = parseOctal(header, 148, 8);

  // Some old tars summed signed bytes; accept either.
  if (stored !== unsigned && stored !== signed) {
    throw new TarFileError(
      `${archiveName}: a tar header checksum does not match (stored ` +
        `${stored}, computed ${unsigned}); the archive is corrupt or not a ` +
        `tar archive — ${REDOWNLOAD}`,
    );
  }
}

/** A size field: octal text, or GNU base-256 when the top bit is set. */
function readNumber(
  header: Uint8Array,
  at: number,
  length: number,
  archiveName: string,
): number {
  if (header[at] & 0x80) {
    let value = header[at] & 0x7f;
    for (let i = at + 1; i < at + length; i++) value = value * 256 + header[i];
    return value;
  }
  const value = parseOctal(header, at, length);
  if (Number.isNaN(value)) {
    throw new TarFileError(
      `${archiveName}: a tar header has an unreadable size field; the ` +
        `archive is corrupt — ${REDOWNLOAD}`,
    );
  }
  return value;
}

function parseOctal(header: Uint8Array, at: number, length: number): number {
  const text = cString(header, at, length).trim();
  if (text === '') return 0;
  return /^[0-7]+$/.test(text) ? parseInt(text, 8) : NaN;
}

/** The entry path from `name`, with the ustar `prefix` field in front when set. */
function headerPath(header: Uint8Array): string {
  const name = cString(header, 0, 100);
  const ustar = cString(header, 257, 6).startsWith('ustar');
  const prefix = ustar ? cString(header, 345, 155) : '';
  return prefix ? `${prefix}/${name}` : name;
}

function cString(bytes: Uint8Array, at: number, length: number): string {
  let end = at;
  while (end < at + length && bytes[end] !== 0) end++;
  return new TextDecoder().decode(bytes.subarray(at, end));
}

/** PAX records: `<length> <key>=<value>\n`, the length counting the whole record. */
function parsePax(body: Uint8Array): Map<string, string> {
  const records = new Map<string, string>();
  let at = 0;
  while (at < body.length) {
    let space = at;
    while (space < body.length && body[space] !== 0x20) space++;
    const length = Number(cString(body, at, space - at));
    if (!Number.isInteger(length) || length <= 0) break;

    const record = new TextDecoder().decode(
      body.subarray(space + 1, at + length - 1),
    );
    const eq = record.indexOf('=');
    if (eq > 0) records.set(record.slice(0, eq), record.slice(eq + 1));
    at += length;
  }
  return records;
}

/** macOS's AppleDouble `._*` files and `__MACOSX/` folder carry no data. */
function isMacMetadata(path: string): boolean {
  const base = path.split('/').pop() ?? '';
  return base.startsWith('._') || /(^|\/)__MACOSX\//.test(path);
}
