import { describe, expect, it } from 'vitest';
import { RNN_PRESETS } from './rnnConfig';
import { RNN_NAMED_GENOTYPES, rnnGenotypeToPython } from './rnnGenotype';
import {
  parseRnnGenotypeJson,
  parseRnnGenotypePython,
  toRnnGenotypeJson,
} from './rnnGenotypeJson';

const run = {
  config: RNN_PRESETS.Demo,
  seed: 3,
  backend: 'wasm',
  dataset: { name: 'demo', trainTokens: 1000, vocabulary: 50 },
  epoch: 1,
  step: 10,
  createdAt: '2026-12-04T00:00:00.000Z',
  opWeights: Array.from({ length: 36 }, () => [0.2, 0.2, 0.2, 0.2, 0.2]),
};

describe('recurrent genotype files', () => {
  for (const [name, g] of Object.entries(RNN_NAMED_GENOTYPES)) {
    it(`${name} round-trips through JSON and the Python line`, () => {
      const parsed = parseRnnGenotypeJson(toRnnGenotypeJson(g, run), 'g.json');
      expect(parsed.genotype).toEqual(g);
      expect(parsed.run?.dataset.vocabulary).toBe(50);
      expect(parseRnnGenotypePython(rnnGenotypeToPython(g))).toEqual(g);
    });
  }

  it('reads a bare cell', () => {
    const text = JSON.stringify({
      recurrent: [
        ['tanh', 0],
        ['relu', 1],
      ],
      concat: [1, 2],
    });
    expect(parseRnnGenotypeJson(text, 'bare.json').genotype.recurrent).toEqual([
      ['tanh', 0],
      ['relu', 1],
    ]);
  });

  it('names the file and the fault', () => {
    const bad = (doc: object) => () =>
      parseRnnGenotypeJson(JSON.stringify(doc), 'cell.json');
    expect(bad({ recurrent: [['none', 0]], concat: [1] })).toThrow(
      /cell\.json: recurrent\[0\] has op "none"/,
    );
    expect(bad({ recurrent: [['tanh', 1]], concat: [1] })).toThrow(
      /cell\.json: recurrent\[0\] \(node 1\) reads state 1; it can read states 0-0/,
    );
    expect(
      bad({
        format: 'darts-studio.genotype',
        schemaVersion: 1,
        searchSpace: 'darts-cnn',
      }),
    ).toThrow(/searchSpace is "darts-cnn"; expected 'darts-rnn'/);
    expect(() => parseRnnGenotypeJson('{', 'x.json')).toThrow(
      /x\.json: not valid JSON/,
    );
    expect(() => parseRnnGenotypePython('hello', 'g.py')).toThrow(
      /g\.py: no Genotype\(recurrent=/,
    );
  });
});
