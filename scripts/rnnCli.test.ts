import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  parseRnnGenotypeJson,
  parseRnnGenotypePython,
} from '../src/core/rnnGenotypeJson';

const root = join(import.meta.dirname, '..');

function npmRun(tool: 'search' | 'retrain', args: string[]) {
  return spawnSync(
    process.execPath,
    ['--import', 'tsx', 'scripts/entry.ts', tool, ...args],
    { cwd: root, encoding: 'utf8', timeout: 240_000 },
  );
}

/** A small PTB-format corpus: sentences over a 12-word vocabulary. */
function writeCorpus(dir: string): void {
  const words = 'the cat sat on a mat and dog ran to my house'.split(' ');
  const text = (lines: number, shift: number) =>
    Array.from({ length: lines }, (_, i) =>
      Array.from(
        { length: 6 },
        (_, j) => words[(i * 5 + j * 7 + shift) % 12],
      ).join(' '),
    ).join('\n') + '\n';
  writeFileSync(join(dir, 'ptb.train.txt'), text(300, 0));
  writeFileSync(join(dir, 'ptb.valid.txt'), text(60, 1));
  writeFileSync(join(dir, 'ptb.test.txt'), text(60, 2));
}

const tiny = [
  ...['--hidden', '8', '--batch', '4', '--bptt', '8', '--epochs', '1'],
  ...['--lr', '2'],
];

describe('the recurrent command-line runners', () => {
  it('refuses an unknown space and names a missing split', () => {
    const r = npmRun('search', ['--space', 'gru']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--space must be cnn or rnn');

    const dir = mkdtempSync(join(tmpdir(), 'darts-rnn-'));
    writeFileSync(join(dir, 'ptb.train.txt'), 'a b c\n');
    const s = npmRun('search', ['--space', 'rnn', '--data', dir]);
    expect(s.status).toBe(2);
    expect(s.stderr).toMatch(/ptb\.valid\.txt is missing/);
  });

  it('searches, writes a genotype, and retrains it to a test perplexity', () => {
    const dir = mkdtempSync(join(tmpdir(), 'darts-rnn-'));
    writeCorpus(dir);
    const out = join(dir, 'cell.json');
    const s = npmRun('search', [
      '--space=rnn',
      '--data',
      dir,
      ...tiny,
      '--out',
      out,
    ]);
    expect(s.status, s.stderr).toBe(0);
    expect(s.stdout).toMatch(
      /epoch 0 valid_ppl \d+\.\d\d genotype = Genotype\(recurrent=/,
    );
    const { genotype } = parseRnnGenotypeJson(readFileSync(out, 'utf8'), out);
    expect(genotype.recurrent).toHaveLength(8);

    const r = npmRun('retrain', [
      '--space',
      'rnn',
      '--genotype',
      out,
      '--data',
      dir,
      ...tiny,
      '--out',
      join(dir, 'retrain'),
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/test_ppl \d+\.\d\d/);
    const results = JSON.parse(
      readFileSync(join(dir, 'retrain', 'results.json'), 'utf8'),
    );
    expect(results.genotype).toEqual(genotype);
    expect(Number.isFinite(results.testPpl)).toBe(true);
    // 12 words + <eos>: far below the 13-way uniform perplexity is not
    // promised after one epoch, but the value must be a perplexity.
    expect(results.testPpl).toBeGreaterThan(1);
    const py = readFileSync(join(dir, 'retrain', 'genotype.py'), 'utf8');
    expect(parseRnnGenotypePython(py)).toEqual(genotype);
  });
});
