import type { ImageSet } from './types';

/** Bytes of one 32x32 RGB image: 3 planes of 1,024. */
export const CIFAR_IMAGE_BYTES = 3072;

/** Bytes of one CIFAR-10 record: 1 label byte, then the image. */
export const CIFAR_RECORD_BYTES = 3073;

/** Bytes of one CIFAR-100 record (coarse and fine label bytes), to spot it. */
const CIFAR100_RECORD_BYTES = 3074;

/** CIFAR-10's class names in label order, used when no batches.meta.txt is given. */
export const CIFAR10_CLASS_NAMES: readonly string[] = [
  'airplane',
  'automobile',
  'bird',
  'cat',
  'deer',
  'dog',
  'frog',
  'horse',
  'ship',
  'truck',
];

/** What an accepted file is for, decided from its name. */
export type CifarRole = 'train' | 'test' | 'meta' | 'archive';

const DOWNLOAD_ADVICE =
  'download cifar-10-binary.tar.gz (the binary version) again';

/** A CIFAR-10 file that cannot be used; the message names the file and the fix. */
export class CifarFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CifarFileError';
  }
}

/** `12345` as `12,345`, so byte counts in messages are readable. */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** The name without folders: `a/b/data_batch_1.bin` → `data_batch_1.bin`. */
export function cifarBaseName(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1];
}

/** The role of a CIFAR-10 binary-version file from its name, or null for any other name. */
export function classifyCifarName(name: string): CifarRole | null {
  const base = cifarBaseName(name).toLowerCase();
  if (/^data_batch_[1-5]\.bin$/.test(base)) return 'train';
  if (base === 'test_batch.bin') return 'test';
  if (base === 'batches.meta.txt') return 'meta';
  if (base.endsWith('.tar.gz') || base.endsWith('.tgz')) return 'archive';
  return null;
}

/** The position (1-5) of a training batch in the concatenated train set, from its name. */
export function trainBatchNumber(name: string): number {
  const match = /^data_batch_([1-5])\.bin$/i.exec(cifarBaseName(name));
  if (!match) {
    throw new CifarFileError(`${name}: not a training batch name`);
  }
  return Number(match[1]);
}

/** Why a file with an unrecognised name was rejected, naming the names that are accepted. */
export function unknownCifarNameMessage(name: string): string {
  const base = cifarBaseName(name);
  const expected =
    'expected data_batch_1.bin … data_batch_5.bin, test_batch.bin, ' +
    'batches.meta.txt or cifar-10-binary.tar.gz';

  // The Python and MATLAB downloads hold the same images in formats this studio cannot read.
  if (/^(data_batch_[1-5]|test_batch|batches\.meta)$/i.test(base)) {
    return (
      `${base}: this is from the Python (pickle) version of CIFAR-10; ` +
      `${expected} from the binary version — ${DOWNLOAD_ADVICE}`
    );
  }
  if (/\.mat$/i.test(base)) {
    return (
      `${base}: this is from the MATLAB version of CIFAR-10; ` +
      `${expected} from the binary version — ${DOWNLOAD_ADVICE}`
    );
  }
  // A name padded with spaces (a copy or rename gone wrong) reads the same in a list.
  const trimmed = base.trim();
  if (trimmed !== base && trimmed !== '' && classifyCifarName(trimmed)) {
    const where = base.startsWith(trimmed)
      ? 'ends with'
      : base.endsWith(trimmed)
        ? 'starts with'
        : 'starts and ends with';
    return (
      `"${base}": the name ${where} a space; rename the file to ` +
      `"${trimmed}" and drop it again`
    );
  }
  return `${base}: not a CIFAR-10 file name; ${expected}`;
}

/** Parse one CIFAR-10 binary batch (records of 1 label + 3,072 pixel bytes). */
export function parseCifarBatch(fileName: string, bytes: Uint8Array): ImageSet {
  const name = cifarBaseName(fileName);
  const size = bytes.length;
  if (size === 0) {
    throw new CifarFileError(
      `${name}: the file is empty (0 bytes); ${DOWNLOAD_ADVICE}`,
    );
  }

  // Check everything first so that a real batch is never misread as text.
  const count = size / CIFAR_RECORD_BYTES;
  const whole = Number.isInteger(count);
  const badLabel = whole ? firstBadLabel(bytes, count) : -1;
  if (whole && badLabel < 0) return splitRecords(bytes, count);

  const text = sniffText(bytes);
  if (text) {
    throw new CifarFileError(
      `${name}: looks like ${text.kind} (it starts with "${text.start}"), ` +
        'not image data — probably a failed download saved under the data ' +
        `file's name; ${DOWNLOAD_ADVICE}`,
    );
  }
  if (!whole && size % CIFAR100_RECORD_BYTES === 0) {
    throw new CifarFileError(
      `${name}: ${formatCount(size)} bytes is a multiple of 3,074, the ` +
        'record size of CIFAR-100 (coarse and fine label bytes), not of ' +
        '3,073 (CIFAR-10); this studio does not support CIFAR-100 — ' +
        'use the CIFAR-10 binary batches from cifar-10-binary.tar.gz',
    );
  }
  if (!whole) {
    throw new CifarFileError(
      `${name}: ${formatCount(size)} bytes is not a multiple of 3,073 ` +
        '(one CIFAR-10 image record); the file is truncated or is not a ' +
        `CIFAR-10 binary batch — ${DOWNLOAD_ADVICE}`,
    );
  }
  throw new CifarFileError(
    `${name}: record ${formatCount(badLabel)} (counting from 0) has label ` +
      `${bytes[badLabel * CIFAR_RECORD_BYTES]}, but CIFAR-10 labels are 0-9; ` +
      `the file is corrupt or is not a CIFAR-10 binary batch — ${DOWNLOAD_ADVICE}`,
  );
}

/** Parse batches.meta.txt: the 10 class names, one per line, in label order. */
export function parseCifarMeta(fileName: string, text: string): string[] {
  const name = cifarBaseName(fileName);
  const trimmed = text.replace(/^\uFEFF/, '').trim();
  if (trimmed.startsWith('<') || trimmed.startsWith('{')) {
    throw new CifarFileError(
      `${name}: looks like a web page, not a list of class names — probably ` +
        `a failed download; ${DOWNLOAD_ADVICE}`,
    );
  }

  const names = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
  if (names.length !== CIFAR10_CLASS_NAMES.length) {
    throw new CifarFileError(
      `${name}: found ${names.length} class names, expected 10 (one per ` +
        `line, airplane … truck); ${DOWNLOAD_ADVICE}`,
    );
  }
  return names;
}

/**
 * Parse batches.meta.txt from its bytes: refuses a file that is not text
 * (binary data saved under the name) before looking for class names.
 */
export function parseCifarMetaBytes(
  fileName: string,
  bytes: Uint8Array,
): string[] {
  const name = cifarBaseName(fileName);
  let text: string | null;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    text = null; // not valid UTF-8
  }
  if (text === null || firstControlByte(text) >= 0) {
    throw new CifarFileError(
      `${name}: not a text file (${formatCount(bytes.length)} bytes of ` +
        'binary data); batches.meta.txt is a text file of the 10 class ' +
        `names, one per line — ${DOWNLOAD_ADVICE}`,
    );
  }
  return parseCifarMeta(name, text);
}

/** Index of the first control character other than tab, CR, LF or form feed, or -1. */
function firstControlByte(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (
      (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d && c !== 0x0c) ||
      c === 0x7f
    )
      return i;
  }
  return -1;
}

/** Index of the first record whose label byte is above 9, or -1 when all are valid. */
function firstBadLabel(bytes: Uint8Array, count: number): number {
  for (let i = 0; i < count; i++) {
    if (bytes[i * CIFAR_RECORD_BYTES] > 9) return i;
  }
  return -1;
}

/** Copy the interleaved records into separate label and image arrays. */
function splitRecords(bytes: Uint8Array, count: number): ImageSet {
  const images = new Uint8Array(count * CIFAR_IMAGE_BYTES);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const at = i * CIFAR_RECORD_BYTES;
    labels[i] = bytes[at];
    images.set(
      bytes.subarray(at + 1, at + CIFAR_RECORD_BYTES),
      i * CIFAR_IMAGE_BYTES,
    );
  }
  return { images, labels, count };
}

/**
 * What the bytes look like when they are text rather than image data: a web
 * page (HTML or JSON, as a failed download saves) or some other text.
 */
function sniffText(bytes: Uint8Array): { kind: string; start: string } | null {
  let at = 0;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) at = 3;
  while (at < bytes.length && isSpace(bytes[at])) at++;
  if (at === bytes.length) return null;

  const head = new TextDecoder()
    .decode(bytes.subarray(at, at + 40))
    .replace(/\s+/g, ' ')
    .slice(0, 20);
  if (bytes[at] === 0x3c || bytes[at] === 0x7b) {
    return { kind: 'a web page', start: head };
  }

  // Otherwise call it text only when a whole prefix is printable ASCII.
  const end = Math.min(bytes.length, at + 256);
  for (let i = at; i < end; i++) {
    const b = bytes[i];
    if ((b < 0x20 || b >= 0x7f) && !isSpace(b)) return null;
  }
  return { kind: 'a text file', start: head };
}

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;
}
