import { describe, expect, it } from 'vitest';
import { parseGenotypeJson } from './genotypeJson';
import { genotypeToPython, pickPythonGenotype } from './genotypePython';
import { DARTS_V1, DARTS_V2 } from './namedGenotypes';
import { RNN_DARTS_V2, rnnGenotypeToPython } from './rnnGenotype';
import {
  parseRnnGenotypeJson,
  parseRnnGenotypePython,
} from './rnnGenotypeJson';

/** The shape of the reference's cnn/genotypes.py. */
const GENOTYPES_PY = `from collections import namedtuple

Genotype = namedtuple('Genotype', 'normal normal_concat reduce reduce_concat')

PRIMITIVES = ['none', 'max_pool_3x3']

DARTS_V1 = ${genotypeToPython(DARTS_V1)}
DARTS_V2 = ${genotypeToPython(DARTS_V2)}

DARTS = DARTS_V2
`;

describe('pickPythonGenotype', () => {
  it("takes the last of several, as in the reference's genotypes.py", () => {
    const pick = pickPythonGenotype(GENOTYPES_PY, 'genotypes.py');
    expect(pick.genotype).toEqual(DARTS_V2);
    expect(pick.name).toBe('DARTS_V2');
    expect(pick.count).toBe(2);
  });

  it('takes one by name, and names the ones there are', () => {
    expect(
      pickPythonGenotype(GENOTYPES_PY, 'genotypes.py', 'DARTS_V1').genotype,
    ).toEqual(DARTS_V1);
    expect(() =>
      pickPythonGenotype(GENOTYPES_PY, 'genotypes.py', 'ENAS'),
    ).toThrow(/genotypes\.py: there is no ENAS .* names DARTS_V1, DARTS_V2/);
  });
});

describe('a genotype of the other search space', () => {
  const rnnJson = JSON.stringify(RNN_DARTS_V2);
  const cnnJson = JSON.stringify({
    normal: DARTS_V2.normal,
    normal_concat: DARTS_V2.normalConcat,
    reduce: DARTS_V2.reduce,
    reduce_concat: DARTS_V2.reduceConcat,
  });

  it('is named as recurrent in the CIFAR-10 readers', () => {
    expect(() => parseGenotypeJson(rnnJson, 'cell.json')).toThrow(
      /cell\.json: this is a recurrent \(Penn Treebank\) genotype/,
    );
    expect(() =>
      pickPythonGenotype(rnnGenotypeToPython(RNN_DARTS_V2), 'cell.py'),
    ).toThrow(/cell\.py: this is a recurrent \(Penn Treebank\) genotype/);
  });

  it('is named as convolutional in the Penn Treebank readers', () => {
    expect(() => parseRnnGenotypeJson(cnnJson, 'cnn.json')).toThrow(
      /cnn\.json: this is a convolutional \(CIFAR-10\) genotype/,
    );
    expect(() =>
      parseRnnGenotypePython(genotypeToPython(DARTS_V2), 'cnn.py'),
    ).toThrow(/cnn\.py: this is a convolutional \(CIFAR-10\) genotype/);
  });
});
