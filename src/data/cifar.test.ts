import { describe, expect, it } from 'vitest';
import {
  CIFAR_RECORD_BYTES,
  classifyCifarName,
  parseCifarBatch,
  parseCifarMeta,
  parseCifarMetaBytes,
  unknownCifarNameMessage,
} from './cifar';

/** A batch of records with the given labels; pixel p of record r holds (r * 7 + p) mod 256. */
function batchBytes(labels: number[]): Uint8Array {
  const bytes = new Uint8Array(labels.length * CIFAR_RECORD_BYTES);
  labels.forEach((label, r) => {
    const at = r * CIFAR_RECORD_BYTES;
    bytes[at] = label;
    for (let p = 0; p < 3072; p++) bytes[at + 1 + p] = (r * 7 + p) % 256;
  });
  return bytes;
}

function errorOf(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

describe('parseCifarBatch', () => {
  it('splits records into labels and channel-major images', () => {
    const set = parseCifarBatch('data_batch_1.bin', batchBytes([0, 9, 5]));

    expect(set.count).toBe(3);
    expect([...set.labels]).toEqual([0, 9, 5]);
    expect(set.images.length).toBe(3 * 3072);
    expect(set.images[0]).toBe(0);
    expect(set.images[3071]).toBe(3071 % 256);
    expect(set.images[3072 + 10]).toBe((7 + 10) % 256);
  });

  it('rejects an empty file', () => {
    const error = errorOf(() =>
      parseCifarBatch('data_batch_1.bin', new Uint8Array(0)),
    );

    expect(error.name).toBe('CifarFileError');
    expect(error.message).toMatch(/^data_batch_1\.bin: the file is empty/);
  });

  it('rejects a truncated batch, naming its size and the record size', () => {
    const bytes = batchBytes([1, 2, 3]).subarray(0, 3 * 3073 - 1);
    const error = errorOf(() => parseCifarBatch('data_batch_2.bin', bytes));

    expect(error.name).toBe('CifarFileError');
    expect(error.message).toContain(
      'data_batch_2.bin: 9,218 bytes is not a multiple of 3,073',
    );
    expect(error.message).toContain('download cifar-10-binary.tar.gz');
  });

  it('rejects a label above 9, naming the record and the value', () => {
    const bytes = batchBytes([1, 2, 12, 3]);
    const error = errorOf(() => parseCifarBatch('test_batch.bin', bytes));

    expect(error.message).toContain('record 2 (counting from 0) has label 12');
  });

  it('recognises a CIFAR-100 file by its 3,074-byte records', () => {
    const bytes = new Uint8Array(2 * 3074);
    const error = errorOf(() => parseCifarBatch('train.bin', bytes));

    expect(error.message).toContain('CIFAR-100');
    expect(error.message).toContain('does not support');
  });

  it('recognises an HTML page saved under a data name, after a BOM and whitespace', () => {
    const page = '\uFEFF \n<!DOCTYPE html><html><body>Not Found</body></html>';
    const bytes = new TextEncoder().encode(page);
    const error = errorOf(() => parseCifarBatch('data_batch_3.bin', bytes));

    expect(error.message).toContain('looks like a web page');
    expect(error.message).toContain('<!DOCTYPE html>');
    expect(error.message).toContain('failed download');
  });

  it('recognises a JSON error body as a web page', () => {
    const bytes = new TextEncoder().encode('{"error": "quota exceeded"}');
    const error = errorOf(() => parseCifarBatch('data_batch_4.bin', bytes));

    expect(error.message).toContain('looks like a web page');
  });

  it('reads a valid batch whose first bytes happen to look like text', () => {
    // Label 9 is a tab character and pixel 60 is '<'.
    const bytes = batchBytes([9]);
    bytes.set([0x3c, 0x68, 0x74], 1);

    expect(parseCifarBatch('data_batch_5.bin', bytes).count).toBe(1);
  });
});

describe('parseCifarMeta', () => {
  const names = [
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

  it('reads ten names, ignoring blank lines and CRLF endings', () => {
    expect(
      parseCifarMeta('batches.meta.txt', names.join('\n') + '\n\n'),
    ).toEqual(names);
    expect(parseCifarMeta('batches.meta.txt', names.join('\r\n'))).toEqual(
      names,
    );
  });

  it('rejects a list that is not ten names', () => {
    const error = errorOf(() =>
      parseCifarMeta('batches.meta.txt', names.slice(0, 9).join('\n')),
    );

    expect(error.name).toBe('CifarFileError');
    expect(error.message).toContain('found 9 class names, expected 10');
  });

  it('rejects a web page', () => {
    const error = errorOf(() =>
      parseCifarMeta('batches.meta.txt', '  <html><body>oops</body></html>'),
    );

    expect(error.message).toContain('looks like a web page');
  });
  it('says binary data is not a text file, rather than counting lines in it', () => {
    const junk = new Uint8Array(500);
    for (let i = 0; i < junk.length; i++) junk[i] = (i * 151 + 7) % 256;
    junk[0] = 0x56;
    const error = errorOf(() => parseCifarMetaBytes('batches.meta.txt', junk));

    expect(error.name).toBe('CifarFileError');
    expect(error.message).toContain('batches.meta.txt: not a text file');
    expect(error.message).not.toContain('class names, expected');
    // Valid UTF-8 with a NUL in it is binary too.
    const nul = new TextEncoder().encode(names.join('\n') + '\0');
    expect(
      errorOf(() => parseCifarMetaBytes('m/batches.meta.txt', nul)).message,
    ).toContain('not a text file');
  });

  it('reads the names from the bytes of a text file', () => {
    const bytes = new TextEncoder().encode('\uFEFF' + names.join('\r\n'));
    expect(parseCifarMetaBytes('batches.meta.txt', bytes)).toEqual(names);
  });
});

describe('classifyCifarName', () => {
  it('gives each CIFAR-10 binary file its role, ignoring folder prefixes', () => {
    expect(classifyCifarName('data_batch_1.bin')).toBe('train');
    expect(classifyCifarName('cifar-10-batches-bin/data_batch_5.bin')).toBe(
      'train',
    );
    expect(classifyCifarName('test_batch.bin')).toBe('test');
    expect(classifyCifarName('batches.meta.txt')).toBe('meta');
    expect(classifyCifarName('cifar-10-binary.tar.gz')).toBe('archive');
    expect(classifyCifarName('cifar.tgz')).toBe('archive');
  });

  it('rejects other names', () => {
    for (const name of [
      'data_batch_6.bin',
      'data_batch_1',
      'readme.html',
      'cifar-10-batches-bin/readme.html',
      'photo.png',
    ]) {
      expect(classifyCifarName(name)).toBeNull();
    }
  });

  it('explains a rejected name with the expected names', () => {
    expect(unknownCifarNameMessage('x/readme.html')).toBe(
      'readme.html: not a CIFAR-10 file name; expected data_batch_1.bin … ' +
        'data_batch_5.bin, test_batch.bin, batches.meta.txt or ' +
        'cifar-10-binary.tar.gz',
    );
    expect(unknownCifarNameMessage('data_batch_1')).toContain(
      'Python (pickle) version',
    );
  });

  it('says when a name differs from a CIFAR-10 one only by spaces', () => {
    expect(unknownCifarNameMessage('data_batch_2.bin ')).toBe(
      '"data_batch_2.bin ": the name ends with a space; rename the file to ' +
        '"data_batch_2.bin" and drop it again',
    );
    expect(unknownCifarNameMessage(' test_batch.bin')).toContain(
      'starts with a space',
    );
    expect(unknownCifarNameMessage('photo.png ')).toContain(
      'not a CIFAR-10 file name',
    );
  });
});
