import { describe, expect, it } from 'vitest';
import { loadFixture } from '../testing/fixtures';
import {
  deriveRnnGenotype,
  RNN_NAMED_GENOTYPES,
  rnnGenotypeToPython,
} from './rnnGenotype';
import { rnnEdgeIndex } from './rnnSpace';

interface Case {
  name: string;
  softmax_float32: number[][];
  genotype: { recurrent: [string, number][]; concat: number[] };
}

const fixture = loadFixture<{ cases: Case[] }>('rnn_derive_cases.json');
const named = loadFixture<{
  rnn: { genotypes: Record<string, Case['genotype']> };
}>('genotypes.json');

describe('deriveRnnGenotype', () => {
  for (const c of fixture.cases) {
    it(`equals the reference on ${c.name}`, () => {
      expect(deriveRnnGenotype(c.softmax_float32.flat())).toEqual(c.genotype);
    });
  }

  it('breaks ties toward the lower predecessor and the lower op', () => {
    const probs = new Array(36 * 5).fill(0.2);
    const g = deriveRnnGenotype(probs);
    expect(g.recurrent.every(([op, p]) => op === 'tanh' && p === 0)).toBe(true);
  });

  it('numbers edges node by node, predecessors ascending', () => {
    expect(rnnEdgeIndex(1, 0)).toBe(0);
    expect(rnnEdgeIndex(2, 1)).toBe(2);
    expect(rnnEdgeIndex(8, 0)).toBe(28);
    expect(rnnEdgeIndex(8, 7)).toBe(35);
    expect(() => rnnEdgeIndex(3, 3)).toThrow(/node 3 has no edge from state 3/);
  });
});

describe('named recurrent genotypes', () => {
  for (const name of ['DARTS_V1', 'DARTS_V2']) {
    it(`${name} equals the reference's genotypes.py`, () => {
      expect(RNN_NAMED_GENOTYPES[name]).toEqual(named.rnn.genotypes[name]);
    });
  }

  it('prints the Python line with concat as a range', () => {
    expect(rnnGenotypeToPython(RNN_NAMED_GENOTYPES.DARTS_V2)).toBe(
      "Genotype(recurrent=[('sigmoid', 0), ('relu', 1), ('relu', 1), " +
        "('identity', 1), ('tanh', 2), ('sigmoid', 5), ('tanh', 3), " +
        "('relu', 5)], concat=range(1, 9))",
    );
  });
});
