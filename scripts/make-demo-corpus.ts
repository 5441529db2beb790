/**
 * Build the embedded PTB-format demo corpus in public/demo-ptb/ from the King
 * James Version of the Bible (1611, public domain), as Debian's bible-kjv
 * package prints it: one verse per line, `Mat1:1 The book of …`.
 *
 * Splits by book, fixed: the four gospels and Acts train, Romans is the
 * validation split, 1 Corinthians the test split. Prepared the Mikolov PTB
 * way: one sentence per line, lowercase, punctuation removed, `'s` split off
 * as its own token, numbers as `N`, and only the 1,998 most frequent training
 * words kept (with `<unk>` and `<eos>`, 2,000 types); every other word, in
 * all three splits, becomes `<unk>`.
 *
 * Usage: npm run demo-corpus [-- verses.txt]
 * Without a file it runs `bible -f mat1:1-1cor16:24` (apt-get install bible-kjv).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatCount } from '../src/data/cifar';
import { EOS, UNK, loadPtbFiles } from '../src/data/ptb';

const OUT = fileURLToPath(new URL('../public/demo-ptb/', import.meta.url));
const VERSES = 'mat1:1-1cor16:24';

/** Vocabulary size of the demo, `<unk>` and `<eos>` included. */
const TYPES = 2000;

/** Books per split, by the reference prefix bible-kjv prints. */
const SPLITS = {
  train: ['Mat', 'Mark', 'Luke', 'John', 'Acts'],
  valid: ['Rom'],
  test: ['1Cor'],
} as const;

type Split = keyof typeof SPLITS;

/** The verses' text, joined per book, from `bible -f` output. */
function readBooks(text: string): Map<string, string> {
  const books = new Map<string, string[]>();
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '') continue;
    const match = /^(\d?[A-Za-z]+)\d+:\d+ (.*)$/.exec(line);
    if (!match) {
      throw new Error(
        `make-demo-corpus: "${line.slice(0, 40)}" is not a verse line of ` +
          '`bible -f` output (Book1:1 text)',
      );
    }
    const [, book, verse] = match;
    if (!books.has(book)) books.set(book, []);
    books.get(book)!.push(verse);
  }
  return new Map([...books].map(([book, verses]) => [book, verses.join(' ')]));
}

/** One book's text as PTB sentences: arrays of lowercase words. */
function sentences(text: string): string[][] {
  // A sentence ends at . ? or ! (a closing bracket may follow); verses run on.
  return text
    .split(/(?<=[.?!][)]?)\s+/)
    .map(words)
    .filter((sentence) => sentence.length > 0);
}

/** The words of a sentence, PTB style. */
function words(sentence: string): string[] {
  return sentence
    .toLowerCase()
    .replace(/'s\b/g, " 's")
    .replace(/[^a-z0-9' -]+/g, ' ')
    .split(/\s+/)
    .map((word) => word.replace(/^[-']+|[-']+$/g, ''))
    .map((word) => (word === 's' ? "'s" : word))
    .filter((word) => word !== '')
    .map((word) => (/\d/.test(word) ? 'N' : word));
}

/** The TYPES - 2 most frequent training words; ties go to the earlier word. */
function keptWords(train: string[][]): Set<string> {
  const counts = new Map<string, number>();
  for (const sentence of train) {
    for (const word of sentence) counts.set(word, (counts.get(word) ?? 0) + 1);
  }
  // Map order is first appearance, and sort is stable.
  const ranked = [...counts].sort((a, b) => b[1] - a[1]);
  return new Set(ranked.slice(0, TYPES - 2).map(([word]) => word));
}

function render(split: string[][], kept: Set<string>): string {
  return split
    .map((s) => s.map((w) => (kept.has(w) ? w : UNK)).join(' ') + '\n')
    .join('');
}

function readSource(): { text: string; from: string } {
  const path = process.argv[2];
  if (path) return { text: readFileSync(path, 'utf8'), from: path };
  try {
    const text = execFileSync('bible', ['-f', VERSES], {
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    });
    return { text, from: `bible -f ${VERSES}` };
  } catch {
    throw new Error(
      'make-demo-corpus: could not run `bible` (Debian package bible-kjv); ' +
        'install it with apt-get install bible-kjv, or pass the output of ' +
        `\`bible -f ${VERSES}\` as a file: npm run demo-corpus -- verses.txt`,
    );
  }
}

function main(): void {
  const { text, from } = readSource();
  const books = readBooks(text);
  const split = {} as Record<Split, string[][]>;
  for (const name of Object.keys(SPLITS) as Split[]) {
    split[name] = SPLITS[name].flatMap((book) => {
      const body = books.get(book);
      if (body === undefined) {
        throw new Error(
          `make-demo-corpus: ${from} has no verses of ${book}; it needs ` +
            `${VERSES}`,
        );
      }
      return sentences(body);
    });
  }
  const kept = keptWords(split.train);

  mkdirSync(OUT, { recursive: true });
  const files = (Object.keys(SPLITS) as Split[]).map((name) => {
    const body = render(split[name], kept);
    writeFileSync(join(OUT, `ptb.${name}.txt`), body);
    return { name: `ptb.${name}.txt`, text: body };
  });

  // Read the files back with the app's own loader, so a bad corpus fails here.
  const { corpus, reports, error } = loadPtbFiles(files);
  if (!corpus) throw new Error(`make-demo-corpus: ${error}`);
  const unk = (ids: Int32Array) =>
    ids.filter((id) => corpus.vocab[id] === UNK).length;
  const lines = reports.map(
    (r) =>
      `| ${r.file} | ${r.role} | ${SPLITS[r.role as Split].join(', ')} | ` +
      `${formatCount(r.lines!)} | ${formatCount(r.tokens!)} |`,
  );
  const stats = [
    '| File | Split | Books | Sentences | Tokens (with `<eos>`) |',
    '|---|---|---|---|---|',
    ...lines,
  ].join('\n');
  writeFileSync(join(OUT, 'README.md'), readme(stats, corpus.vocab.length));

  console.log(stats);
  console.log(
    `vocabulary ${corpus.vocab.length} types (${EOS} and ${UNK} ` +
      `included); <unk> tokens: train ${unk(corpus.train)}, valid ` +
      `${unk(corpus.valid)}, test ${unk(corpus.test!)}`,
  );
}

function readme(stats: string, types: number): string {
  return `# Demo corpus (PTB format)

The word-level demo corpus the recurrent search runs on when no PTB files are
dropped. Same format as Mikolov's Penn Treebank files: one sentence per line,
lowercase words separated by spaces, punctuation removed, numbers as \`N\`,
rare words as \`<unk>\`. The reader adds \`<eos>\` after each line.

## Source and licence

The text is the King James Version of the Bible (1611), from Debian's
\`bible-kjv-text\` package, version 4.38, as \`bible -f ${VERSES}\`
(Debian's \`bible-kjv\`) prints it, one verse per line. It is in the public
domain in most of the world; Debian's copyright file for the package says
its copyright has expired. The one exception is the United Kingdom, where
printing the KJV is still restricted by the Crown's letters patent. The
preparation below adds nothing that could be protected.

## Preparation

Made by \`npm run demo-corpus\` (scripts/make-demo-corpus.ts); running it
again rebuilds these files byte for byte.

* Splits by book: Matthew, Mark, Luke, John and Acts train; Romans is the
  validation split; 1 Corinthians the test split.
* Sentences end at \`.\`, \`?\` or \`!\`, across verse boundaries.
* Lowercased; \`'s\` split off as its own token; other punctuation removed.
* The ${formatCount(types - 2)} most frequent training words are kept; any other word, in
  all three splits, is \`<unk>\`. The vocabulary is thus ${formatCount(types)} types
  with \`<unk>\` and \`<eos>\`, and every validation and test word is in it.

${stats}
`;
}

main();
