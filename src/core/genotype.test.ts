import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  deriveCell,
  deriveGenotype,
  genotypesEqual,
  softmaxRows,
  type Genotype,
  type GenotypeEdge,
} from './genotype';
import { NAMED_GENOTYPES } from './namedGenotypes';
import { NUM_EDGES, NUM_OPS, PRIMITIVES } from './primitives';

/** Reads a fixture from the repository's test-fixtures/ folder. */
function fixture<T>(name: string): T {
  const url = new URL(`../../test-fixtures/${name}`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as T;
}

interface FixtureCell {
  normal: GenotypeEdge[];
  reduce: GenotypeEdge[];
  normal_concat: number[];
  reduce_concat: number[];
}

interface DeriveCase {
  name: string;
  alphas_normal: number[][];
  alphas_reduce: number[][];
  softmax_normal_float32: number[][];
  softmax_reduce_float32: number[][];
  genotype: FixtureCell;
  wrong_variants_for_reference: Record<
    string,
    { differs_from_original: boolean; genotype: FixtureCell }
  >;
}

const { cases } = fixture<{ cases: DeriveCase[] }>('derive_cases.json');

function fromFixture(g: FixtureCell, concat = [2, 3, 4, 5]): Genotype {
  return {
    normal: g.normal,
    normalConcat: g.normal_concat ?? concat,
    reduce: g.reduce,
    reduceConcat: g.reduce_concat ?? concat,
  };
}

function opWeightsOf(alphas: number[][]): Float32Array {
  return softmaxRows(alphas.flat(), alphas.length, alphas[0].length);
}

/** Flat [14, 8] opWeights of zeros with the given entries set. */
function weightsWith(entries: [number, number, number][]): Float32Array {
  const w = new Float32Array(NUM_EDGES * NUM_OPS);
  for (const [row, col, v] of entries) w[row * NUM_OPS + col] = v;
  return w;
}

const op = (name: string) => PRIMITIVES.indexOf(name as never);

describe('softmaxRows', () => {
  it('matches the reference float32 softmax within 2 float32 ulps', () => {
    // Torch sums in float32; we round a float64 result once, so the last
    // bit or two differ. The smallest fixture decision gap is ~50 ulps.
    for (const c of cases) {
      const pairs = [
        [opWeightsOf(c.alphas_normal), c.softmax_normal_float32.flat()],
        [opWeightsOf(c.alphas_reduce), c.softmax_reduce_float32.flat()],
      ] as const;
      for (const [got, want] of pairs) {
        want.forEach((w, i) => {
          expect(Math.abs(got[i] - w)).toBeLessThanOrEqual(2.4e-7 * w);
        });
      }
    }
  });

  it('subtracts the row max, so huge alphas give finite weights', () => {
    const w = softmaxRows([1000, 1000, 999, -1000], 2, 2);

    expect(Array.from(w)).toEqual([0.5, 0.5, 1, 0]);
  });

  it('rejects input whose length is not rows x cols', () => {
    expect(() => softmaxRows([1, 2, 3], 2, 2)).toThrow(
      /softmaxRows: expected 2x2 = 4 values, got 3/,
    );
  });
});

describe('deriveGenotype on the reference fixtures', () => {
  for (const c of cases) {
    it(`gives the reference genotype for ${c.name}`, () => {
      const g = deriveGenotype(
        opWeightsOf(c.alphas_normal),
        opWeightsOf(c.alphas_reduce),
      );

      expect(g).toEqual(fromFixture(c.genotype));
    });

    it(`gives the same genotype from the fixture's own softmax for ${c.name}`, () => {
      const g = deriveGenotype(
        c.softmax_normal_float32.flat(),
        c.softmax_reduce_float32.flat(),
      );

      expect(genotypesEqual(g, fromFixture(c.genotype))).toBe(true);
    });

    it(`differs from the wrong variants where ${c.name} says they discriminate`, () => {
      const g = deriveGenotype(
        opWeightsOf(c.alphas_normal),
        opWeightsOf(c.alphas_reduce),
      );

      for (const variant of Object.values(c.wrong_variants_for_reference)) {
        const wrong = fromFixture(variant.genotype);
        expect(genotypesEqual(g, wrong)).toBe(!variant.differs_from_original);
      }
    });
  }

  it('reproduces the raw-alphas wrong variant when fed raw alphas', () => {
    // Confirms what the fixture's variant means: the same parse, wrong input.
    for (const c of cases) {
      const wrong = c.wrong_variants_for_reference;
      const raw = wrong.rank_by_raw_alphas_instead_of_softmax.genotype;

      expect(deriveCell(c.alphas_normal.flat())).toEqual(raw.normal);
      expect(deriveCell(c.alphas_reduce.flat())).toEqual(raw.reduce);
    }
  });
});

describe('deriveCell tie and order rules', () => {
  it('keeps the lower input first among edges with equal scores', () => {
    // Node 1 (rows 2..4): inputs 1 and 2 tie above input 0.
    const w = weightsWith([
      [2, op('skip_connect'), 0.3],
      [3, op('sep_conv_3x3'), 0.5],
      [4, op('dil_conv_3x3'), 0.5],
    ]);

    expect(deriveCell(w).slice(2, 4)).toEqual([
      ['sep_conv_3x3', 1],
      ['dil_conv_3x3', 2],
    ]);
  });

  it('emits the higher-scoring edge first, not the lower input', () => {
    const w = weightsWith([
      [0, op('avg_pool_3x3'), 0.2],
      [1, op('sep_conv_5x5'), 0.6],
    ]);

    expect(deriveCell(w).slice(0, 2)).toEqual([
      ['sep_conv_5x5', 1],
      ['avg_pool_3x3', 0],
    ]);
  });

  it('picks the lowest PRIMITIVES index among tied ops', () => {
    const w = weightsWith([
      [0, op('dil_conv_5x5'), 0.4],
      [0, op('skip_connect'), 0.4],
      [0, op('sep_conv_3x3'), 0.4],
    ]);

    expect(deriveCell(w)[0]).toEqual(['skip_connect', 0]);
  });

  it('never picks none, even where it has the largest weight', () => {
    const w = weightsWith([
      [0, op('none'), 0.9],
      [0, op('sep_conv_3x3'), 0.05],
    ]);

    expect(deriveCell(w)[0]).toEqual(['sep_conv_3x3', 0]);
  });

  it('handles other step counts, with concat 2..steps+1', () => {
    const rows = (5 * (5 + 3)) / 2;
    const g = deriveGenotype(
      new Float32Array(rows * NUM_OPS),
      new Float32Array(rows * NUM_OPS),
      5,
    );

    expect(g.normal).toHaveLength(10);
    expect(g.normal[9]).toEqual(['max_pool_3x3', 1]);
    expect(g.normalConcat).toEqual([2, 3, 4, 5, 6]);
  });

  it('rejects opWeights of the wrong size or with NaN', () => {
    expect(() => deriveCell(new Float32Array(8))).toThrow(
      /deriveCell: 4 steps need 14x8 = 112 opWeights, got 8/,
    );
    const w = new Float32Array(NUM_EDGES * NUM_OPS);
    w[3 * NUM_OPS + 2] = NaN;
    expect(() => deriveCell(w)).toThrow(
      /deriveCell: opWeights\[3\]\[2\] is NaN; expected finite/,
    );
  });
});

describe('genotypesEqual', () => {
  const base = NAMED_GENOTYPES.DARTS_V2;
  const copy = (): Genotype => structuredClone(base);

  it('is true for a deep copy', () => {
    expect(genotypesEqual(base, copy())).toBe(true);
  });

  it('sees a changed op, input, edge order or concat', () => {
    const changed = [copy(), copy(), copy(), copy()];
    changed[0].normal[3][0] = 'sep_conv_5x5';
    changed[1].reduce[7][1] = 0;
    changed[2].normal.reverse();
    changed[3].reduceConcat = [2, 3, 4];

    for (const g of changed) expect(genotypesEqual(base, g)).toBe(false);
  });
});

describe('named genotypes', () => {
  const named = fixture<{
    cnn: { DARTS_alias_of: string; genotypes: Record<string, FixtureCell> };
  }>('genotypes.json').cnn;

  it('equal the reference data in genotypes.json', () => {
    for (const [name, g] of Object.entries(named.genotypes)) {
      expect(NAMED_GENOTYPES[name]).toEqual(fromFixture(g));
    }
  });

  it('include DARTS as the alias the reference names', () => {
    expect(NAMED_GENOTYPES.DARTS).toBe(NAMED_GENOTYPES[named.DARTS_alias_of]);
    expect(Object.keys(NAMED_GENOTYPES).sort()).toEqual(
      [...Object.keys(named.genotypes), 'DARTS'].sort(),
    );
  });
});
