/**
 * What the recurrent runners share: reading PTB text files from paths, with
 * one report line per file, and the embedded demo corpus as the default.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { loadPtbFiles, type PtbCorpus } from '../src/data/ptb';
import { usageError } from './cli';
import { listFiles } from './files';

export const DEMO_CORPUS = [
  'ptb.train.txt',
  'ptb.valid.txt',
  'ptb.test.txt',
].map((f) => `public/demo-ptb/${f}`);

/** Loads ptb.*.txt from files or folders; exits naming the fault. */
export function loadPtbOrExit(tool: string, paths: string[]): PtbCorpus {
  let files: string[];
  try {
    files = listFiles(paths).filter((f) => f.toLowerCase().endsWith('.txt'));
  } catch (e) {
    return usageError(tool, (e as Error).message);
  }
  const { corpus, reports, error } = loadPtbFiles(
    files.map((f) => ({ name: basename(f), bytes: readFileSync(f) })),
  );
  for (const r of reports) {
    const what = r.ok
      ? `${r.role}, ${r.tokens} tokens` +
        (r.types === undefined ? '' : `, ${r.types} types`)
      : `rejected: ${r.error}`;
    process.stdout.write(`data ${r.file}: ${what}\n`);
  }
  if (!corpus) return usageError(tool, error ?? 'no usable corpus');
  const bad = reports.filter((r) => !r.ok);
  if (bad.length > 0) {
    usageError(
      tool,
      `${bad.map((r) => r.file).join(', ')} rejected (see above); fix or leave out, then run again`,
    );
  }
  process.stdout.write(
    `corpus: vocabulary ${corpus.vocab.length}, train ${corpus.train.length} ` +
      `tokens, valid ${corpus.valid.length}, test ${corpus.test?.length ?? 0}\n`,
  );
  return corpus;
}

/** Removes `--space X` / `--space=X` from argv and returns X ('cnn' if absent). */
export function takeSpace(argv: string[]): string {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--space') {
      const value = argv[i + 1] ?? '';
      argv.splice(i, 2);
      return value;
    }
    if (a.startsWith('--space=')) {
      argv.splice(i, 1);
      return a.slice('--space='.length);
    }
  }
  return 'cnn';
}

/**
 * The options both recurrent runners take (search and retrain), spread
 * into each one's own; defaults that differ (--out) stay with the runner.
 */
export const RNN_RUN_OPTIONS = {
  data: { type: 'string', multiple: true },
  preset: { type: 'string', default: 'Demo' },
  hidden: { type: 'string' },
  batch: { type: 'string' },
  bptt: { type: 'string' },
  epochs: { type: 'string' },
  seed: { type: 'string' },
  lr: { type: 'string' },
  'max-tokens': { type: 'string' },
  every: { type: 'string' },
  backend: { type: 'string', default: 'wasm' },
  help: { type: 'boolean', default: false },
} as const;
