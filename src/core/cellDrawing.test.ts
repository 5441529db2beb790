import { describe, expect, it } from 'vitest';

import {
  cellToDot,
  cellToSvg,
  genotypeToDot,
  parseCellDot,
  parseCellSvg,
  type CellKind,
} from './cellDrawing';
import type { Genotype } from './genotype';
import { DARTS_V2, NAMED_GENOTYPES, NASNet } from './namedGenotypes';

const CELLS: CellKind[] = ['normal', 'reduce'];

function expected(g: Genotype, cell: CellKind) {
  return cell === 'normal'
    ? { edges: g.normal, concat: g.normalConcat }
    : { edges: g.reduce, concat: g.reduceConcat };
}

describe('the DOT drawing', () => {
  it('round-trips both cells of every named genotype', () => {
    for (const g of Object.values(NAMED_GENOTYPES)) {
      for (const cell of CELLS) {
        expect(parseCellDot(cellToDot(g, cell))).toEqual(expected(g, cell));
      }
    }
  });

  it('draws the DARTS_V2 normal cell as the reference does', () => {
    const dot = cellToDot(DARTS_V2, 'normal');
    const edgeLines = dot.split('\n').filter((l) => l.includes('->'));

    expect(dot).toMatch(/^digraph normal \{\n {2}rankdir=LR;/);
    expect(dot).toContain('  "c_{k-2}" [fillcolor=darkseagreen2];');
    expect(dot).toContain('  "3" [fillcolor=lightblue];');
    expect(dot).toContain('  "c_{k}" [fillcolor=palegoldenrod];');
    expect(edgeLines).toEqual([
      '  "c_{k-2}" -> "0" [label="sep_conv_3x3", fillcolor=gray];',
      '  "c_{k-1}" -> "0" [label="sep_conv_3x3", fillcolor=gray];',
      '  "c_{k-2}" -> "1" [label="sep_conv_3x3", fillcolor=gray];',
      '  "c_{k-1}" -> "1" [label="sep_conv_3x3", fillcolor=gray];',
      '  "c_{k-1}" -> "2" [label="sep_conv_3x3", fillcolor=gray];',
      '  "c_{k-2}" -> "2" [label="skip_connect", fillcolor=gray];',
      '  "c_{k-2}" -> "3" [label="skip_connect", fillcolor=gray];',
      '  "0" -> "3" [label="dil_conv_3x3", fillcolor=gray];',
      '  "0" -> "c_{k}" [fillcolor=gray];',
      '  "1" -> "c_{k}" [fillcolor=gray];',
      '  "2" -> "c_{k}" [fillcolor=gray];',
      '  "3" -> "c_{k}" [fillcolor=gray];',
    ]);
  });

  it('draws only the concatenated nodes into c_{k}', () => {
    const dot = cellToDot(NASNet, 'reduce');

    expect(dot).not.toContain('"0" -> "c_{k}"');
    expect(dot).toContain('"4" -> "c_{k}"');
    expect(parseCellDot(dot).concat).toEqual([4, 5, 6]);
  });

  it('gives each cell its own digraph', () => {
    const both = genotypeToDot(DARTS_V2);

    expect(both.normal).toBe(cellToDot(DARTS_V2, 'normal'));
    expect(parseCellDot(both.reduce)).toEqual(expected(DARTS_V2, 'reduce'));
  });

  it('reads edges whatever their spacing, order and attributes', () => {
    const dot = `digraph{
      "0"->"c_{k}"
      "c_{k-1}" -> "0" [fontsize=20 label=max_pool_3x3]
      c_0 [x=1]; "c_{k-2}"->"0"[label="skip_connect"];
    }`;

    expect(parseCellDot(dot)).toEqual({
      edges: [
        ['max_pool_3x3', 1],
        ['skip_connect', 0],
      ],
      concat: [2],
    });
  });

  it('says what is wrong with a malformed DOT', () => {
    const dot = cellToDot(DARTS_V2, 'normal');

    expect(() => parseCellDot('graph { a -- b }')).toThrow(
      /parseCellDot: expected one "digraph/,
    );
    expect(() => parseCellDot('digraph { }')).toThrow(/found no op edges/);
    expect(() =>
      parseCellDot(dot.replace('label="dil_conv_3x3"', 'label="conv_9x9"')),
    ).toThrow(/node 3 has unknown op "conv_9x9"/);
    expect(() =>
      parseCellDot(dot.replace('"0" -> "3" [label', '"0" -> "2" [label')),
    ).toThrow(/node 2 has 3 incoming op edges/);
    expect(() => parseCellDot(dot.replace('"0" -> "3"', '"x" -> "3"'))).toThrow(
      /unknown node "x"/,
    );
    expect(() =>
      parseCellDot(dot.replace('"c_{k-2}" -> "0" [label', '"1" -> "0" [label')),
    ).toThrow(/node 0 reads node 1, which is not earlier/);
    expect(() =>
      parseCellDot(dot.replace('[label="skip_connect", ', '[')),
    ).toThrow(/has no label/);
  });
});

describe('the SVG drawing', () => {
  it('round-trips both cells of every named genotype', () => {
    for (const g of Object.values(NAMED_GENOTYPES)) {
      for (const cell of CELLS) {
        expect(parseCellSvg(cellToSvg(g, cell))).toEqual(expected(g, cell));
      }
    }
  });

  it('is a standalone, well-formed document', () => {
    for (const g of Object.values(NAMED_GENOTYPES)) {
      for (const cell of CELLS) {
        const svg = cellToSvg(g, cell);
        const numbers = svg.match(/(?:x|y|d|width|height)="[^"]*"/g) ?? [];

        expect(svg.startsWith('<svg')).toBe(true);
        expect(svg).toContain('xmlns="http://www.w3.org/2000/svg"');
        expect(svg).toMatch(/viewBox="0 0 \d+ \d+"/);
        expect(svg).toContain('font-family="sans-serif"');
        expect(svg).toContain('<rect width="100%" height="100%" fill="#fff"/>');
        expect(svg.match(/<g\b/g)?.length).toBe(svg.match(/<\/g>/g)?.length);
        expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
        expect(numbers.length).toBeGreaterThan(0);
        expect(numbers.join(' ')).not.toMatch(/NaN|Infinity|undefined/);
      }
    }
  });

  it('carries the cell, the concat and each edge as data attributes', () => {
    const svg = cellToSvg(DARTS_V2, 'normal');

    expect(svg).toMatch(/^<svg [^>]*data-cell="normal" data-concat="2,3,4,5">/);
    expect(svg).toContain(
      '<g class="edge" data-op="sep_conv_3x3" data-from="1" data-to="0">',
    );
    expect(svg).toContain('data-op="dil_conv_3x3" data-from="2" data-to="3"');
  });

  it('colours each op as the palette does, or as asked', () => {
    const svg = cellToSvg(DARTS_V2, 'reduce', {
      opColours: { max_pool_3x3: '#123456' },
    });

    expect(svg).toContain('stroke="#123456"');
    expect(svg).toContain('stroke="#009e73"');
  });

  it('escapes what it writes as text', () => {
    const svg = cellToSvg(DARTS_V2, 'normal', {
      opColours: { sep_conv_3x3: '"><script>' },
    });

    expect(svg).not.toContain('<script>');
    expect(svg).toContain('stroke="&quot;&gt;&lt;script&gt;"');
    expect(parseCellSvg(svg)).toEqual(expected(DARTS_V2, 'normal'));
  });

  it('says what is wrong with a file it did not write', () => {
    const svg = cellToSvg(DARTS_V2, 'normal');

    expect(() => parseCellSvg('<svg xmlns="x"></svg>')).toThrow(
      /parseCellSvg: expected an <svg data-cell/,
    );
    expect(() =>
      parseCellSvg(svg.replace('data-to="3"', 'data-to="x"')),
    ).toThrow(/an edge's data-to is "x"; expected a whole number/);
    expect(() => parseCellSvg(svg.replace('2,3,4,5', '2,3,4,9'))).toThrow(
      /concat names node 7, which is not drawn/,
    );
  });
});
