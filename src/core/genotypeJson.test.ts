import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PRESETS } from './config';
import { deriveGenotype, softmaxRows } from './genotype';
import {
  GENOTYPE_OPS,
  GenotypeFormatError,
  opWeightRows,
  parseGenotypeJson,
  toGenotypeJson,
  type GenotypeRunInfo,
} from './genotypeJson';
import { genotypeToPython, parseGenotypePython } from './genotypePython';
import { DARTS_V2, NAMED_GENOTYPES } from './namedGenotypes';
import { PRIMITIVES } from './primitives';

const url = new URL('../../test-fixtures/derive_cases.json', import.meta.url);
const derive = JSON.parse(readFileSync(url, 'utf8')) as {
  cases: { name: string; genotype_repr: string; alphas_normal: number[][] }[];
};

const alphas = derive.cases[0].alphas_normal.flat();
const opWeights = softmaxRows(alphas, 14, 8);

const RUN: GenotypeRunInfo = {
  config: PRESETS.Demo,
  seed: 2,
  backend: 'cpu',
  dataset: { name: 'cifar10', trainImages: 50000, source: 'cifar-10-binary' },
  epoch: 3,
  step: 120,
  createdAt: '2024-05-01T12:00:00.000Z',
  opWeightsNormal: opWeightRows(opWeights),
  opWeightsReduce: opWeightRows(opWeights),
};

const searched = deriveGenotype(opWeights, opWeights);
const goodText = toGenotypeJson(searched, RUN);
const good = () => JSON.parse(goodText) as Record<string, any>;

/** The message of the GenotypeFormatError that parsing `doc` throws. */
function faultOf(doc: unknown, fileName = 'cell.json'): string {
  const text = typeof doc === 'string' ? doc : JSON.stringify(doc);
  try {
    parseGenotypeJson(text, fileName);
  } catch (err) {
    expect(err).toBeInstanceOf(GenotypeFormatError);
    expect((err as Error).name).toBe('GenotypeFormatError');
    return (err as Error).message;
  }
  throw new Error(`faultOf: ${text.slice(0, 60)} parsed without a fault`);
}

/** A valid document changed by `edit`. */
function edited(edit: (doc: Record<string, any>) => void) {
  const doc = good();
  edit(doc);
  return doc;
}

const bare = (g = DARTS_V2) => ({
  normal: g.normal,
  normal_concat: g.normalConcat,
  reduce: g.reduce,
  reduce_concat: g.reduceConcat,
});

describe('toGenotypeJson', () => {
  it('writes the documented fields in order', () => {
    const doc = good();

    expect(Object.keys(doc)).toEqual([
      'format',
      'schemaVersion',
      'searchSpace',
      'primitives',
      'normal',
      'normalConcat',
      'reduce',
      'reduceConcat',
      'run',
    ]);
    expect(doc.format).toBe('darts-studio.genotype');
    expect(doc.schemaVersion).toBe(1);
    expect(doc.primitives).toEqual([...PRIMITIVES]);
    expect(Object.keys(doc.run)).toEqual(Object.keys(RUN));
  });

  it('rounds opWeights to 6 significant digits', () => {
    const w = good().run.opWeightsNormal[0][1] as number;

    expect(w).toBe(Number(RUN.opWeightsNormal[0][1].toPrecision(6)));
    expect(String(w).replace(/^0\.0*/, '').length).toBeLessThanOrEqual(6);
  });

  it('puts each edge and each weight row on one line', () => {
    expect(goodText).toContain('\n    ["sep_conv_5x5", 0],\n');
    expect(goodText).toMatch(/\n      \[0\.\d+, 0\.\d+(, 0\.\d+){6}\],?\n/);
  });

  it('reads back to the same genotype and run', () => {
    const { genotype, run } = parseGenotypeJson(goodText, 'cell.json');

    expect(genotype).toEqual(searched);
    expect(run).toEqual(good().run);
    expect(run!.config).toEqual(PRESETS.Demo);
  });

  it('refuses to write a run whose weights are not 14x8', () => {
    const run = { ...RUN, opWeightsReduce: RUN.opWeightsReduce.slice(1) };

    expect(() => toGenotypeJson(searched, run)).toThrow(
      /toGenotypeJson: run.opWeightsReduce is an array of 13; expected 14 rows/,
    );
  });
});

describe('parseGenotypeJson on bare genotypes', () => {
  it('accepts snake_case and camelCase fields', () => {
    const snake = JSON.stringify(bare());
    const camel = JSON.stringify({ ...DARTS_V2 });

    expect(parseGenotypeJson(snake, 'a.json')).toEqual({ genotype: DARTS_V2 });
    expect(parseGenotypeJson(camel, 'b.json')).toEqual({ genotype: DARTS_V2 });
  });

  it('reads every named genotype, 5-node and eval-only ops included', () => {
    for (const g of Object.values(NAMED_GENOTYPES)) {
      const { genotype } = parseGenotypeJson(JSON.stringify(bare(g)), 'g.json');
      expect(genotype).toEqual(g);
    }
  });

  it('skips a byte-order mark', () => {
    const text = '\uFEFF' + JSON.stringify(bare());

    expect(parseGenotypeJson(text, 'bom.json').genotype).toEqual(DARTS_V2);
  });
});

describe('parseGenotypeJson faults', () => {
  it('says where text is not JSON, by line and column', () => {
    const text = '{\n  "normal": [],\n  "reduce": [}\n}';

    expect(faultOf(text, 'broken.json')).toMatch(
      /^broken\.json: not valid JSON: expected a value, found "}" at line 3, column 14\./,
    );
    expect(faultOf('{"normal": 1,}')).toMatch(
      /^cell\.json: not valid JSON: expected a double-quoted property name, found "}" at line 1, column 14/,
    );
    expect(faultOf('')).toMatch(
      /expected a value, found end of text at line 1/,
    );
    expect(faultOf('{"a": 1} x')).toMatch(/expected the end of the text/);
  });

  it('points a Python Genotype line at the Python import', () => {
    expect(faultOf(genotypeToPython(DARTS_V2))).toMatch(
      /not valid JSON.*import it as Python/,
    );
  });

  it('rejects a top level that is not an object', () => {
    expect(faultOf([1, 2])).toMatch(
      /^cell\.json: the top level is an array of 2; expected an object/,
    );
  });

  it('names a wrong format and the understood schemaVersion', () => {
    expect(faultOf(edited((d) => (d.format = 'other')))).toMatch(
      /^cell\.json: format is "other"; expected 'darts-studio\.genotype'/,
    );
    expect(faultOf(edited((d) => (d.schemaVersion = 2)))).toMatch(
      /^cell\.json: schemaVersion 2 is not understood; .* reads schemaVersion 1/,
    );
    expect(faultOf(edited((d) => (d.searchSpace = 'darts-rnn')))).toMatch(
      /searchSpace is "darts-rnn"; expected 'darts-cnn'/,
    );
  });

  it('names each missing field', () => {
    for (const key of [
      'schemaVersion',
      'primitives',
      'normal',
      'reduceConcat',
    ]) {
      expect(faultOf(edited((d) => delete d[key]))).toBe(
        `cell.json: missing field '${key}'.`,
      );
    }
    expect(faultOf(edited((d) => delete d.run.config.archLr))).toBe(
      "cell.json: missing field 'run.config.archLr'.",
    );
    expect(faultOf(edited((d) => delete d.run.dataset.source))).toBe(
      "cell.json: missing field 'run.dataset.source'.",
    );
    const { normal_concat: _, ...noConcat } = bare();
    expect(faultOf(noConcat)).toBe(
      "cell.json: missing field 'normal_concat' (or 'normalConcat').",
    );
    expect(faultOf({ genotype: 1 })).toMatch(
      /^cell\.json: missing field 'format' .* or 'normal' \(a bare genotype\)/,
    );
  });

  it('rejects primitives in another order, naming the first difference', () => {
    const swapped = edited((d) => d.primitives.reverse());

    expect(faultOf(swapped)).toMatch(
      /^cell\.json: primitives order differs from ours at index 0 \(file has "dil_conv_5x5", we have "none"\); expected \[none, max_pool_3x3,/,
    );
    expect(faultOf(edited((d) => d.primitives.pop()))).toMatch(
      /differs from ours at index 7/,
    );
    expect(faultOf(edited((d) => (d.primitives = 'none')))).toMatch(
      /primitives is "none"; expected an array/,
    );
  });

  it('rejects a cell or concat that is not an array', () => {
    expect(faultOf({ ...bare(), normal: 'sep_conv_3x3' })).toMatch(
      /^cell\.json: normal is "sep_conv_3x3"; expected an array of \[op, input\]/,
    );
    expect(faultOf({ ...bare(), reduce_concat: 5 })).toMatch(
      /^cell\.json: reduce_concat is 5; expected an array of state indices/,
    );
    expect(faultOf(edited((d) => (d.normal[2] = 'skip_connect')))).toMatch(
      /^cell\.json: normal\[2\] is "skip_connect"; expected an \[op, input\] pair/,
    );
  });

  it('lists the valid ops when an op is unknown', () => {
    const doc = edited((d) => (d.reduce[5][0] = 'conv_3x3'));

    expect(faultOf(doc)).toBe(
      `cell.json: reduce[5] has op "conv_3x3", which is not an op of the ` +
        `darts-cnn search space; valid ops are [${GENOTYPE_OPS.join(', ')}].`,
    );
  });

  it('names the node and its allowed inputs for an index out of range', () => {
    expect(faultOf(edited((d) => (d.normal[3][1] = 3)))).toMatch(
      /^cell\.json: normal\[3\] has input 3, out of range for node 1: node 1 may take inputs 0\.\.2/,
    );
    expect(faultOf(edited((d) => (d.normal[0][1] = -1)))).toMatch(
      /normal\[0\] has input -1; expected an integer index 0\.\.1/,
    );
    expect(faultOf(edited((d) => (d.normal[0][1] = '0')))).toMatch(
      /normal\[0\] has input "0"; expected an integer/,
    );
  });

  it('requires an even number of edges, two per node', () => {
    expect(faultOf(edited((d) => d.normal.pop()))).toMatch(
      /^cell\.json: normal has 7 edges; expected an even number, two per intermediate node/,
    );
    expect(faultOf({ ...bare(), reduce: [] })).toMatch(/reduce has 0 edges/);
  });

  it('rejects concat indices outside the cell, repeated or absent', () => {
    expect(faultOf(edited((d) => (d.normalConcat = [2, 3, 4, 6])))).toMatch(
      /^cell\.json: normalConcat\[3\] is 6, out of range: a cell with 4 nodes has states 0\.\.5/,
    );
    expect(faultOf(edited((d) => (d.reduceConcat = [2, 2])))).toMatch(
      /reduceConcat lists state 2 twice/,
    );
    expect(faultOf(edited((d) => (d.reduceConcat = [])))).toMatch(
      /reduceConcat is empty/,
    );
  });

  it('checks the run block field by field', () => {
    const cases: [(d: Record<string, any>) => void, RegExp][] = [
      [(d) => (d.run = 3), /run is 3; expected an object/],
      [
        (d) => (d.run.config.lr = '0.1'),
        /run\.config\.lr is "0\.1"; expected a number/,
      ],
      [
        (d) => (d.run.config.order = 'third'),
        /run\.config\.order is "third"; expected 'first' or 'second'/,
      ],
      [
        (d) => (d.run.epoch = 1.5),
        /run\.epoch is 1\.5; expected an integer >= 0/,
      ],
      [
        (d) => (d.run.backend = null),
        /run\.backend is null; expected a string/,
      ],
      [
        (d) => (d.run.createdAt = 'yesterday'),
        /run\.createdAt is "yesterday"; expected an ISO 8601 time/,
      ],
      [
        (d) => d.run.opWeightsNormal[4].pop(),
        /run\.opWeightsNormal\[4\] is an array of 7; expected 14 rows \(edges\) of 8/,
      ],
      [
        (d) => (d.run.opWeightsReduce[1][2] = 2),
        /run\.opWeightsReduce\[1\]\[2\] is 2; expected a weight in \[0, 1\]/,
      ],
    ];

    for (const [edit, fault] of cases) {
      const message = faultOf(edited(edit));
      expect(message).toMatch(/^cell\.json: /);
      expect(message).toMatch(fault);
    }
  });
});

describe('the Python genotype line', () => {
  it("prints the reference's one-line form", () => {
    expect(genotypeToPython(DARTS_V2)).toBe(
      "Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), " +
        "('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 1), " +
        "('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], " +
        "normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), " +
        "('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), " +
        "('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), " +
        "('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5])",
    );
  });

  it('round-trips every named genotype', () => {
    for (const g of Object.values(NAMED_GENOTYPES)) {
      expect(parseGenotypePython(genotypeToPython(g))).toEqual(g);
    }
  });

  it("reads the reference's logged repr with range(2, 6)", () => {
    for (const c of derive.cases) {
      const line = `09/12 08:32:10 PM genotype = ${c.genotype_repr}`;
      const g = parseGenotypePython(line);
      expect(g.normalConcat).toEqual([2, 3, 4, 5]);
      expect(genotypeToPython(g)).toBe(
        c.genotype_repr.replace(/range\(2, 6\)/g, '[2, 3, 4, 5]'),
      );
    }
  });

  it('accepts positional fields, double quotes, lists and line breaks', () => {
    const text = `Genotype(
      [["sep_conv_3x3", 0], ("sep_conv_3x3", 1)],
      range(2, 3),
      reduce=[('max_pool_3x3', 0), ('skip_connect', 1)],
      reduce_concat=range(2, 3),
    )\n`;

    expect(parseGenotypePython(text)).toEqual({
      normal: [
        ['sep_conv_3x3', 0],
        ['sep_conv_3x3', 1],
      ],
      normalConcat: [2],
      reduce: [
        ['max_pool_3x3', 0],
        ['skip_connect', 1],
      ],
      reduceConcat: [2],
    });
  });

  it('names the file and fault in every refusal', () => {
    const line = genotypeToPython(DARTS_V2);
    const cut = line.slice(0, line.indexOf('normal_concat=') + 14);
    const cases: [string, RegExp][] = [
      ['normal=[]', /no 'Genotype\(' found; expected a line such as/],
      [
        line.replace('reduce=', 'reduced='),
        /unknown field 'reduced'; Genotype has the fields normal, normal_concat, reduce, reduce_concat at line 1, column \d+/,
      ],
      [line.replace('reduce_concat=', 'normal='), /field 'normal' given twice/],
      [line.replace('), (', ') ('), /expected ',', found '\(' at line 1/],
      [
        cut,
        new RegExp(
          `expected a list, .* or range\\(\\) at line 1, column ${cut.length + 1}\\.$`,
        ),
      ],
      [line + ' extra', /unexpected text after the closing '\)'/],
      [
        line.replace("'sep_conv_3x3', 1", "'sep_conv_3x3', 5"),
        /normal\[1\] has input 5, out of range for node 0/,
      ],
      [
        line.replace('dil_conv_3x3', 'conv_9x9'),
        /normal\[7\] has op "conv_9x9"/,
      ],
      [
        line.replace(', reduce_concat=[2, 3, 4, 5]', ''),
        /missing field 'reduce_concat'/,
      ],
      [line.replace('[2, 3, 4, 5]', 'range(6, 2)'), /normal_concat is empty/],
      ["Genotype(normal=[('sep_conv_3x3, 0)])", /unterminated string/],
    ];

    for (const [text, fault] of cases) {
      expect(() => parseGenotypePython(text, 'pasted.txt')).toThrow(
        new RegExp(`^pasted\\.txt: ${fault.source}`),
      );
    }
  });
});
