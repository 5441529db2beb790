import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseGenotypeJson } from '../src/core/genotypeJson';
import {
  syntheticImageSet,
  cifarBatchBytes,
} from '../src/testing/syntheticCifar';

const root = join(import.meta.dirname, '..');

function runner(args: string[]) {
  return spawnSync(
    process.execPath,
    ['--import', 'tsx', 'scripts/search.ts', ...args],
    { cwd: root, encoding: 'utf8', timeout: 120_000 },
  );
}

describe('the command-line runner', () => {
  it('names the option and the fix for bad settings, before loading anything', () => {
    const r = runner(['--channels', '0', '--layers', '1']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--channels: .*at least 1; got 0/);
    expect(r.stderr).toMatch(/--layers: .*at least 3; got 1/);
  });

  it('refuses an --out folder that does not exist before searching', () => {
    const r = runner(['--out', '/nonexistent-folder/g.json']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--out: cannot write');
  });

  it('stops on a rejected data file instead of searching part of the data', () => {
    const dir = mkdtempSync(join(tmpdir(), 'darts-cli-'));
    writeFileSync(
      join(dir, 'data_batch_1.bin'),
      cifarBatchBytes(syntheticImageSet(16)),
    );
    writeFileSync(
      join(dir, 'data_batch_2.bin'),
      '<!DOCTYPE html><html></html>',
    );
    const r = runner(['--data', dir]);
    expect(r.status).toBe(2);
    expect(r.stdout).toMatch(/data_batch_2.bin: rejected: .*web page/);
    expect(r.stderr).toContain('data_batch_2.bin rejected');
  });

  it('searches, prints its fixed-format lines and writes a genotype that imports back', () => {
    const dir = mkdtempSync(join(tmpdir(), 'darts-cli-'));
    const data = join(dir, 'data_batch_1.bin');
    const out = join(dir, 'genotype.json');
    writeFileSync(data, cifarBatchBytes(syntheticImageSet(16)));

    const r = runner([
      '--data',
      data,
      '--channels',
      '2',
      '--layers',
      '3',
      '--batch',
      '4',
      '--epochs',
      '1',
      '--every',
      '1',
      '--out',
      out,
    ]);

    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(
      /^epoch +0 step +2\/2 train_loss \d+\.\d{4} train_acc [\d.]+ arch_loss \d+\.\d{4} arch_acc [\d.]+ lr 2\.5000e-2 img\/s [\d.]+ ms\/step \d+$/m,
    );
    expect(r.stdout).toMatch(
      /^epoch 0 lr 2\.500000e-2 genotype = Genotype\(normal=\[/m,
    );
    const parsed = parseGenotypeJson(readFileSync(out, 'utf8'), out);
    expect(parsed.genotype.normal).toHaveLength(8);
    expect(parsed.run?.step).toBe(2);
    expect(parsed.run?.dataset.trainImages).toBe(16);
  });
});
