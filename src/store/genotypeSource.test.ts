import { beforeEach, describe, expect, it } from 'vitest';
import {
  readGenotypeFile,
  searchGenotypeName,
  sourceOfName,
  type GenotypeReader,
} from './genotypeSource';
import { GENOTYPE_MAX_BYTES, useStudio } from './studio';

const reader: GenotypeReader<string> = {
  tooLarge: (file) => `${file.name} is too big`,
  python: (text) => `python:${text}`,
  json: (text) => {
    if (!text.startsWith('{')) throw new SyntaxError('not JSON');
    return `json:${text}`;
  },
};

const initialStudio = useStudio.getState();
beforeEach(() => useStudio.setState(initialStudio, true));

describe('sourceOfName', () => {
  const named = { DARTS_V2: {} };
  it('reads back the name each source gives its genotype', () => {
    expect(sourceOfName('DARTS_V2', named)).toBe('named');
    expect(sourceOfName(searchGenotypeName(12), named)).toBe('derived');
    expect(sourceOfName('best.json', named)).toBe('imported');
  });
});

describe('readGenotypeFile', () => {
  it('reads .py, .txt and Genotype( text as Python, the rest as JSON', async () => {
    const read = (text: string, name: string) =>
      readGenotypeFile(new File([text], name), reader);
    expect(await read('x', 'a.py')).toBe('python:x');
    expect(await read('x', 'a.TXT')).toBe('python:x');
    expect(await read(' Genotype(x)', 'a.json')).toBe('python: Genotype(x)');
    expect(await read('{}', 'a.json')).toBe('json:{}');
  });

  it('turns a parse error into a banner line and null', async () => {
    const file = new File(['nope'], 'bad.json');
    expect(await readGenotypeFile(file, reader)).toBeNull();
    expect(useStudio.getState().errors.map((e) => e.name)).toEqual([
      'SyntaxError',
    ]);
  });

  it('refuses a file too big to be a genotype, unread', async () => {
    const file = new File([new Uint8Array(GENOTYPE_MAX_BYTES + 1)], 'big.py');
    expect(await readGenotypeFile(file, reader)).toBeNull();
    const [error] = useStudio.getState().errors;
    expect(error.name).toBe('GenotypeTooLarge');
    expect(error.message).toBe('big.py is too big');
  });
});
