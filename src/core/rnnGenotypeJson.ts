/**
 * The recurrent genotype file: the same envelope as the convolutional one
 * (format, schemaVersion, searchSpace 'darts-rnn', primitives) with the
 * recurrent cell and, for a searched cell, the run that found it. Reading
 * checks every field and names the file and the fault.
 */
import {
  GENOTYPE_FORMAT,
  GENOTYPE_SCHEMA_VERSION,
  GenotypeFormatError,
} from './genotypeJson';
import type { RnnSearchConfig } from './rnnConfig';
import type { RnnGenotype } from './rnnGenotype';
import { RNN_NUM_OPS, RNN_PRIMITIVES, type RnnOp } from './rnnSpace';

export const RNN_SEARCH_SPACE = 'darts-rnn';

/** Where a recurrent genotype came from. */
export interface RnnGenotypeRunInfo {
  config: RnnSearchConfig;
  seed: number;
  backend: string;
  dataset: { name: string; trainTokens: number; vocabulary: number };
  epoch: number;
  step: number;
  createdAt: string;
  /** softmax(alphas) as [36][5] rows. */
  opWeights: number[][];
}

export interface ParsedRnnGenotypeFile {
  genotype: RnnGenotype;
  run?: RnnGenotypeRunInfo;
}

export function toRnnGenotypeJson(
  g: RnnGenotype,
  run: RnnGenotypeRunInfo,
): string {
  const doc = {
    format: GENOTYPE_FORMAT,
    schemaVersion: GENOTYPE_SCHEMA_VERSION,
    searchSpace: RNN_SEARCH_SPACE,
    primitives: [...RNN_PRIMITIVES],
    recurrent: g.recurrent,
    concat: g.concat,
    run: {
      ...run,
      opWeights: run.opWeights.map((row) =>
        row.map((w) => Number(w.toPrecision(6))),
      ),
    },
  };
  const text = JSON.stringify(doc, null, 1) + '\n';
  parseRnnGenotypeJson(text, 'toRnnGenotypeJson');
  return text;
}

/**
 * Reads a recurrent genotype file, or a bare {recurrent, concat} object as
 * researchers write by hand.
 */
export function parseRnnGenotypeJson(
  text: string,
  fileName: string,
): ParsedRnnGenotypeFile {
  const fail = (message: string): never => {
    throw new GenotypeFormatError(`${fileName}: ${message}.`);
  };
  let root: unknown;
  try {
    root = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    fail(`not valid JSON (${why}); export the genotype again from the studio`);
  }
  if (typeof root !== 'object' || root === null || Array.isArray(root)) {
    fail(`the top level is not an object with 'recurrent' and 'concat'`);
  }
  const doc = root as Record<string, unknown>;

  if ('format' in doc) {
    if (doc.format !== GENOTYPE_FORMAT) {
      fail(
        `format is ${JSON.stringify(doc.format)}; expected '${GENOTYPE_FORMAT}'`,
      );
    }
    if (doc.schemaVersion !== GENOTYPE_SCHEMA_VERSION) {
      fail(
        `schemaVersion ${JSON.stringify(doc.schemaVersion)} is not understood; ` +
          `this version reads ${GENOTYPE_SCHEMA_VERSION} only`,
      );
    }
    if (doc.searchSpace !== RNN_SEARCH_SPACE) {
      fail(
        `searchSpace is ${JSON.stringify(doc.searchSpace)}; expected ` +
          `'${RNN_SEARCH_SPACE}' (a convolutional genotype belongs in the ` +
          'CIFAR-10 views)',
      );
    }
    const prims = doc.primitives;
    if (
      !Array.isArray(prims) ||
      prims.length !== RNN_NUM_OPS ||
      prims.some((p, i) => p !== RNN_PRIMITIVES[i])
    ) {
      fail(`primitives must be [${RNN_PRIMITIVES.join(', ')}] in that order`);
    }
  }

  if (!('format' in doc) && 'normal' in doc) {
    fail(
      `this is a convolutional (CIFAR-10) genotype; import it in the ` +
        `CIFAR-10 space, or leave out --space rnn on the command line`,
    );
  }
  const genotype = readCell(doc, fail);
  const run = doc.run;
  if (run === undefined) return { genotype };
  if (typeof run !== 'object' || run === null) fail(`'run' is not an object`);
  return { genotype, run: run as RnnGenotypeRunInfo };
}

function readCell(
  doc: Record<string, unknown>,
  fail: (message: string) => never,
): RnnGenotype {
  const recurrent = doc.recurrent;
  if (!Array.isArray(recurrent) || recurrent.length === 0) {
    fail(`'recurrent' must be a list of [op, predecessor] pairs`);
  }
  const edges = (recurrent as unknown[]).map((edge, i) => {
    const node = i + 1;
    if (!Array.isArray(edge) || edge.length !== 2) {
      fail(`recurrent[${i}] is not an [op, predecessor] pair`);
    }
    const [op, pred] = edge as [unknown, unknown];
    if (
      typeof op !== 'string' ||
      op === 'none' ||
      !RNN_PRIMITIVES.includes(op as RnnOp)
    ) {
      fail(
        `recurrent[${i}] has op ${JSON.stringify(op)}; expected one of ` +
          RNN_PRIMITIVES.filter((p) => p !== 'none').join(', '),
      );
    }
    if (
      !Number.isInteger(pred) ||
      (pred as number) < 0 ||
      (pred as number) >= node
    ) {
      fail(
        `recurrent[${i}] (node ${node}) reads state ${JSON.stringify(pred)}; ` +
          `it can read states 0-${node - 1}`,
      );
    }
    return [op as RnnOp, pred as number] as [RnnOp, number];
  });

  const concat = doc.concat;
  if (
    !Array.isArray(concat) ||
    concat.length === 0 ||
    concat.some((v) => !Number.isInteger(v) || v < 0 || v > edges.length)
  ) {
    fail(`'concat' must list node numbers between 0 and ${edges.length}`);
  }
  return { recurrent: edges, concat: concat as number[] };
}

/** Reads the reference's Python line, concat as a list or a range. */
export function parseRnnGenotypePython(
  text: string,
  fileName = 'Python genotype',
): RnnGenotype {
  const fail = (message: string): never => {
    throw new GenotypeFormatError(`${fileName}: ${message}.`);
  };
  const m =
    /Genotype\s*\(\s*recurrent\s*=\s*\[(.*?)\]\s*,\s*concat\s*=\s*(range\s*\(\s*(\d+)\s*,\s*(\d+)\s*\)|\[[\d\s,]*\])\s*\)/s.exec(
      text,
    );
  if (!m) {
    if (/Genotype\s*\(\s*normal\s*=/.test(text)) {
      fail(
        `this is a convolutional (CIFAR-10) genotype; import it in the ` +
          `CIFAR-10 space, or leave out --space rnn on the command line`,
      );
    }
    fail(`no Genotype(recurrent=[...], concat=...) line was found`);
  }
  const pairs = [...m![1].matchAll(/\(\s*'(\w+)'\s*,\s*(\d+)\s*\)/g)];
  const concat = m![3]
    ? Array.from(
        { length: Number(m![4]) - Number(m![3]) },
        (_, i) => Number(m![3]) + i,
      )
    : (JSON.parse(m![2]) as number[]);
  return readCell(
    { recurrent: pairs.map((p) => [p[1], Number(p[2])]), concat },
    fail,
  );
}
