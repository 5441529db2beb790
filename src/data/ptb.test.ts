import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Rng } from '../core/random';
import {
  EOS,
  PtbFileError,
  UNK,
  buildVocabulary,
  classifyPtbName,
  decodePtbBytes,
  encode,
  loadPtbFiles,
  tokenise,
  type PtbInput,
} from './ptb';
import {
  BPTT,
  PtbSampler,
  archBatch,
  batchify,
  getBatch,
  searchSeqLen,
  trainSeqLen,
} from './ptbBatch';

const encoder = new TextEncoder();

/** An Rng whose uniform and normal draws are fixed, to pin a branch of a draw. */
function fixedRng(uniform: number, normal = 0): Rng {
  return Object.assign(new Rng(0), {
    next: () => uniform,
    normal: () => normal,
  });
}

/**
 * A generated corpus: line i holds 1 + i % 5 words w{(7i + 3j) % 37}, so
 * 100 lines have 300 words and 400 tokens with `<eos>`.
 */
function generated(lines: number): string {
  let text = '';
  for (let i = 0; i < lines; i++) {
    const words = [];
    for (let j = 0; j <= i % 5; j++) words.push(`w${(7 * i + 3 * j) % 37}`);
    text += words.join(' ') + '\n';
  }
  return text;
}

function ids(name: string, text: string, vocab: string[]): number[] {
  return [...encode(name, tokenise(name, text), vocab)];
}

describe('classifyPtbName', () => {
  it('accepts the Mikolov and data/penn names in any folder and case', () => {
    expect(classifyPtbName('ptb.train.txt')).toBe('train');
    expect(classifyPtbName('simple-examples/data/ptb.valid.txt')).toBe('valid');
    expect(classifyPtbName('C:\\darts\\data\\penn\\test.txt')).toBe('test');
    expect(classifyPtbName('PTB.Train.TXT')).toBe('train');
  });

  it('refuses the character-level files and other names', () => {
    expect(classifyPtbName('ptb.char.train.txt')).toBeNull();
    expect(classifyPtbName('train.csv')).toBeNull();
    expect(classifyPtbName('ptb.train.txt.gz')).toBeNull();
  });
});

describe('tokenise', () => {
  it('adds <eos> after each line, as the reference Corpus does', () => {
    expect(tokenise('ptb.train.txt', 'the cat sat\nthe dog\n')).toEqual([
      'the',
      'cat',
      'sat',
      EOS,
      'the',
      'dog',
      EOS,
    ]);
  });

  it('gives the same ids for a BOM, CRLF, CR, no final newline and extra spaces', () => {
    const plain = generated(100);
    const vocab = buildVocabulary(tokenise('ptb.train.txt', plain));
    const expected = ids('plain', plain, vocab);
    const variants = {
      bom: '\uFEFF' + plain,
      crlf: plain.replace(/\n/g, '\r\n'),
      cr: plain.replace(/\n/g, '\r'),
      noFinalNewline: plain.slice(0, -1),
      bomCrlfNoFinalNewline:
        '\uFEFF' + plain.slice(0, -1).replace(/\n/g, '\r\n'),
      // The Mikolov files start and end each line with a space.
      ptbSpacing: plain
        .replace(/^|\n(?!$)/g, (m) => m + ' ')
        .replace(/\n/g, ' \n'),
      tabsAndRuns: plain.replace(/ /g, ' \t  '),
      trailingSpaces: plain.replace(/\n/g, '   \n'),
    };
    for (const [name, text] of Object.entries(variants)) {
      expect(ids(name, text, vocab), name).toEqual(expected);
    }
  });

  it('gives a blank line a lone <eos>, as the reference does', () => {
    expect(tokenise('t', 'a\n\nb')).toEqual(['a', EOS, EOS, 'b', EOS]);
    expect(tokenise('t', 'a\n   \nb\n')).toEqual(['a', EOS, EOS, 'b', EOS]);
    // A blank last line is a line too: Python's file iteration yields it.
    expect(tokenise('t', 'a\n\n')).toEqual(['a', EOS, EOS]);
  });

  it('keeps <unk> as a word and splits on Unicode spaces as Python does', () => {
    expect(tokenise('t', ' <unk> a\u00a0b\u3000c ')).toEqual([
      UNK,
      'a',
      'b',
      'c',
      EOS,
    ]);
  });

  it('refuses a file with no words, naming it', () => {
    expect(() => tokenise('ptb.valid.txt', '')).toThrow(
      /^ptb\.valid\.txt: the file is empty/,
    );
    expect(() => tokenise('ptb.valid.txt', ' \n\r\n\t\n')).toThrow(
      /^ptb\.valid\.txt: holds no words \(3 blank lines\)/,
    );
    expect(() => tokenise('ptb.valid.txt', ' ')).toThrow(
      /^ptb\.valid\.txt: holds no words \(1 blank line\)/,
    );
  });
});

describe('buildVocabulary and encode', () => {
  it('numbers words in order of first appearance', () => {
    const tokens = tokenise('ptb.train.txt', 'the cat sat\nthe dog sat down\n');
    const vocab = buildVocabulary(tokens);
    expect(vocab).toEqual(['the', 'cat', 'sat', EOS, 'dog', 'down']);
    expect([...encode('ptb.train.txt', tokens, vocab)]).toEqual([
      0, 1, 2, 3, 0, 4, 2, 5, 3,
    ]);
  });

  it('counts types and tokens of a generated corpus', () => {
    const tokens = tokenise('ptb.train.txt', generated(100));
    const vocab = buildVocabulary(tokens);
    expect(tokens).toHaveLength(400);
    expect(tokens.filter((t) => t === EOS)).toHaveLength(100);
    // 7i + 3j mod 37 reaches every residue: 37 words and <eos>.
    expect(vocab).toHaveLength(38);
    expect(vocab.slice(0, 5)).toEqual(['w0', EOS, 'w7', 'w10', 'w14']);
  });

  it('refuses words missing from the vocabulary, saying how many and which', () => {
    const vocab = buildVocabulary(tokenise('ptb.train.txt', 'a b c\n'));
    const text = 'a x y\nx z b\n';
    expect(() => ids('ptb.valid.txt', text, vocab)).toThrow(PtbFileError);
    expect(() => ids('ptb.valid.txt', text, vocab)).toThrow(
      'ptb.valid.txt: 3 distinct words (4 tokens) not in the training ' +
        'file\'s vocabulary: "x", "y", "z".',
    );
  });

  it('lists only the first ten missing words', () => {
    const vocab = buildVocabulary(['a', EOS]);
    const words = Array.from({ length: 12 }, (_, i) => `m${i}`);
    expect(() => encode('test.txt', words, vocab)).toThrow(
      /^test\.txt: 12 distinct words \(12 tokens\) .*"m9", … \(2 more\)\./,
    );
  });
});

describe('decodePtbBytes and loadPtbFiles errors', () => {
  const train = 'a b c\nb c d\n';

  function load(files: PtbInput[]) {
    return loadPtbFiles(files);
  }

  it('refuses an empty file, naming it', () => {
    expect(() =>
      decodePtbBytes('data/ptb.train.txt', new Uint8Array()),
    ).toThrow(/^ptb\.train\.txt: the file is empty \(0 bytes\)/);
  });

  it('refuses an HTML page saved under a PTB name', () => {
    const page = '\n  <!DOCTYPE html>\n<html><head><title>404</title>';
    const { corpus, reports, error } = load([
      { name: 'ptb.train.txt', bytes: encoder.encode(page) },
      { name: 'ptb.valid.txt', text: train },
    ]);
    expect(corpus).toBeNull();
    expect(reports[0].ok).toBe(false);
    expect(reports[0].error).toMatch(
      /^ptb\.train\.txt: looks like a web page \(it starts with "<!DOCTYPE html> <htm"\)/,
    );
    expect(error).toMatch(/^ptb\.train\.txt was rejected \(see its line\)/);
  });

  it('refuses binary data: NUL bytes, invalid UTF-8, gzip, UTF-16', () => {
    const cases: Array<[Uint8Array, RegExp]> = [
      [new Uint8Array([97, 32, 0, 98, 10]), /binary data.*control character 2/],
      [
        new Uint8Array([97, 0xc3, 0x28, 10]),
        /binary data.*4 bytes, not valid UTF-8/,
      ],
      [new Uint8Array([0x1f, 0x8b, 8, 0]), /gzip-compressed; unpack it/],
      [new Uint8Array([0xff, 0xfe, 97, 0]), /UTF-16 text; save it as UTF-8/],
    ];
    for (const [bytes, pattern] of cases) {
      const { reports } = load([{ name: 'ptb.test.txt', bytes }]);
      expect(reports[0].error).toMatch(/^ptb\.test\.txt: /);
      expect(reports[0].error).toMatch(pattern);
    }
  });

  it('rejects a validation file with words outside the training vocabulary', () => {
    const { corpus, reports, error } = load([
      { name: 'ptb.train.txt', text: train },
      { name: 'ptb.valid.txt', text: 'a e\n' },
      { name: 'ptb.test.txt', text: 'd\n' },
    ]);
    expect(corpus).toBeNull();
    expect(reports.map((r) => r.ok)).toEqual([true, false, true]);
    expect(reports[1].error).toMatch(
      /^ptb\.valid\.txt: 1 distinct word \(1 token\) .*"e"/,
    );
    expect(reports[1].tokens).toBeUndefined();
    expect(error).toMatch(/architecture batches/);
  });

  it('says the validation file is missing, since search batches come from it', () => {
    const { corpus, error } = load([{ name: 'ptb.train.txt', text: train }]);
    expect(corpus).toBeNull();
    expect(error).toMatch(/^ptb\.valid\.txt is missing: search takes/);
  });

  it('rejects a second file for a split, an unknown name and the char-level PTB', () => {
    const { corpus, reports } = load([
      { name: 'penn/train.txt', text: train },
      { name: 'ptb.train.txt', text: train },
      { name: 'ptb.valid.txt', text: train },
      { name: 'README', text: 'x' },
      { name: 'ptb.char.train.txt', text: 'a _ b' },
    ]);
    expect(corpus).not.toBeNull();
    expect(reports.map((r) => r.ok)).toEqual([true, false, true, false, false]);
    expect(reports[1].error).toBe(
      'ptb.train.txt: the train split is already loaded from penn/train.txt; ' +
        'this copy is ignored — drop each split once',
    );
    expect(reports[3].error).toMatch(/^README: not a PTB file name/);
    expect(reports[4].error).toMatch(/character-level PTB/);
  });

  it('keeps a good copy dropped after a refused one', () => {
    const { corpus, reports } = load([
      { name: 'ptb.train.txt', bytes: new Uint8Array() },
      { name: 'penn/train.txt', text: train },
      { name: 'ptb.valid.txt', text: train },
    ]);
    expect(reports.map((r) => r.ok)).toEqual([false, true, true]);
    expect(corpus!.vocab).toEqual(['a', 'b', 'c', EOS, 'd']);
  });

  it('reads bytes and text alike and reports counts per file', () => {
    const { corpus, reports, error } = load([
      { name: 'ptb.valid.txt', bytes: encoder.encode('\uFEFFc d\r\nd a') },
      { name: 'ptb.train.txt', bytes: encoder.encode(train) },
    ]);
    expect(error).toBeNull();
    expect(corpus!.vocab).toEqual(['a', 'b', 'c', EOS, 'd']);
    expect([...corpus!.train]).toEqual([0, 1, 2, 3, 1, 2, 4, 3]);
    expect([...corpus!.valid]).toEqual([2, 4, 3, 4, 0, 3]);
    expect(corpus!.test).toBeNull();
    expect(reports).toEqual([
      { file: 'ptb.valid.txt', ok: true, role: 'valid', tokens: 6, lines: 2 },
      {
        file: 'ptb.train.txt',
        ok: true,
        role: 'train',
        tokens: 8,
        lines: 2,
        types: 5,
      },
    ]);
  });
});

describe('batchify and getBatch', () => {
  const ids = Int32Array.from({ length: 20 }, (_, i) => i);

  it('lays column b out as the b-th contiguous slice, dropping the tail', () => {
    const source = batchify(ids.subarray(0, 11), 3);
    expect(source.steps).toBe(3);
    expect([...source.data]).toEqual([0, 3, 6, 1, 4, 7, 2, 5, 8]);
  });

  it('refuses a stream too short for one input and target row', () => {
    expect(() => batchify(ids, 11)).toThrow(
      /^batchify: 20 tokens in columns of batch size 11 make 1 rows/,
    );
  });

  it('returns rows [i, i+len) and the next rows as targets', () => {
    const source = batchify(ids, 2); // row t holds [t, 10 + t]
    const chunk = getBatch(source, 0, 3);
    expect(chunk.seqLen).toBe(3);
    expect([...chunk.x]).toEqual([0, 10, 1, 11, 2, 12]);
    expect([...chunk.y]).toEqual([1, 11, 2, 12, 3, 13]);
  });

  it('shortens the last chunk to min(seqLen, steps - 1 - i)', () => {
    const source = batchify(ids, 2);
    const chunk = getBatch(source, 7, BPTT);
    expect(chunk.seqLen).toBe(2);
    expect([...chunk.x]).toEqual([7, 17, 8, 18]);
    expect([...chunk.y]).toEqual([8, 18, 9, 19]);
    expect(() => getBatch(source, 9, BPTT)).toThrow(/^getBatch: row 9/);
  });

  it('takes the architecture chunk at i mod (steps - 1)', () => {
    const source = batchify(ids, 2);
    const chunk = archBatch(source, 20);
    expect(chunk.seqLen).toBe(7); // from row 20 % 9 = 2 to row 8
    expect(chunk.x[0]).toBe(2);
  });
});

describe('sequence lengths', () => {
  it('searchSeqLen is 35, or int(17.5) = 17 when U >= 0.95', () => {
    expect(searchSeqLen(fixedRng(0.94))).toBe(35);
    expect(searchSeqLen(fixedRng(0.95))).toBe(17);
    const rng = new Rng(3);
    let short = 0;
    for (let i = 0; i < 20000; i++) if (searchSeqLen(rng) === 17) short++;
    expect(short / 20000).toBeCloseTo(0.05, 2);
  });

  it('trainSeqLen is max(5, int(N(bptt, 5))) capped at 55', () => {
    expect(trainSeqLen(fixedRng(0.5, 0))).toBe(35);
    expect(trainSeqLen(fixedRng(0.5, -0.3))).toBe(33); // 33.5 truncates
    expect(trainSeqLen(fixedRng(0.99, 0.39))).toBe(19); // 17.5 + 1.95
    expect(trainSeqLen(fixedRng(0.99, -2.6))).toBe(5); // 4.5 → 4 → 5
    expect(trainSeqLen(fixedRng(0.5, 10))).toBe(55);
  });
});

describe('PtbSampler', () => {
  it('steps while i < steps - 2 and starts each epoch at row 0', () => {
    const sampler = new PtbSampler(72, new Rng(1), () => 35);
    const chunks = [1, 2, 3].map(() => sampler.next());
    expect(chunks.map((c) => [c.epoch, c.start, c.last])).toEqual([
      [0, 0, false],
      [0, 35, true],
      [1, 0, false],
    ]);
    expect(chunks[0].lrScale).toBe(1);
  });

  it('scales the lr by the drawn length over bptt', () => {
    const sampler = new PtbSampler(100, fixedRng(0.99));
    expect(sampler.next()).toMatchObject({ seqLen: 17, lrScale: 17 / 35 });
  });

  it('replays the same chunks from a saved position', () => {
    const sampler = new PtbSampler(150, new Rng(3), trainSeqLen);
    for (let i = 0; i < 7; i++) sampler.next();
    const saved = JSON.parse(JSON.stringify(sampler.position));
    const after = Array.from({ length: 10 }, () => sampler.next());

    const again = new PtbSampler(150, new Rng(99), trainSeqLen);
    again.restore(saved);
    expect(Array.from({ length: 10 }, () => again.next())).toEqual(after);
    expect(() => again.restore({ ...saved, cursor: 148 })).toThrow(
      /^PtbSampler\.restore: row 148 is outside a stream of 150 rows/,
    );
  });
});

describe('the embedded demo corpus', () => {
  it('loads without error, with 2,000 types', () => {
    const files = ['ptb.train.txt', 'ptb.valid.txt', 'ptb.test.txt'].map(
      (name) => ({
        name,
        bytes: readFileSync(
          new URL(`../../public/demo-ptb/${name}`, import.meta.url),
        ),
      }),
    );
    const { corpus, reports, error } = loadPtbFiles(files);
    expect(error).toBeNull();
    expect(reports.every((r) => r.ok)).toBe(true);
    expect(corpus!.vocab).toHaveLength(2000);
    expect(corpus!.vocab).toContain(UNK);
    expect(reports.map((r) => [r.file, r.lines, r.tokens])).toEqual([
      ['ptb.train.txt', 4720, 113025],
      ['ptb.valid.txt', 433, 9868],
      ['ptb.test.txt', 464, 9953],
    ]);
    // Search batches valid by 256 columns, as train_search.py: enough rows to step.
    expect(batchify(corpus!.valid, 256).steps).toBe(38);
    expect(batchify(corpus!.train, 256).steps).toBe(441);
  });
});
