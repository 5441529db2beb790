import { formatCount } from './cifar';

/** The end-of-sentence token added after every line, as the reference's Corpus does. */
export const EOS = '<eos>';

/** The rare-word token of the Mikolov PTB files (already in the text, never added here). */
export const UNK = '<unk>';

/** Which split a PTB file holds, decided from its name. */
export type PtbRole = 'train' | 'valid' | 'test';

/** A dropped PTB file: its raw bytes, or text already decoded. */
export interface PtbInput {
  name: string;
  bytes?: Uint8Array;
  text?: string;
}

/** One line of the load report: a file accepted (with its counts) or rejected (with why). */
export interface PtbFileReport {
  file: string;
  ok: boolean;
  role?: PtbRole;
  /** Tokens including one `<eos>` per line. */
  tokens?: number;
  /** Lines, i.e. sentences. */
  lines?: number;
  /** Distinct words: the vocabulary size for the training file. */
  types?: number;
  /** Why the file was rejected, naming the fault and what to do. */
  error?: string;
}

/** The token streams a language-model run uses, as ids into `vocab`. */
export interface PtbCorpus {
  /** Words by id, in order of first appearance in the training file. */
  vocab: string[];
  train: Int32Array;
  /** The architecture split during search, as in train_search.py. */
  valid: Int32Array;
  /** Null when no test file was given; never used for search. */
  test: Int32Array | null;
}

/** A PTB file that cannot be used; the message names the file and the fix. */
export class PtbFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PtbFileError';
  }
}

const ADVICE =
  'use ptb.train.txt, ptb.valid.txt and ptb.test.txt from the data ' +
  "folder of Mikolov's simple-examples.tgz (or train.txt, valid.txt, " +
  "test.txt from DARTS's data/penn)";

// Python's str.split() whitespace (which JS \s differs from: it lacks
// \x1c-\x1f and \x85 and has \ufeff), so a word splits as the reference's.
const WHITESPACE = /(?:[^\S\ufeff]|[\x1c-\x1f\x85])+/;

/** The name without folders: `simple-examples/data/ptb.train.txt` → `ptb.train.txt`. */
function baseName(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1];
}

/**
 * The split a file holds from its name: Mikolov's `ptb.train.txt` and the
 * `train.txt` of DARTS's data/penn are both accepted; null for any other name.
 */
export function classifyPtbName(name: string): PtbRole | null {
  const match = /^(?:ptb\.)?(train|valid|test)\.txt$/.exec(
    baseName(name).toLowerCase(),
  );
  return match ? (match[1] as PtbRole) : null;
}

/** Why a file with an unrecognised name was rejected, naming the names that are accepted. */
export function unknownPtbNameMessage(name: string): string {
  const base = baseName(name);
  const expected =
    'expected ptb.train.txt, ptb.valid.txt or ptb.test.txt ' +
    '(or train.txt, valid.txt, test.txt)';
  if (/^ptb\.char\./i.test(base)) {
    return (
      `${base}: this is the character-level PTB; this studio models ` +
      `words — ${expected}`
    );
  }
  const trimmed = base.trim();
  if (trimmed !== base && classifyPtbName(trimmed)) {
    return (
      `"${base}": the name has spaces around it; rename the file to ` +
      `"${trimmed}" and drop it again`
    );
  }
  return `${base}: not a PTB file name; ${expected}`;
}

/**
 * Split a PTB text into tokens as the reference's Corpus.tokenize does: each
 * line's whitespace-separated words, then `<eos>`. A blank line gives a lone
 * `<eos>`; a final newline ends the last line rather than starting another.
 *
 * Porting note: the reference reads with Python's universal newlines; we also
 * drop a byte-order mark, which Python would keep as part of the first word.
 */
export function tokenise(fileName: string, text: string): string[] {
  return splitPtbText(fileName, text).tokens;
}

/** tokenise's tokens and the number of lines they came from. */
function splitPtbText(
  fileName: string,
  text: string,
): { tokens: string[]; lines: number } {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const lines = body.split(/\r\n|\r|\n/);
  if (lines[lines.length - 1] === '') lines.pop();

  const tokens: string[] = [];
  for (const line of lines) {
    for (const word of line.split(WHITESPACE)) {
      if (word !== '') tokens.push(word);
    }
    tokens.push(EOS);
  }
  if (tokens.length === lines.length) {
    const what =
      lines.length === 0
        ? 'the file is empty'
        : `holds no words (${plural(lines.length, 'blank line')})`;
    throw new PtbFileError(`${baseName(fileName)}: ${what}; ${ADVICE}`);
  }
  return { tokens, lines: lines.length };
}

/**
 * The vocabulary of a training stream: ids in order of first appearance, as
 * the reference's incremental Dictionary gives.
 *
 * Porting note: the reference adds valid and test words too; we refuse them
 * (see encode) so ids match the reference whenever its run was well defined.
 */
export function buildVocabulary(trainTokens: readonly string[]): string[] {
  const seen = new Set<string>();
  const vocab: string[] = [];
  for (const word of trainTokens) {
    if (seen.has(word)) continue;
    seen.add(word);
    vocab.push(word);
  }
  return vocab;
}

/** Ids of `tokens` in `vocab`; throws naming the words the vocabulary lacks. */
export function encode(
  fileName: string,
  tokens: readonly string[],
  vocab: readonly string[],
): Int32Array {
  const ids = new Map<string, number>();
  vocab.forEach((word, id) => ids.set(word, id));
  const out = new Int32Array(tokens.length);
  const missing = new Map<string, number>();
  tokens.forEach((word, i) => {
    const id = ids.get(word);
    if (id === undefined) missing.set(word, (missing.get(word) ?? 0) + 1);
    else out[i] = id;
  });
  if (missing.size === 0) return out;

  const uses = [...missing.values()].reduce((sum, n) => sum + n, 0);
  const shown = [...missing.keys()].slice(0, 10).map((w) => `"${w}"`);
  const more = missing.size > 10 ? `, … (${missing.size - 10} more)` : '';
  throw new PtbFileError(
    `${baseName(fileName)}: ${plural(missing.size, 'distinct word')} ` +
      `(${plural(uses, 'token')}) not in the training file's ` +
      `vocabulary: ${shown.join(', ')}${more}. The vocabulary comes from ` +
      'the training file alone; use the valid and test files that came ' +
      'with it (PTB maps rare words to <unk> in all three)',
  );
}

/**
 * Decode a PTB file's bytes, refusing what a failed download or a wrong file
 * leaves under a PTB name: nothing, compressed or binary data.
 */
export function decodePtbBytes(fileName: string, bytes: Uint8Array): string {
  const name = baseName(fileName);
  if (bytes.length === 0) {
    throw new PtbFileError(`${name}: the file is empty (0 bytes); ${ADVICE}`);
  }
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    throw new PtbFileError(
      `${name}: is gzip-compressed; unpack it (simple-examples.tgz holds ` +
        'the plain-text files in its data folder) and drop the .txt files',
    );
  }
  if (
    (bytes[0] === 0xff && bytes[1] === 0xfe) ||
    (bytes[0] === 0xfe && bytes[1] === 0xff)
  ) {
    throw new PtbFileError(
      `${name}: is UTF-16 text; save it as UTF-8 (or plain ASCII, as the ` +
        'PTB files are) and drop it again',
    );
  }

  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const where = `${formatCount(bytes.length)} bytes, not valid UTF-8`;
    throw new PtbFileError(binaryMessage(name, where));
  }
}

/**
 * Tokens and line count of a PTB text, refusing binary data or a web page
 * saved under the name before splitting words.
 */
export function readPtbText(
  fileName: string,
  text: string,
): { tokens: string[]; lines: number } {
  const name = baseName(fileName);
  const control = firstControlChar(text);
  if (control >= 0) {
    const where = `control character ${formatCount(control)}`;
    throw new PtbFileError(binaryMessage(name, where));
  }
  const head = text
    .replace(/^\uFEFF/, '')
    .trimStart()
    .slice(0, 200);
  if (/^(<!doctype html|<html|<head|<body|<\?xml|<!--|\{")/i.test(head)) {
    const start = head.replace(/\s+/g, ' ').slice(0, 20);
    throw new PtbFileError(
      `${name}: looks like a web page (it starts with "${start}"), not ` +
        "PTB text — probably a failed download saved under the data file's " +
        `name; ${ADVICE}`,
    );
  }
  return splitPtbText(name, text);
}

/**
 * Read dropped PTB files into id streams, with one report per file; a bad
 * file never stops the others. `corpus` is null, and `error` says why, when
 * the training or validation split is missing or unusable. The first file
 * for each split is kept; a second is rejected naming the first.
 */
export function loadPtbFiles(files: readonly PtbInput[]): {
  corpus: PtbCorpus | null;
  reports: PtbFileReport[];
  error: string | null;
} {
  const reports: PtbFileReport[] = [];
  const parsed = new Map<PtbRole, ParsedPtb>();
  // Splits whose file was refused: the summary then points at its line.
  const refused = new Map<PtbRole, string>();

  for (const file of files) {
    const role = classifyPtbName(file.name);
    if (role === null) {
      reports.push({
        file: file.name,
        ok: false,
        error: unknownPtbNameMessage(file.name),
      });
      continue;
    }
    // A copy after a refused file may be the good one, so only a kept file blocks it.
    const earlier = parsed.get(role)?.report.file;
    if (earlier !== undefined) {
      reports.push({
        file: file.name,
        ok: false,
        role,
        error:
          `${baseName(file.name)}: the ${role} split is already loaded from ` +
          `${earlier}; this copy is ignored — drop each split once`,
      });
      continue;
    }
    try {
      const text =
        file.text ?? decodePtbBytes(file.name, file.bytes ?? new Uint8Array());
      const { tokens, lines } = readPtbText(file.name, text);
      const report: PtbFileReport = {
        file: file.name,
        ok: true,
        role,
        tokens: tokens.length,
        lines,
      };
      parsed.set(role, { report, tokens });
      reports.push(report);
    } catch (error) {
      refused.set(role, file.name);
      reports.push({ file: file.name, ok: false, role, error: message(error) });
    }
  }

  const train = parsed.get('train');
  if (!train) {
    return { corpus: null, reports, error: missingMessage('train', refused) };
  }
  const vocab = buildVocabulary(train.tokens);
  train.report.types = vocab.length;

  // A valid or test word outside the training vocabulary rejects that file.
  const ids = new Map<PtbRole, Int32Array>();
  for (const [role, { report, tokens }] of parsed) {
    try {
      ids.set(role, encode(report.file, tokens, vocab));
    } catch (error) {
      refused.set(role, report.file);
      Object.assign(report, { ok: false, error: message(error) });
      delete report.tokens;
      delete report.lines;
    }
  }
  const valid = ids.get('valid');
  if (!valid) {
    return { corpus: null, reports, error: missingMessage('valid', refused) };
  }

  return {
    corpus: {
      vocab,
      train: ids.get('train')!,
      valid,
      test: ids.get('test') ?? null,
    },
    reports,
    error: null,
  };
}

interface ParsedPtb {
  report: PtbFileReport;
  tokens: string[];
}

/** Why the corpus could not be built for lack of a training or validation split. */
function missingMessage(role: PtbRole, refused: Map<PtbRole, string>): string {
  const why =
    role === 'train'
      ? 'the vocabulary and the weight batches come from it'
      : 'search takes its architecture batches from the validation split';
  const file = refused.get(role);
  if (file !== undefined) {
    return `${baseName(file)} was rejected (see its line), and ${why}`;
  }
  return (
    `ptb.${role}.txt is missing: ${why} — drop ptb.train.txt and ` +
    'ptb.valid.txt together (ptb.test.txt is optional)'
  );
}

function binaryMessage(name: string, where: string): string {
  return (
    `${name}: binary data, not a text file (${where}); PTB files are ` +
    `plain text, one sentence per line — ${ADVICE}`
  );
}

function plural(n: number, noun: string): string {
  return `${formatCount(n)} ${noun}${n === 1 ? '' : 's'}`;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Index of the first control character other than tab, CR, LF, VT or form feed, or -1. */
function firstControlChar(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 0x20 && (c < 0x09 || c > 0x0d)) || c === 0x7f) return i;
  }
  return -1;
}
