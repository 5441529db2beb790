import { PAPER_CONFIG, type SearchConfig } from './config';
import type { Genotype, GenotypeEdge } from './genotype';
import { NUM_EDGES, NUM_OPS, PRIMITIVES, type OpName } from './primitives';

/** The `format` tag every DARTS Studio genotype file carries. */
export const GENOTYPE_FORMAT = 'darts-studio.genotype';

/** The schema version this code writes and the only one it reads. */
export const GENOTYPE_SCHEMA_VERSION = 1;

/** Ops a genotype may name: the search PRIMITIVES plus the eval-only ops. */
export const GENOTYPE_OPS: readonly OpName[] = [
  ...PRIMITIVES,
  'sep_conv_7x7',
  'conv_7x1_1x7',
];

/** Where a genotype came from: the `run` block of a genotype file. */
export interface GenotypeRunInfo {
  config: SearchConfig;
  seed: number;
  /** TF.js backend name, e.g. 'webgl' or 'cpu'. */
  backend: string;
  dataset: { name: string; trainImages: number; source: string };
  epoch: number;
  step: number;
  /** ISO 8601 time the file was written. */
  createdAt: string;
  /** softmax(alphasNormal) and softmax(alphasReduce) as [14][8] rows. */
  opWeightsNormal: number[][];
  opWeightsReduce: number[][];
}

/** What a genotype file holds once read; `run` is absent for bare genotypes. */
export interface ParsedGenotypeFile {
  genotype: Genotype;
  run?: GenotypeRunInfo;
}

/** A genotype file that cannot be read; the message names the file and fault. */
export class GenotypeFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GenotypeFormatError';
  }
}

/** Splits flat [rows, cols] row-major opWeights into rows for `GenotypeRunInfo`. */
export function opWeightRows(
  flat: ArrayLike<number>,
  cols: number = NUM_OPS,
): number[][] {
  const rows: number[][] = [];

  for (let start = 0; start < flat.length; start += cols) {
    rows.push(Array.from({ length: cols }, (_, c) => flat[start + c]));
  }

  return rows;
}

/** The genotype file text (pretty JSON) for a searched genotype and its run. */
export function toGenotypeJson(g: Genotype, run: GenotypeRunInfo): string {
  // Six significant digits keep the file readable; the genotype itself is
  // stored exactly, so nothing depends on re-deriving it from these.
  const short = (rows: number[][]) =>
    rows.map((row) => row.map((w) => Number(w.toPrecision(6))));
  const doc = {
    format: GENOTYPE_FORMAT,
    schemaVersion: GENOTYPE_SCHEMA_VERSION,
    searchSpace: 'darts-cnn',
    primitives: [...PRIMITIVES],
    normal: g.normal,
    normalConcat: g.normalConcat,
    reduce: g.reduce,
    reduceConcat: g.reduceConcat,
    run: {
      ...run,
      opWeightsNormal: short(run.opWeightsNormal),
      opWeightsReduce: short(run.opWeightsReduce),
    },
  };
  const text = pretty(doc, '') + '\n';

  // Never write a file that we would refuse to read back.
  parseGenotypeJson(text, 'toGenotypeJson');

  return text;
}

/**
 * Reads a genotype file: a DARTS Studio document, or a bare
 * {normal, normal_concat, reduce, reduce_concat} object (either case).
 */
export function parseGenotypeJson(
  text: string,
  fileName: string,
): ParsedGenotypeFile {
  const root = parseJsonText(text, fileName);
  const read: Reader = new Reader(fileName);
  if (!isObject(root)) {
    read.fail(
      `the top level is ${show(root)}; expected an object with 'normal', ` +
        `'normal_concat', 'reduce' and 'reduce_concat'`,
    );
  }

  // A bare genotype, as researchers write them by hand or export from Python.
  if (!('format' in root)) {
    if ('recurrent' in root) {
      read.fail(
        `this is a recurrent (Penn Treebank) genotype; import it in the ` +
          `Penn Treebank space, or give --space rnn on the command line`,
      );
    }
    if (!('normal' in root)) {
      read.fail(
        `missing field 'format' (a DARTS Studio genotype file) or 'normal' ` +
          `(a bare genotype); this file has neither`,
      );
    }
    return { genotype: read.genotype(root, true) };
  }

  read.header(root);
  const genotype = read.genotype(root, false);
  if (!('run' in root)) return { genotype };

  return { genotype, run: read.run(root.run) };
}

/**
 * Checks the fields of a bare genotype (snake_case or camelCase keys), as a
 * bare genotype file's are checked; every fault names `fileName`.
 */
export function readBareGenotype(
  fields: Record<string, unknown>,
  fileName: string,
): Genotype {
  return new Reader(fileName).genotype(fields, true);
}

// ---------------------------------------------------------------------------
// Validation of the parsed JSON value.

const VALID_OPS = `[${GENOTYPE_OPS.join(', ')}]`;

/** Checks one parsed document field by field; every fault names the file. */
class Reader {
  constructor(private readonly file: string) {}

  fail(message: string): never {
    throw new GenotypeFormatError(`${this.file}: ${message}.`);
  }

  field(obj: Record<string, unknown>, key: string, path: string): unknown {
    if (!(key in obj)) this.fail(`missing field '${path}${key}'`);
    return obj[key];
  }

  header(root: Record<string, unknown>): void {
    const format = root.format;
    if (format !== GENOTYPE_FORMAT) {
      this.fail(
        `format is ${show(format)}; expected '${GENOTYPE_FORMAT}', so this ` +
          'is not a DARTS Studio genotype file',
      );
    }

    const version = this.field(root, 'schemaVersion', '');
    if (version !== GENOTYPE_SCHEMA_VERSION) {
      this.fail(
        `schemaVersion ${show(version)} is not understood; this version of ` +
          `DARTS Studio reads schemaVersion ${GENOTYPE_SCHEMA_VERSION} only, ` +
          'so open the file with the version that wrote it',
      );
    }

    const space = this.field(root, 'searchSpace', '');
    if (space !== 'darts-cnn') {
      const hint =
        space === 'darts-rnn'
          ? ' (a recurrent genotype: import it in the Penn Treebank space)'
          : '';
      this.fail(`searchSpace is ${show(space)}; expected 'darts-cnn'${hint}`);
    }

    const primitives = this.field(root, 'primitives', '');
    if (!Array.isArray(primitives)) {
      this.fail(`primitives is ${show(primitives)}; expected an array`);
    }
    const at = PRIMITIVES.findIndex((op, i) => primitives[i] !== op);
    if (at >= 0 || primitives.length !== PRIMITIVES.length) {
      const i = at >= 0 ? at : PRIMITIVES.length;
      this.fail(
        `primitives order differs from ours at index ${i} (file has ` +
          `${show(primitives[i])}, we have ${show(PRIMITIVES[i])}); expected ` +
          `[${PRIMITIVES.join(', ')}], or the opWeights columns would be read ` +
          'as the wrong ops',
      );
    }
  }

  genotype(obj: Record<string, unknown>, bare: boolean): Genotype {
    const either = (camel: string, snake: string): unknown => {
      if (camel in obj) return obj[camel];
      if (bare && snake in obj) return obj[snake];
      return this.fail(
        `missing field '${bare ? snake : camel}'` +
          (bare ? ` (or '${camel}')` : ''),
      );
    };
    const normal = this.edges(this.field(obj, 'normal', ''), 'normal');
    const reduce = this.edges(this.field(obj, 'reduce', ''), 'reduce');

    // Node count comes from the edges: NASNet and AmoebaNet have 5 nodes.
    return {
      normal,
      normalConcat: this.concat(
        either('normalConcat', 'normal_concat'),
        bare ? 'normal_concat' : 'normalConcat',
        normal.length / 2,
      ),
      reduce,
      reduceConcat: this.concat(
        either('reduceConcat', 'reduce_concat'),
        bare ? 'reduce_concat' : 'reduceConcat',
        reduce.length / 2,
      ),
    };
  }

  edges(value: unknown, path: string): GenotypeEdge[] {
    if (!Array.isArray(value)) {
      this.fail(`${path} is ${show(value)}; expected an array of [op, input]`);
    }
    if (value.length === 0 || value.length % 2 !== 0) {
      this.fail(
        `${path} has ${value.length} edges; expected an even number, two ` +
          'per intermediate node (8 for a 4-node DARTS cell)',
      );
    }

    return value.map((edge: unknown, k): GenotypeEdge => {
      if (!Array.isArray(edge) || edge.length !== 2) {
        this.fail(
          `${path}[${k}] is ${show(edge)}; expected an [op, input] pair ` +
            `such as ["sep_conv_3x3", 0]`,
        );
      }
      const [op, input] = edge as unknown[];
      if (!GENOTYPE_OPS.includes(op as OpName)) {
        this.fail(
          `${path}[${k}] has op ${show(op)}, which is not an op of the ` +
            `darts-cnn search space; valid ops are ${VALID_OPS}`,
        );
      }
      const node = Math.floor(k / 2);
      if (!Number.isInteger(input) || (input as number) < 0) {
        this.fail(
          `${path}[${k}] has input ${show(input)}; expected an integer ` +
            `index 0..${node + 1}`,
        );
      }
      if ((input as number) > node + 1) {
        this.fail(
          `${path}[${k}] has input ${input}, out of range for node ${node}: ` +
            `node ${node} may take inputs 0..${node + 1} (0 = c_{k-2}, ` +
            '1 = c_{k-1}, 2+m = node m)',
        );
      }
      return [op as OpName, input as number];
    });
  }

  concat(value: unknown, path: string, nodes: number): number[] {
    if (!Array.isArray(value)) {
      this.fail(
        `${path} is ${show(value)}; expected an array of state indices ` +
          'such as [2, 3, 4, 5]',
      );
    }
    if (value.length === 0) this.fail(`${path} is empty; expected indices`);

    value.forEach((v: unknown, k) => {
      if (
        !Number.isInteger(v) ||
        (v as number) < 0 ||
        (v as number) > nodes + 1
      ) {
        this.fail(
          `${path}[${k}] is ${show(v)}, out of range: a cell with ${nodes} ` +
            `nodes has states 0..${nodes + 1} to concatenate`,
        );
      }
      if (value.indexOf(v) !== k) {
        this.fail(`${path} lists state ${v} twice; expected distinct indices`);
      }
    });

    return [...(value as number[])];
  }

  object(value: unknown, path: string): Record<string, unknown> {
    if (!isObject(value)) {
      this.fail(`${path} is ${show(value)}; expected an object`);
    }
    return value;
  }

  count(obj: Record<string, unknown>, key: string, path: string): number {
    const v = this.field(obj, key, path);
    if (!Number.isInteger(v) || (v as number) < 0) {
      this.fail(`${path}${key} is ${show(v)}; expected an integer >= 0`);
    }
    return v as number;
  }

  text(obj: Record<string, unknown>, key: string, path: string): string {
    const v = this.field(obj, key, path);
    if (typeof v !== 'string') {
      this.fail(`${path}${key} is ${show(v)}; expected a string`);
    }
    return v;
  }

  run(value: unknown): GenotypeRunInfo {
    const run = this.object(value, 'run');
    const dataset = this.object(
      this.field(run, 'dataset', 'run.'),
      'run.dataset',
    );
    const createdAt = this.text(run, 'createdAt', 'run.');
    if (
      !/^\d{4}-\d\d-\d\dT/.test(createdAt) ||
      !Number.isFinite(Date.parse(createdAt))
    ) {
      this.fail(
        `run.createdAt is ${show(createdAt)}; expected an ISO 8601 time ` +
          'such as 2024-05-01T12:00:00.000Z',
      );
    }

    return {
      config: this.config(this.field(run, 'config', 'run.')),
      seed: this.count(run, 'seed', 'run.'),
      backend: this.text(run, 'backend', 'run.'),
      dataset: {
        name: this.text(dataset, 'name', 'run.dataset.'),
        trainImages: this.count(dataset, 'trainImages', 'run.dataset.'),
        source: this.text(dataset, 'source', 'run.dataset.'),
      },
      epoch: this.count(run, 'epoch', 'run.'),
      step: this.count(run, 'step', 'run.'),
      createdAt,
      opWeightsNormal: this.weights(run, 'opWeightsNormal'),
      opWeightsReduce: this.weights(run, 'opWeightsReduce'),
    };
  }

  config(value: unknown): SearchConfig {
    const obj = this.object(value, 'run.config');
    const config: Record<string, unknown> = {};

    // Our own defaults say which type each key has; unknown keys are dropped.
    for (const [key, example] of Object.entries(PAPER_CONFIG)) {
      const v = this.field(obj, key, 'run.config.');
      if (typeof v !== typeof example) {
        this.fail(
          `run.config.${key} is ${show(v)}; expected a ${typeof example}`,
        );
      }
      if (key === 'order' && v !== 'first' && v !== 'second') {
        this.fail(
          `run.config.order is ${show(v)}; expected 'first' or 'second'`,
        );
      }
      config[key] = v;
    }

    return config as unknown as SearchConfig;
  }

  weights(run: Record<string, unknown>, key: string): number[][] {
    const path = `run.${key}`;
    const rows = this.field(run, key, 'run.');
    const shape = `expected ${NUM_EDGES} rows (edges) of ${NUM_OPS} softmax weights`;
    if (!Array.isArray(rows) || rows.length !== NUM_EDGES) {
      this.fail(`${path} is ${show(rows)}; ${shape}`);
    }

    return rows.map((row: unknown, r) => {
      if (!Array.isArray(row) || row.length !== NUM_OPS) {
        this.fail(`${path}[${r}] is ${show(row)}; ${shape}`);
      }
      row.forEach((w: unknown, c) => {
        if (typeof w !== 'number' || !(w >= 0 && w <= 1)) {
          this.fail(
            `${path}[${r}][${c}] is ${show(w)}; expected a weight in [0, 1]`,
          );
        }
      });
      return [...(row as number[])];
    });
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A short description of a value for error messages. */
function show(v: unknown): string {
  if (v === undefined) return 'missing';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (isObject(v)) return 'an object';
  const text = JSON.stringify(v);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

// ---------------------------------------------------------------------------
// JSON text: writing, and reading with a position for every syntax fault.

/** JSON with two-space indents, but arrays of plain values on one line. */
function pretty(value: unknown, indent: string): string {
  const inner = indent + '  ';
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v !== 'object' || v === null)) {
      return `[${value.map((v) => JSON.stringify(v)).join(', ')}]`;
    }
    const items = value.map((v) => inner + pretty(v, inner));
    return `[\n${items.join(',\n')}\n${indent}]`;
  }
  if (isObject(value)) {
    const items = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${inner}${JSON.stringify(k)}: ${pretty(v, inner)}`);
    return items.length ? `{\n${items.join(',\n')}\n${indent}}` : '{}';
  }
  return JSON.stringify(value);
}

/** "line 3, column 14" for offset `pos` of `text`, as parse errors report it. */
export function lineColumn(text: string, pos: number): string {
  const before = text.slice(0, pos).split('\n');
  return `line ${before.length}, column ${before[before.length - 1].length + 1}`;
}

function parseJsonText(text: string, file: string): unknown {
  // Editors on Windows may save a byte-order mark, which JSON.parse rejects.
  const body = text.replace(/^\uFEFF/, '');
  try {
    return JSON.parse(body);
  } catch (err) {
    // Engines word (and place) JSON faults differently; find it ourselves.
    const fault = jsonFault(body);
    const where = fault
      ? `${fault.what} at ${lineColumn(body, fault.pos)}`
      : (err as Error).message;
    const hint = /Genotype\s*\(/.test(body)
      ? ' It looks like a Python Genotype(...) line: import it as Python.'
      : ' Fix the file or export it again from DARTS Studio.';
    throw new GenotypeFormatError(`${file}: not valid JSON: ${where}.${hint}`);
  }
}

/** The first syntax fault in JSON text, or undefined if there is none. */
function jsonFault(text: string): { pos: number; what: string } | undefined {
  let i = 0;
  const found = () =>
    i < text.length ? JSON.stringify(text[i]) : 'end of text';
  const fault = (what: string): never => {
    throw new JsonFault(i, `expected ${what}, found ${found()}`);
  };
  const space = () => {
    while (' \t\n\r'.includes(text[i] ?? 'x')) i++;
  };
  const number = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

  const string = () => {
    for (i++; i < text.length && text[i] !== '"'; i++) {
      if (text[i] < ' ') fault("a closing '\"' before the line break");
      if (text[i] !== '\\') continue;
      i++;
      if (text[i] === 'u' && /^[\da-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) {
        i += 4;
      } else if (!'"\\/bfnrt'.includes(text[i] ?? 'x')) {
        fault('an escape such as \\n or \\u00e9');
      }
    }
    if (i >= text.length) fault("a closing '\"'");
    i++;
  };

  const items = (close: string, item: () => void) => {
    i++;
    space();
    if (text[i] === close) return void i++;
    for (;;) {
      item();
      space();
      if (text[i] === close) return void i++;
      if (text[i] !== ',') fault(`',' or '${close}'`);
      i++;
      space();
    }
  };

  const value = (): void => {
    space();
    const ch = text[i];
    if (ch === '{') {
      return items('}', () => {
        if (text[i] !== '"') fault('a double-quoted property name');
        string();
        space();
        if (text[i] !== ':') fault("':'");
        i++;
        value();
      });
    }
    if (ch === '[') return items(']', value);
    if (ch === '"') return string();
    number.lastIndex = i;
    if (number.test(text)) return void (i = number.lastIndex);
    const word = ['true', 'false', 'null'].find((w) => text.startsWith(w, i));
    if (word) return void (i += word.length);
    fault('a value');
  };

  try {
    value();
    space();
    if (i < text.length) fault('the end of the text');
    return undefined;
  } catch (err) {
    if (err instanceof JsonFault) return { pos: err.pos, what: err.message };
    return undefined;
  }
}

class JsonFault extends Error {
  constructor(
    readonly pos: number,
    message: string,
  ) {
    super(message);
  }
}
