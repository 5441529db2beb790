import type { Rng } from '../core/random';
import { formatCount } from './cifar';

/** The end-of-sentence token added after every line, as the reference's Corpus does. */
export const EOS = '<eos>';

/** The rare-word token of the Mikolov PTB files (already in the text, never added here). */
export const UNK = '<unk>';

/** The sequence length of train_search.py and train.py (`--bptt`). */
export const BPTT = 35;

/** train.py's `--max_seq_len_delta`: the cap on a drawn sequence length is BPTT + this. */
export const MAX_SEQ_LEN_DELTA = 20;

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

/** A token stream cut into `batchSize` contiguous columns: [steps, batchSize] row-major. */
export interface BatchedTokens {
  data: Int32Array;
  /** Rows: floor(tokens / batchSize); the tail that does not fill a row is dropped. */
  steps: number;
  batchSize: number;
}

/** One chunk of a batched stream: inputs and next-token targets, each [seqLen, batchSize]. */
export interface TokenBatch {
  x: Int32Array;
  y: Int32Array;
  seqLen: number;
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

/**
 * Cut a token stream into `batchSize` contiguous columns as the reference's
 * batchify: drop the tail, then row t, column b holds token b * steps + t.
 */
export function batchify(ids: Int32Array, batchSize: number): BatchedTokens {
  const steps = Math.floor(ids.length / batchSize);
  if (!(Number.isInteger(batchSize) && batchSize >= 1) || steps < 2) {
    throw new PtbFileError(
      `batchify: ${formatCount(ids.length)} tokens in columns of batch ` +
        `size ${batchSize} make ${steps} rows; a batch needs at least 2 ` +
        '(an input row and its target) — use a smaller batch size or a ' +
        'larger corpus',
    );
  }

  // [steps, batchSize] row-major: the reference's view(bsz, -1).t().
  const data = new Int32Array(steps * batchSize);
  for (let b = 0; b < batchSize; b++) {
    for (let t = 0; t < steps; t++)
      data[t * batchSize + b] = ids[b * steps + t];
  }
  return { data, steps, batchSize };
}

/**
 * Rows [i, i + len) as inputs and [i + 1, i + 1 + len) as targets, where
 * len = min(seqLen, steps - 1 - i) as the reference's get_batch.
 */
export function getBatch(
  source: BatchedTokens,
  i: number,
  seqLen: number,
): TokenBatch {
  const len = Math.min(seqLen, source.steps - 1 - i);
  if (!(Number.isInteger(i) && i >= 0 && len >= 1)) {
    throw new PtbFileError(
      `getBatch: row ${i} with sequence length ${seqLen} gives no chunk ` +
        `of a stream of ${source.steps} rows; start below ${source.steps - 1}`,
    );
  }

  const width = source.batchSize;
  return {
    x: source.data.slice(i * width, (i + len) * width),
    y: source.data.slice((i + 1) * width, (i + 1 + len) * width),
    seqLen: len,
  };
}

/**
 * The architecture chunk for training position `i` during search:
 * get_batch(search_data, i % (rows - 1)) with the fixed bptt, as train_search.py.
 */
export function archBatch(
  source: BatchedTokens,
  i: number,
  bptt = BPTT,
): TokenBatch {
  return getBatch(source, i % (source.steps - 1), bptt);
}

/** train_search.py's sequence length: bptt, or int(bptt / 2) one time in 20; no noise. */
export function searchSeqLen(rng: Rng, bptt = BPTT): number {
  return rng.next() < 0.95 ? bptt : Math.trunc(bptt / 2);
}

/**
 * train.py's sequence length: around bptt (or bptt / 2 one time in 20) with
 * normal noise of sd 5, at least 5 and at most bptt + MAX_SEQ_LEN_DELTA.
 */
export function trainSeqLen(rng: Rng, bptt = BPTT): number {
  const centre = rng.next() < 0.95 ? bptt : bptt / 2;
  const drawn = Math.max(5, Math.trunc(centre + 5 * rng.normal()));
  return Math.min(drawn, bptt + MAX_SEQ_LEN_DELTA);
}

/** One step's chunk: where it starts, its drawn length and the lr factor seqLen / bptt. */
export interface PtbChunk {
  epoch: number;
  /** First row; 0 starts an epoch, where the reference re-initialises the hidden state. */
  start: number;
  /** The drawn length; getBatch shortens it at the end of the stream. */
  seqLen: number;
  /** The reference scales the lr by the drawn (not the shortened) length for this step. */
  lrScale: number;
  /** True for the epoch's final chunk, after which the reference validates. */
  last: boolean;
}

/** Where a PtbSampler stands, as plain numbers that survive JSON and structured clone. */
export interface PtbSamplerPosition {
  /** The epoch of the next chunk. */
  epoch: number;
  /** The next chunk's first row. */
  cursor: number;
  /** The sampler's rng state before the next draw. */
  rngState: number;
}

/**
 * Steps through one batched stream in variable-length chunks, epoch after
 * epoch: the loop `while i < rows - 2: seq_len = draw(); …; i += seq_len` of
 * train_search.py and train.py. The rng is the sampler's own.
 */
export class PtbSampler {
  private epochNumber = 0;
  private cursor = 0;

  constructor(
    private readonly steps: number,
    private readonly rng: Rng,
    private readonly draw: (rng: Rng, bptt: number) => number = searchSeqLen,
    private readonly bptt = BPTT,
  ) {
    if (!(steps > 2)) {
      throw new PtbFileError(
        `PtbSampler: a stream of ${steps} rows has no chunk to train on ` +
          '(the loop runs while the row is below rows - 2); use a smaller ' +
          'batch size or a larger corpus',
      );
    }
  }

  /** The next chunk; the one after an epoch's last chunk starts the next epoch at row 0. */
  next(): PtbChunk {
    const seqLen = this.draw(this.rng, this.bptt);
    const start = this.cursor;
    const epoch = this.epochNumber;
    this.cursor += seqLen;

    // Roll over now, so a saved position always lies inside an epoch.
    const last = this.cursor >= this.steps - 2;
    if (last) {
      this.epochNumber++;
      this.cursor = 0;
    }
    return { epoch, start, seqLen, lrScale: seqLen / this.bptt, last };
  }

  /** Where the sampler stands, to save with a run. */
  get position(): PtbSamplerPosition {
    return {
      epoch: this.epochNumber,
      cursor: this.cursor,
      rngState: this.rng.state,
    };
  }

  /** Return to a saved position. */
  restore(position: PtbSamplerPosition): void {
    const { cursor } = position;
    if (!(Number.isInteger(cursor) && cursor >= 0 && cursor < this.steps - 2)) {
      throw new PtbFileError(
        `PtbSampler.restore: row ${cursor} is outside a stream of ` +
          `${this.steps} rows; the saved run used a different corpus or ` +
          'batch size',
      );
    }
    this.epochNumber = position.epoch;
    this.cursor = cursor;
    this.rng.state = position.rngState;
  }
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
