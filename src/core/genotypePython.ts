/**
 * The reference's Python form of a genotype: the one-line `Genotype(...)` its
 * logs print and genotypes.py holds, written and read back. Reading checks
 * the fields as a bare genotype file's (genotypeJson.ts).
 */
import type { Genotype, GenotypeEdge } from './genotype';
import {
  GenotypeFormatError,
  lineColumn,
  readBareGenotype,
} from './genotypeJson';

/** The reference's one-line Python form of a genotype, as its logs print it. */
export function genotypeToPython(g: Genotype): string {
  const edges = (cell: GenotypeEdge[]) =>
    `[${cell.map(([op, input]) => `('${op}', ${input})`).join(', ')}]`;
  const concat = (c: number[]) => `[${c.join(', ')}]`;

  return (
    `Genotype(normal=${edges(g.normal)}, ` +
    `normal_concat=${concat(g.normalConcat)}, ` +
    `reduce=${edges(g.reduce)}, ` +
    `reduce_concat=${concat(g.reduceConcat)})`
  );
}

/**
 * Reads a Python `Genotype(...)` line back, e.g. pasted from the reference's
 * log.txt; concats may be lists or `range(a, b)`.
 */
export function parseGenotypePython(
  text: string,
  fileName: string = 'Python genotype',
): Genotype {
  if (/Genotype\s*\(\s*recurrent\s*=/.test(text)) {
    throw new GenotypeFormatError(
      `${fileName}: this is a recurrent (Penn Treebank) genotype; import it ` +
        'in the Penn Treebank space, or give --space rnn on the command line.',
    );
  }
  const fields = new PythonReader(text, fileName).genotype();

  return readBareGenotype(fields, fileName);
}

/** A genotype picked from a Python file that may hold several. */
export interface PythonGenotypeChoice {
  genotype: Genotype;
  /** The name it was assigned to (`DARTS_V2 = Genotype(...)`), if any. */
  name?: string;
  /** How many `Genotype(...)` calls the file holds. */
  count: number;
  line: number;
}

/**
 * One `Genotype(...)` of a Python file or search log: `name`'s if given,
 * else the last (a search log's final genotype; DARTS_V2 in the
 * reference's genotypes.py).
 */
export function pickPythonGenotype(
  text: string,
  fileName: string,
  name?: string,
): PythonGenotypeChoice {
  const found = [
    ...text.matchAll(/(?:\b([A-Za-z_]\w*)\s*=\s*)?(Genotype\s*\()/g),
  ].map((m) => ({
    name: m[1] as string | undefined,
    at: m.index + m[0].length - m[2].length,
    line: text.slice(0, m.index).split('\n').length,
  }));
  // No Genotype( at all: the parser says so, naming the file.
  if (found.length === 0) {
    return { genotype: parseGenotypePython(text, fileName), count: 0, line: 1 };
  }
  let pick = found[found.length - 1];
  if (name !== undefined) {
    const byName = found.filter((g) => g.name === name);
    if (byName.length === 0) {
      const names = [...new Set(found.map((g) => g.name).filter(Boolean))];
      throw new GenotypeFormatError(
        `${fileName}: there is no ${name} = Genotype(...); the file names ` +
          `${names.length ? names.join(', ') : 'none of its genotypes'}.`,
      );
    }
    pick = byName[byName.length - 1];
  }

  // Blank out the text before it, so the parser's line:column still match.
  const end = closingParen(text, pick.at);
  const call =
    text.slice(0, pick.at).replace(/[^\n]/g, ' ') + text.slice(pick.at, end);
  return {
    genotype: parseGenotypePython(call, fileName),
    name: pick.name,
    count: found.length,
    line: pick.line,
  };
}

/** Index just past the ')' closing the call at `from`, or the text's end. */
function closingParen(text: string, from: number): number {
  let depth = 0;
  let quote = '';
  for (let i = text.indexOf('(', from); i < text.length; i++) {
    const ch = text[i];
    if (quote) {
      if (ch === quote) quote = '';
    } else if (ch === "'" || ch === '"') {
      quote = ch;
    } else if (ch === '(' || ch === '[') {
      depth++;
    } else if (ch === ')' || ch === ']') {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return text.length;
}

type PyValue = string | number | PyValue[];

const PY_FIELDS = ['normal', 'normal_concat', 'reduce', 'reduce_concat'];

/** A recursive-descent reader for the few Python literals a genotype uses. */
class PythonReader {
  private i = 0;

  constructor(
    private readonly text: string,
    private readonly file: string,
  ) {}

  private fail(message: string, pos = this.i): never {
    throw new GenotypeFormatError(
      `${this.file}: ${message} at ${lineColumn(this.text, pos)}.`,
    );
  }

  private peek(): string {
    while (/\s/.test(this.text[this.i] ?? '')) this.i++;
    return this.text[this.i] ?? '';
  }

  private expect(ch: string): void {
    const found = this.peek();
    if (found !== ch) {
      this.fail(`expected '${ch}', found ${found ? `'${found}'` : 'the end'}`);
    }
    this.i++;
  }

  private name(): string {
    this.peek();
    const m = /[A-Za-z_]\w*/y;
    m.lastIndex = this.i;
    if (!m.test(this.text)) this.fail('expected a name');
    const word = this.text.slice(this.i, m.lastIndex);
    this.i = m.lastIndex;
    return word;
  }

  private value(): PyValue {
    const ch = this.peek();
    if (ch === '[' || ch === '(') return this.sequence(ch === '[' ? ']' : ')');
    if (ch === "'" || ch === '"') {
      const end = this.text.indexOf(ch, this.i + 1);
      if (end < 0) this.fail(`unterminated string, expected a closing ${ch}`);
      const s = this.text.slice(this.i + 1, end);
      this.i = end + 1;
      return s;
    }
    const int = /-?\d+/y;
    int.lastIndex = this.i;
    if (int.test(this.text)) {
      const n = Number(this.text.slice(this.i, int.lastIndex));
      this.i = int.lastIndex;
      return n;
    }
    const at = this.i;
    if (/[A-Za-z_]/.test(ch) && this.name() === 'range') return this.range(at);
    return this.fail('expected a list, tuple, string, integer or range()', at);
  }

  private sequence(close: string): PyValue[] {
    const items: PyValue[] = [];
    this.i++;
    while (this.peek() !== close) {
      items.push(this.value());
      if (this.peek() !== close) this.expect(',');
    }
    this.i++;
    return items;
  }

  private range(at: number): number[] {
    if (this.peek() !== '(') this.expect('(');
    const args = this.sequence(')');
    const [a, b, step = 1] = args.length === 1 ? [0, args[0]] : args;
    const ints = args.every(Number.isInteger) && args.length <= 3;
    if (!ints || args.length === 0 || (step as number) <= 0) {
      this.fail(
        'expected range(stop), range(start, stop) or a positive step',
        at,
      );
    }
    const out: number[] = [];
    for (let v = a as number; v < (b as number); v += step as number)
      out.push(v);
    return out;
  }

  /** The named fields of the Genotype(...) call, unchecked. */
  genotype(): Record<string, unknown> {
    const start = /Genotype\s*\(/.exec(this.text);
    if (!start) {
      this.fail(
        "no 'Genotype(' found; expected a line such as Genotype(normal=" +
          "[('sep_conv_3x3', 0), ...], normal_concat=[2, 3, 4, 5], ...)",
        0,
      );
    }
    this.i = start.index + start[0].length;
    const fields: Record<string, unknown> = {};

    // Arguments: positional in namedtuple order, or keywords.
    for (let k = 0; this.peek() !== ')'; k++) {
      const at = this.i;
      let key: string | undefined = PY_FIELDS[k];
      if (/[A-Za-z_]/.test(this.peek()) && this.name() !== 'range') {
        key = this.text.slice(at, this.i);
        this.expect('=');
      } else {
        this.i = at;
      }
      if (key === undefined || !PY_FIELDS.includes(key)) {
        this.fail(
          `${key === undefined ? 'a fifth argument' : `unknown field '${key}'`}` +
            `; Genotype has the fields ${PY_FIELDS.join(', ')}`,
          at,
        );
      }
      if (key in fields) this.fail(`field '${key}' given twice`, at);
      fields[key] = this.value();
      if (this.peek() !== ')') this.expect(',');
    }
    this.i++;

    if (this.peek() !== '') this.fail("unexpected text after the closing ')'");
    return fields;
  }
}
