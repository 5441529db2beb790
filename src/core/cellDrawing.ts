import type { Genotype, GenotypeEdge } from './genotype';
import { GENOTYPE_OPS } from './genotypeJson';
import type { OpName } from './primitives';
import { OP_COLOURS } from './opColours';

/** Which cell of a genotype to draw. */
export type CellKind = 'normal' | 'reduce';

/** One cell read back from a drawing: edges node by node, then the concat. */
export interface ParsedCell {
  edges: GenotypeEdge[];
  concat: number[];
}

/** Drawing options for `cellToSvg`. */
export interface CellSvgOptions {
  /** Stroke colour per op; ops left out fall back to the app's palette. */
  opColours?: Partial<Record<OpName, string>>;
}

// The reference visualize.py's Graphviz colours, with their hex for the SVG.
const INPUT_FILL = { dot: 'darkseagreen2', hex: '#b4eeb4' };
const NODE_FILL = { dot: 'lightblue', hex: '#add8e6' };
const OUTPUT_FILL = { dot: 'palegoldenrod', hex: '#eee8aa' };
const OUTPUT = 'c_{k}';

function cellOf(g: Genotype, cell: CellKind): ParsedCell {
  return cell === 'normal'
    ? { edges: g.normal, concat: g.normalConcat }
    : { edges: g.reduce, concat: g.reduceConcat };
}

/** The drawn name of a genotype input: 0, 1 are the cell inputs, 2+m node m. */
function inputName(input: number): string {
  if (input === 0) return 'c_{k-2}';
  if (input === 1) return 'c_{k-1}';
  return String(input - 2);
}

function inputOfName(name: string, where: string): number {
  if (name === 'c_{k-2}') return 0;
  if (name === 'c_{k-1}') return 1;
  if (/^\d+$/.test(name)) return Number(name) + 2;
  throw new Error(
    `${where}: unknown node "${name}"; expected c_{k-2}, c_{k-1}, c_{k} or ` +
      'a node number. Export the drawing again from DARTS Studio.',
  );
}

function dotQuote(s: string): string {
  return `"${s.replace(/[\\"]/g, '\\$&')}"`;
}

/**
 * One cell as a Graphviz digraph in the reference visualize.py convention:
 * left to right, c_{k-2} and c_{k-1} into nodes 0..n-1, each edge labelled
 * with its op, and every concatenated node into c_{k}.
 */
export function cellToDot(genotype: Genotype, cell: CellKind): string {
  const { edges, concat } = cellOf(genotype, cell);
  const nodes = edges.length / 2;
  const q = dotQuote;
  const lines = [
    `digraph ${cell} {`,
    '  rankdir=LR;',
    '  node [style="rounded, filled", shape=rect, align=center, ' +
      'fontsize=20, height=0.5, width=0.5, penwidth=2, fontname=times];',
    '  edge [fontsize=20, fontname=times];',
    `  ${q('c_{k-2}')} [fillcolor=${INPUT_FILL.dot}];`,
    `  ${q('c_{k-1}')} [fillcolor=${INPUT_FILL.dot}];`,
  ];
  for (let i = 0; i < nodes; i++) {
    lines.push(`  ${q(String(i))} [fillcolor=${NODE_FILL.dot}];`);
  }

  edges.forEach(([op, input], k) => {
    const to = q(String(Math.floor(k / 2)));
    lines.push(
      `  ${q(inputName(input))} -> ${to} [label=${q(op)}, fillcolor=gray];`,
    );
  });

  lines.push(`  ${q(OUTPUT)} [fillcolor=${OUTPUT_FILL.dot}];`);
  for (const c of concat) {
    lines.push(`  ${q(inputName(c))} -> ${q(OUTPUT)} [fillcolor=gray];`);
  }
  lines.push('}', '');

  return lines.join('\n');
}

/**
 * Both cells as two separate digraphs, as the reference renders "normal" and
 * "reduction" to two files; each string round-trips through `parseCellDot`.
 */
export function genotypeToDot(genotype: Genotype): Record<CellKind, string> {
  return {
    normal: cellToDot(genotype, 'normal'),
    reduce: cellToDot(genotype, 'reduce'),
  };
}

/** A drawn op edge before it is checked: op, genotype input, target node. */
interface FoundEdge {
  op: string;
  input: number;
  node: number;
}

/**
 * Orders found edges node by node (stable, so each node keeps its file
 * order) and checks they form a cell: two edges per node, nodes 0..n-1,
 * known ops, inputs only from the cell inputs or earlier nodes.
 */
function assembleCell(
  found: FoundEdge[],
  concat: number[],
  where: string,
): ParsedCell {
  const fail = (what: string): never => {
    throw new Error(`${where}: ${what}`);
  };
  if (found.length === 0) fail('found no op edges; is this a cell drawing?');

  const nodes = found.length / 2;
  const counts = new Map<number, number>();
  for (const { node } of found) counts.set(node, (counts.get(node) ?? 0) + 1);
  for (const [node, count] of counts) {
    if (count !== 2 || node >= nodes) {
      fail(
        `node ${node} has ${count} incoming op edges; a cell of ` +
          `${found.length} op edges has nodes 0..${Math.ceil(nodes) - 1} ` +
          'with exactly two each.',
      );
    }
  }

  const sorted = [...found].sort((a, b) => a.node - b.node);
  const edges: GenotypeEdge[] = sorted.map(({ op, input, node }) => {
    if (!GENOTYPE_OPS.includes(op as OpName)) {
      fail(
        `node ${node} has unknown op "${op}"; expected one of ` +
          `${GENOTYPE_OPS.join(', ')}.`,
      );
    }
    if (input >= node + 2) {
      fail(`node ${node} reads node ${input - 2}, which is not earlier.`);
    }
    return [op as OpName, input];
  });

  for (const c of concat) {
    if (c >= nodes + 2) fail(`concat names node ${c - 2}, which is not drawn.`);
  }

  return { edges, concat };
}

function unquote(id: string): string {
  return id.startsWith('"') ? id.slice(1, -1).replace(/\\(.)/g, '$1') : id;
}

const DOT_ID = String.raw`("(?:[^"\\]|\\.)*"|[\w.]+)`;
const DOT_LABEL = new RegExp(String.raw`\blabel\s*=\s*${DOT_ID}`);
const DOT_EDGE = new RegExp(
  String.raw`${DOT_ID}\s*->\s*${DOT_ID}\s*(?:\[([^\]]*)\])?`,
  'g',
);

/** Reads back one cell from a DOT digraph written by `cellToDot`. */
export function parseCellDot(text: string): ParsedCell {
  const where = 'parseCellDot';
  if (!/^\s*(strict\s+)?digraph\b[^{]*\{[\s\S]*\}\s*$/.test(text)) {
    throw new Error(
      `${where}: expected one "digraph ... { ... }"; got text starting ` +
        `${JSON.stringify(text.slice(0, 40))}. Pass a cell's DOT export.`,
    );
  }
  const found: FoundEdge[] = [];
  const concat: number[] = [];

  for (const [, rawFrom, rawTo, list = ''] of text.matchAll(DOT_EDGE)) {
    const from = inputOfName(unquote(rawFrom), where);
    const to = unquote(rawTo);
    if (to === OUTPUT) {
      concat.push(from);
      continue;
    }
    const node = inputOfName(to, where) - 2;
    const label = DOT_LABEL.exec(list);
    const op = label ? unquote(label[1]) : undefined;
    if (node < 0) throw new Error(`${where}: an edge points into input ${to}.`);
    if (op === undefined) {
      throw new Error(
        `${where}: the edge ${unquote(rawFrom)} -> ${to} has ` +
          'no label; each op edge needs label="<op name>".',
      );
    }
    found.push({ op, input: from, node });
  }

  return assembleCell(found, concat, where);
}

const BOX_W = 76;
const BOX_H = 34;
const COL_W = 240;
const ROW_H = 84;
const MARGIN = 24;
const SVG_NS = 'http://www.w3.org/2000/svg';

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
const UNESCAPES = new Map(Object.entries(ESCAPES).map(([c, e]) => [e, c]));

function xmlEscape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** Undoes `xmlEscape` only: our own files hold no other entities. */
function xmlUnescape(s: string): string {
  return s.replace(/&(amp|lt|gt|quot|#39);/g, (e) => UNESCAPES.get(e)!);
}

/** One decimal is enough for pixels and keeps the file short. */
function px(n: number): string {
  return String(Math.round(n * 10) / 10);
}

type Point = [number, number];

/**
 * Box centres keyed by genotype input number (-1 is c_{k}), in columns by
 * depth as dot ranks them: inputs first, each node one column right of its
 * deepest input, c_{k} last; each column centred.
 */
function layoutCell(edges: GenotypeEdge[]) {
  const column = new Map<number, number>([
    [0, 0],
    [1, 0],
  ]);
  for (let node = 0; node < edges.length / 2; node++) {
    const inputs = [edges[2 * node][1], edges[2 * node + 1][1]];
    column.set(
      node + 2,
      1 + Math.max(...inputs.map((i) => column.get(i) ?? 0)),
    );
  }
  const last = Math.max(...column.values()) + 1;
  column.set(-1, last);

  const columns: number[][] = Array.from({ length: last + 1 }, () => []);
  for (const [id, col] of column) columns[col].push(id);
  const rows = Math.max(...columns.map((c) => c.length));
  const height = 2 * MARGIN + rows * ROW_H;

  const at = new Map<number, Point>();
  columns.forEach((ids, col) => {
    const top = height / 2 - ((ids.length - 1) * ROW_H) / 2;
    ids.forEach((id, row) => {
      at.set(id, [MARGIN + BOX_W / 2 + col * COL_W, top + row * ROW_H]);
    });
  });

  return { at, width: 2 * MARGIN + BOX_W + last * COL_W, height };
}

/** The point at t on the quadratic Bezier p0, c, p2. */
function bezier(t: number, p0: Point, c: Point, p2: Point): Point {
  const [a, b, d] = [(1 - t) ** 2, 2 * t * (1 - t), t ** 2];
  return [a * p0[0] + b * c[0] + d * p2[0], a * p0[1] + b * c[1] + d * p2[1]];
}

/**
 * A curved arrow from one box to the next. A node's two inputs land a little
 * above and below its centre (dy), and the n-th repeat of one pair bends
 * further, so NASNet's two pools from c_{k-2} into node 3 stay apart.
 */
function arrowPath(from: Point, to: Point, repeat: number, dy = 0) {
  const p0: Point = [from[0] + BOX_W / 2, from[1]];
  const p2: Point = [to[0] - BOX_W / 2, to[1] + dy];
  const [dx, dyLine] = [p2[0] - p0[0], p2[1] - p0[1]];
  const len = Math.hypot(dx, dyLine) || 1;
  const bend = (repeat % 2 ? 1 : -1) * 28 * Math.ceil(repeat / 2);
  const c: Point = [
    (p0[0] + p2[0]) / 2 - (dyLine / len) * bend,
    (p0[1] + p2[1]) / 2 + (dx / len) * bend,
  ];
  const d =
    `M${px(p0[0])},${px(p0[1])} Q${px(c[0])},${px(c[1])} ` +
    `${px(p2[0])},${px(p2[1])}`;

  // Labels sit past the middle, where edges into different nodes have
  // already fanned apart; at t = 1/2 the edges out of one input overlap.
  return { d, label: bezier(0.65, p0, c, p2) };
}

function boxSvg(name: string, [x, y]: Point, fill: string): string {
  const box =
    `x="${px(x - BOX_W / 2)}" y="${px(y - BOX_H / 2)}" width="${BOX_W}" ` +
    `height="${BOX_H}" rx="6" fill="${fill}" stroke="#333"`;
  const text = `x="${px(x)}" y="${px(y + 5)}" text-anchor="middle"`;

  return (
    `<g class="node" data-node="${xmlEscape(name)}"><rect ${box}/>` +
    `<text ${text} font-size="14">${xmlEscape(name)}</text></g>`
  );
}

// SVG 1.1 markers can't take their path's colour, so one arrowhead per colour.
function markerId(colour: string): string {
  return `darts-arrow-${colour.replace(/\W/g, '')}`;
}

function markerSvg(id: string, colour: string): string {
  return (
    `<marker id="${id}" viewBox="0 0 10 10" refX="10" refY="5" ` +
    'markerWidth="7" markerHeight="7" orient="auto">' +
    `<path d="M0,0L10,5L0,10z" fill="${xmlEscape(colour)}"/></marker>`
  );
}

interface DrawnEdge {
  op: OpName;
  input: number;
  node: number;
  colour: string;
  path: { d: string; label: Point };
}

function edgeSvg({ op, input, node, colour, path }: DrawnEdge): string {
  const c = xmlEscape(colour);
  const data = `data-op="${xmlEscape(op)}" data-from="${input}"`;
  const [x, y] = path.label;
  const at = `x="${px(x)}" y="${px(y - 4)}" text-anchor="middle"`;
  const halo = 'stroke="#fff" stroke-width="3" paint-order="stroke"';

  return (
    `<g class="edge" ${data} data-to="${node}">` +
    `<path d="${path.d}" fill="none" stroke="${c}" stroke-width="2" ` +
    `marker-end="url(#${markerId(colour)})"/>` +
    `<text ${at} font-size="12" fill="${c}" ${halo}>${xmlEscape(op)}</text>` +
    '</g>'
  );
}

function boxesSvg(at: Map<number, Point>, nodes: number): string[] {
  const boxes = [
    boxSvg('c_{k-2}', at.get(0)!, INPUT_FILL.hex),
    boxSvg('c_{k-1}', at.get(1)!, INPUT_FILL.hex),
  ];
  for (let node = 0; node < nodes; node++) {
    boxes.push(boxSvg(String(node), at.get(node + 2)!, NODE_FILL.hex));
  }
  boxes.push(boxSvg(OUTPUT, at.get(-1)!, OUTPUT_FILL.hex));

  return boxes;
}

/**
 * One cell as a standalone SVG document (no DOM needed): inputs left, nodes
 * in columns by depth, c_{k} right, op-coloured arrows. The root carries
 * data-cell and data-concat, each op edge data-op, data-from (genotype
 * input number) and data-to (node), so `parseCellSvg` can read it back.
 */
export function cellToSvg(
  genotype: Genotype,
  cell: CellKind,
  options: CellSvgOptions = {},
): string {
  const { edges, concat } = cellOf(genotype, cell);
  const colours = { ...OP_COLOURS, ...options.opColours };
  const { at, width, height } = layoutCell(edges);
  const seen = new Map<string, number>();
  const arrow = (from: number, to: number, dy?: number) => {
    const key = `${from}>${to}`;
    seen.set(key, (seen.get(key) ?? -1) + 1);
    return arrowPath(at.get(from)!, at.get(to)!, seen.get(key)!, dy);
  };
  const grey = '#555';
  const used = new Set([grey, ...edges.map(([op]) => colours[op])]);
  const markers = [...used].map((c) => markerSvg(markerId(c), c));
  const parts = [
    `<svg xmlns="${SVG_NS}" width="${width}" height="${height}" ` +
      `viewBox="0 0 ${width} ${height}" font-family="sans-serif" ` +
      `data-cell="${cell}" data-concat="${concat.join(',')}">`,
    `<defs>${markers.join('')}</defs>`,
    '<rect width="100%" height="100%" fill="#fff"/>',
    // Boxes go under the edges: an edge that skips a column crosses a box,
    // and its label must stay readable on top.
    ...boxesSvg(at, edges.length / 2),
  ];

  edges.forEach(([op, input], k) => {
    const node = Math.floor(k / 2);
    const path = arrow(input, node + 2, k % 2 ? 7 : -7);
    parts.push(edgeSvg({ op, input, node, colour: colours[op], path }));
  });
  for (const c of concat) {
    const end = `marker-end="url(#${markerId(grey)})"`;
    parts.push(
      `<g class="concat-edge" data-from="${c}"><path d="${arrow(c, -1).d}" ` +
        `fill="none" stroke="${grey}" stroke-width="1.5" ${end}/></g>`,
    );
  }

  parts.push('</svg>', '');

  return parts.join('\n');
}

/** Attributes of one XML start tag, entities decoded. */
function tagAttrs(tag: string): Map<string, string> {
  const attrs = new Map<string, string>();
  for (const [, key, dq, sq] of tag.matchAll(
    /([\w:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g,
  )) {
    attrs.set(key, xmlUnescape(dq ?? sq));
  }
  return attrs;
}

function svgInt(value: string | undefined, what: string): number {
  if (value === undefined || !/^\d+$/.test(value.trim())) {
    throw new Error(
      `parseCellSvg: ${what} is ${JSON.stringify(value)}; expected a whole ` +
        'number. Export the drawing again from DARTS Studio.',
    );
  }
  return Number(value);
}

/** Reads back one cell from an SVG written by `cellToSvg`, by regex only. */
export function parseCellSvg(text: string): ParsedCell {
  const where = 'parseCellSvg';
  const root = /^\s*(?:<\?xml[^>]*\?>\s*)?(<svg\b[^>]*>)/.exec(text);
  const rootAttrs = root ? tagAttrs(root[1]) : new Map<string, string>();
  const concatText = rootAttrs.get('data-concat');
  if (concatText === undefined) {
    throw new Error(
      `${where}: expected an <svg data-cell=... data-concat=...> root as ` +
        'cellToSvg writes; this is not a DARTS Studio cell drawing.',
    );
  }
  const concat =
    concatText.trim() === ''
      ? []
      : concatText.split(',').map((c) => svgInt(c, 'a data-concat entry'));
  const found: FoundEdge[] = [];

  for (const [tag] of text.matchAll(/<g\b[^>]*>/g)) {
    const attrs = tagAttrs(tag);
    if (!(attrs.get('class') ?? '').split(/\s+/).includes('edge')) continue;
    found.push({
      op: attrs.get('data-op') ?? '',
      input: svgInt(attrs.get('data-from'), "an edge's data-from"),
      node: svgInt(attrs.get('data-to'), "an edge's data-to"),
    });
  }

  return assembleCell(found, concat, where);
}
