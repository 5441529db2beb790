import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCellDot, parseCellSvg } from '../src/core/cellDrawing';
import {
  genotypeToPython,
  parseGenotypePython,
} from '../src/core/genotypePython';
import { decodeModelFiles } from '../src/core/modelFiles';
import { DARTS_V1, DARTS_V2 } from '../src/core/namedGenotypes';
import {
  cifarBatchBytes,
  syntheticImageSet,
} from '../src/testing/syntheticCifar';

const root = join(import.meta.dirname, '..');

function retrain(args: string[]) {
  return spawnSync(
    process.execPath,
    ['--import', 'tsx', 'scripts/retrain.ts', ...args],
    { cwd: root, encoding: 'utf8', timeout: 120_000 },
  );
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'darts-retrain-'));
}

describe('the command-line retrain', () => {
  it('names the option and the fix for bad settings, before loading anything', () => {
    const r = retrain([
      '--genotype',
      'DARTS_V2',
      '--channels',
      '0',
      '--layers',
      '1',
      '--drop-path',
      '1.5',
      '--data',
      '/nonexistent-data',
    ]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--channels: must be at least 1; got 0/);
    expect(r.stderr).toMatch(/--layers: must be at least 3; got 1/);
    expect(r.stderr).toMatch(/--drop-path: must be at most 0.9; got 1.5/);
    expect(r.stdout).not.toContain('data ');
  });

  it('names a flag that is not a number and a missing --genotype', () => {
    const notNumber = retrain(['--genotype', 'DARTS_V2', '--lr', 'fast']);
    expect(notNumber.status).toBe(2);
    expect(notNumber.stderr).toContain("--lr must be a number, got 'fast'");

    const missing = retrain([]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('--genotype is required');
  });

  it('refuses an --out that is a file before loading data', () => {
    const r = retrain(['--genotype', 'DARTS_V2', '--out', 'package.json']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--out: package.json is a file');
    expect(r.stdout).not.toContain('data ');
  });

  it('lists the valid names for an unknown genotype name', () => {
    const r = retrain(['--genotype', 'DARTS_V3']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("--genotype: 'DARTS_V3' is neither a file");
    expect(r.stderr).toContain('DARTS_V1, DARTS_V2, DARTS, NASNet, AmoebaNet');
  });

  it('names a malformed genotype file and what is wrong in it', () => {
    const dir = tempDir();
    const json = join(dir, 'broken.json');
    writeFileSync(json, '{"normal": [["sep_conv_3x3", 0]]}');
    const py = join(dir, 'broken.py');
    writeFileSync(py, "Genotype(normal=[('sep_conv_9x9', 0), ('skip', 1)]");

    const r1 = retrain(['--genotype', json]);
    expect(r1.status).toBe(2);
    expect(r1.stderr).toContain(`--genotype: ${json}: normal has 1 edges`);

    const r2 = retrain(['--genotype', py]);
    expect(r2.status).toBe(2);
    expect(r2.stderr).toContain(`--genotype: ${py}:`);
  });

  it('retrains a tiny network and writes model files, drawings and results that read back', () => {
    const dir = tempDir();
    const data = join(dir, 'data');
    const out = join(dir, 'out');
    mkdirSync(data);
    writeFileSync(
      join(data, 'data_batch_1.bin'),
      cifarBatchBytes(syntheticImageSet(32)),
    );
    writeFileSync(
      join(data, 'test_batch.bin'),
      cifarBatchBytes(syntheticImageSet(20, 10, 9)),
    );
    // Two genotypes in one file, as the reference's genotypes.py.
    const genotypes = join(dir, 'genotypes.py');
    writeFileSync(
      genotypes,
      `DARTS_V1 = ${genotypeToPython(DARTS_V1)}\n` +
        `DARTS_V2 = ${genotypeToPython(DARTS_V2)}\n`,
    );

    const r = retrain([
      '--genotype',
      `${genotypes}:DARTS_V1`,
      '--data',
      data,
      '--channels',
      '4',
      '--layers',
      '3',
      '--batch-size',
      '8',
      '--epochs',
      '1',
      '--max-images',
      '32',
      '--snapshot-every',
      '2',
      '--cutout',
      '16',
      '--out',
      out,
    ]);

    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(
      /^params: [\d.]+ k parameters \([\d.]+ k with the auxiliary head\)$/m,
    );
    expect(r.stdout).toMatch(
      /^step +4\/4 epoch +0\/1 loss \d+\.\d{4} train_acc [\d.]+ lr 2\.5000e-2 drop_path 0\.000 img\/s [\d.]+ left \d+s$/m,
    );
    expect(r.stdout).toMatch(
      /^test epoch 1 top1 [\d.]+ loss [\d.]+ images 20 per_class airplane=[\d.]+ automobile=/m,
    );

    const json = readFileSync(join(out, 'model.json'), 'utf8');
    const bin = readFileSync(join(out, 'weights.bin'));
    const model = decodeModelFiles(
      json,
      bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
    );
    expect(model.meta.genotype).toEqual(DARTS_V1);
    expect(model.meta.channels).toBe(4);
    expect(model.meta.trainedEpochs).toBe(1);

    const py = readFileSync(join(out, 'genotype.py'), 'utf8');
    expect(parseGenotypePython(py)).toEqual(DARTS_V1);
    const dot = parseCellDot(readFileSync(join(out, 'normal.dot'), 'utf8'));
    expect(dot.edges).toEqual(DARTS_V1.normal);
    const svg = parseCellSvg(readFileSync(join(out, 'reduce.svg'), 'utf8'));
    expect(svg.edges).toEqual(DARTS_V1.reduce);

    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(results.testAccuracy).toBeGreaterThanOrEqual(0);
    expect(results.testAccuracy).toBeLessThanOrEqual(1);
    expect(results.testAccuracy).toBe(model.meta.testAccuracy);
    expect(results.config.channels).toBe(4);
    expect(results.stopped).toBe(false);
    expect(results.params.total).toBeGreaterThan(results.params.auxiliary);
    expect(results.test.confusion).toHaveLength(10);
    expect(
      results.test.confusion.flat().reduce((a: number, b: number) => a + b),
    ).toBe(20);
    expect(Object.keys(results.test.perClass)).toHaveLength(10);
  });
});
