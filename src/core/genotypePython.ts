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
  const fields = new PythonReader(text, fileName).genotype();

  return readBareGenotype(fields, fileName);
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
