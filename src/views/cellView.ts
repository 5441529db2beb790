/**
 * The search cell as the DARTS paper draws it: inputs c_{k-2} and c_{k-1}
 * on the left, intermediate nodes 0-3, output c_{k} on the right. Each of
 * the 14 mixed edges is a bundle of 7 strands, one per op other than 'none',
 * whose width and opacity follow the op's softmax weight; the 'none' weight
 * fades the whole bundle. `draw` builds every element once; `update`
 * restyles them per snapshot with short transitions.
 */
import * as d3 from 'd3';
// selection.transition() is patched in by this module's side effect, which
// the bundler drops when it is reached only through d3's re-exports.
import 'd3-transition';
import type { GenotypeEdge } from '../core/genotype';
import {
  edgeIndex,
  NUM_EDGES,
  NUM_OPS,
  PRIMITIVES,
  STEPS,
} from '../core/primitives';
import { OP_COLOURS, STRAND_OPS } from './palette';

export type CellKind = 'normal' | 'reduce';

const WIDTH = 600;
const HEIGHT = 330;
const NODE_R = 17;
const STRAND_GAP = 2.1;
const TRANSITION_MS = 300;

/** States of the cell: 0 = c_{k-2}, 1 = c_{k-1}, 2+m = node m, 6 = c_{k}. */
const STATE_POS: Array<[number, number]> = [
  [48, 78],
  [48, 252],
  [180, 168],
  [292, 62],
  [368, 270],
  [470, 150],
  [566, 165],
];
const OUTPUT = STEPS + 2;

/** One mixed edge: alphas row `index`, from state `from` into node `node`. */
interface EdgeDatum {
  index: number;
  node: number;
  from: number;
  /** Quadratic Bézier: start, control, end. */
  p0: [number, number];
  c: [number, number];
  p2: [number, number];
  /** Unit normal of the chord, along which strands are offset. */
  n: [number, number];
}

interface StrandDatum {
  edge: EdgeDatum;
  /** Column in the opWeights row (1..7: 'none' is column 0). */
  column: number;
  offset: number;
}

/** A D3 view of one cell kind, owning one <svg>. */
export class CellView {
  private readonly svg: d3.Selection<SVGSVGElement, unknown, null, undefined>;
  private readonly edges: EdgeDatum[] = buildEdges();
  private weights: Float32Array = uniformWeights();
  private hovered: EdgeDatum | null = null;

  constructor(
    svg: SVGSVGElement,
    private readonly kind: CellKind,
  ) {
    this.svg = d3.select(svg);
  }

  /** Builds the whole drawing once, with every op equally weighted. */
  draw(): void {
    const svg = this.svg
      .attr('viewBox', `0 0 ${WIDTH} ${HEIGHT}`)
      .attr('class', `cell-view cell-${this.kind}`)
      .attr('role', 'img')
      .attr(
        'aria-label',
        `${this.kind === 'normal' ? 'Normal' : 'Reduction'} cell: 14 edges, ` +
          'each a bundle of one strand per candidate op',
      );
    svg.selectAll('*').remove();

    this.drawOutputEdges(svg.append('g').attr('class', 'concat'));
    this.drawEdges(svg.append('g').attr('class', 'edges'));
    this.drawNodes(svg.append('g').attr('class', 'nodes'));
    this.drawTooltip(
      svg.append('g').attr('class', 'tooltip').style('display', 'none'),
    );
    this.update(this.weights, null, false);
  }

  /**
   * Restyles for a snapshot: opWeights is softmax(alphas) [14, 8] row-major;
   * `kept` are the genotype's 8 edges for this cell (null: none marked).
   */
  update(
    opWeights: Float32Array,
    kept: GenotypeEdge[] | null,
    animate = true,
  ): void {
    if (opWeights.length !== NUM_EDGES * NUM_OPS) {
      throw new Error(
        `CellView.update: opWeights has ${opWeights.length} values; expected ` +
          `${NUM_EDGES}x${NUM_OPS} = ${NUM_EDGES * NUM_OPS}`,
      );
    }
    this.weights = opWeights;
    const keptOps = keptByEdge(kept);
    const ms = animate && !prefersReducedMotion() ? TRANSITION_MS : 0;
    const w = (edge: number, column: number) =>
      opWeights[edge * NUM_OPS + column];

    const groups = this.svg.selectAll<SVGGElement, EdgeDatum>('g.edge');
    groups
      .attr('data-kept', (d) => String(keptOps.has(d.index)))
      .attr('data-op', (d) => keptOps.get(d.index) ?? null)
      .attr('data-none', (d) => w(d.index, 0).toPrecision(6))
      .transition('fade')
      .duration(ms)
      .ease(d3.easeCubicOut)
      .attr('opacity', (d) => edgeOpacity(w(d.index, 0), keptOps.has(d.index)));

    groups
      .select<SVGPathElement>('path.edge-kept')
      .attr('stroke', (d) => colourOf(keptOps.get(d.index)))
      .transition('kept')
      .duration(ms)
      .attr('stroke-opacity', (d) => (keptOps.has(d.index) ? 0.2 : 0));

    const spots = placeLabels(this.edges, keptOps);
    groups
      .select<SVGTextElement>('text.edge-label')
      .text((d) => keptOps.get(d.index) ?? '')
      .attr('fill', (d) => colourOf(keptOps.get(d.index)))
      .transition('label')
      .duration(ms)
      .attr('x', (d) => spots.get(d.index)?.[0] ?? pointAt(d, 0.5)[0])
      .attr('y', (d) => spots.get(d.index)?.[1] ?? pointAt(d, 0.5)[1])
      .attr('opacity', (d) => (keptOps.has(d.index) ? 1 : 0));

    this.svg
      .selectAll<SVGPathElement, StrandDatum>('path.strand')
      .attr('data-weight', (d) => w(d.edge.index, d.column).toPrecision(7))
      .transition('weight')
      .duration(ms)
      .ease(d3.easeCubicOut)
      .attr('stroke-width', (d) => strandWidth(w(d.edge.index, d.column)))
      .attr('stroke-opacity', (d) => strandOpacity(opWeights, d));

    if (this.hovered) this.showTooltip(this.hovered);
  }

  /** Drops listeners and transitions; the React component removes the <svg>. */
  destroy(): void {
    this.svg.selectAll('*').interrupt();
    this.svg.selectAll('g.edge').on('mouseenter mouseleave focus blur', null);
  }

  private drawOutputEdges(
    g: d3.Selection<SVGGElement, unknown, null, undefined>,
  ): void {
    const [ox, oy] = STATE_POS[OUTPUT];
    for (let node = 0; node < STEPS; node++) {
      const [x, y] = STATE_POS[node + 2];
      g.append('path')
        .attr('class', 'concat-edge')
        .attr('data-node', node)
        .attr(
          'd',
          `M${x},${y} Q${(x + ox) / 2 + 20},${(y + oy) / 2} ${ox},${oy}`,
        );
    }
  }

  private drawEdges(
    g: d3.Selection<SVGGElement, unknown, null, undefined>,
  ): void {
    const groups = g
      .selectAll<SVGGElement, EdgeDatum>('g.edge')
      .data(this.edges, (d) => String(d.index))
      .join('g')
      .attr('class', 'edge')
      .attr('data-edge', (d) => d.index)
      .attr('data-from', (d) => d.from)
      .attr('data-node', (d) => d.node)
      .attr('tabindex', 0)
      .attr('aria-label', (d) => `${stateName(d.from)} to node ${d.node}`);

    groups
      .append('path')
      .attr('class', 'edge-kept')
      .attr('d', (d) => curve(d, 0))
      .attr('stroke-opacity', 0);

    groups
      .selectAll<SVGPathElement, StrandDatum>('path.strand')
      .data((edge) =>
        STRAND_OPS.map((_, k) => ({
          edge,
          column: k + 1,
          offset: (k - (STRAND_OPS.length - 1) / 2) * STRAND_GAP,
        })),
      )
      .join('path')
      .attr('class', 'strand')
      .attr('data-edge', (d) => d.edge.index)
      .attr('data-op', (d) => PRIMITIVES[d.column])
      .attr('stroke', (d) => OP_COLOURS[PRIMITIVES[d.column]])
      .attr('d', (d) => curve(d.edge, d.offset));

    groups
      .append('text')
      .attr('class', 'edge-label')
      .attr('dy', '0.35em')
      .attr('x', (d) => pointAt(d, 0.5)[0])
      .attr('y', (d) => pointAt(d, 0.5)[1])
      .attr('opacity', 0);

    // A wide invisible stroke is the hover target; strands ignore the pointer.
    groups
      .append('path')
      .attr('class', 'edge-hit')
      .attr('d', (d) => curve(d, 0));

    groups
      .on('mouseenter focus', (_, d) => {
        this.hovered = d;
        this.showTooltip(d);
      })
      .on('mouseleave blur', () => {
        this.hovered = null;
        this.svg.select('g.tooltip').style('display', 'none');
      });
  }

  private drawNodes(
    g: d3.Selection<SVGGElement, unknown, null, undefined>,
  ): void {
    const nodes = g
      .selectAll('g.node')
      .data(STATE_POS.map((p, state) => ({ p, state })))
      .join('g')
      .attr('class', (d) =>
        d.state < 2
          ? 'node input'
          : d.state === OUTPUT
            ? 'node output'
            : 'node inner',
      )
      .attr('data-state', (d) => d.state)
      .attr('transform', (d) => `translate(${d.p[0]},${d.p[1]})`);

    nodes
      .append('circle')
      .attr('r', (d) =>
        d.state < 2 || d.state === OUTPUT ? NODE_R + 5 : NODE_R,
      );

    const text = nodes.append('text').attr('dy', '0.35em');
    text.each(function (d) {
      const t = d3.select(this);
      if (d.state >= 2 && d.state < OUTPUT) {
        t.text(String(d.state - 2));
        return;
      }
      const sub = d.state === 0 ? 'k-2' : d.state === 1 ? 'k-1' : 'k';
      t.append('tspan').text('c');
      t.append('tspan').attr('class', 'sub').attr('dy', '0.3em').text(sub);
    });
  }

  private drawTooltip(
    g: d3.Selection<SVGGElement, unknown, null, undefined>,
  ): void {
    g.attr('pointer-events', 'none');
    g.append('rect')
      .attr('class', 'tooltip-bg')
      .attr('width', 178)
      .attr('height', 152)
      .attr('rx', 6);
    g.append('text').attr('class', 'tooltip-title').attr('x', 10).attr('y', 18);
    const rows = g
      .selectAll('g.tooltip-row')
      .data(PRIMITIVES)
      .join('g')
      .attr('class', 'tooltip-row')
      .attr('transform', (_, i) => `translate(10, ${34 + i * 15})`);
    rows
      .append('rect')
      .attr('width', 9)
      .attr('height', 9)
      .attr('y', -8)
      .attr('fill', (op) => OP_COLOURS[op]);
    rows
      .append('text')
      .attr('class', 'tooltip-op')
      .attr('x', 14)
      .text((op) => op);
    rows
      .append('text')
      .attr('class', 'tooltip-value')
      .attr('x', 158)
      .attr('text-anchor', 'end');
  }

  /** Fills the tooltip with edge `d`'s 8 weights and places it beside the edge. */
  private showTooltip(d: EdgeDatum): void {
    const g = this.svg.select<SVGGElement>('g.tooltip');
    const row = Array.from(
      this.weights.subarray(d.index * NUM_OPS, (d.index + 1) * NUM_OPS),
    );
    const best = row.slice(1).indexOf(Math.max(...row.slice(1))) + 1;

    g.select('text.tooltip-title').text(
      `${stateName(d.from)} → node ${d.node} · edge ${d.index}`,
    );
    g.selectAll<SVGTextElement, string>('text.tooltip-value')
      .text((_, i) => row[i].toFixed(3))
      .classed('best', (_, i) => i === best);
    g.selectAll<SVGTextElement, string>('text.tooltip-op').classed(
      'best',
      (_, i) => i === best,
    );

    const [mx, my] = pointAt(d, 0.5);
    const x = Math.min(Math.max(mx - 89, 4), WIDTH - 182);
    const y = my > HEIGHT / 2 ? my - 166 : my + 14;
    g.attr(
      'transform',
      `translate(${x},${Math.max(4, Math.min(y, HEIGHT - 156))})`,
    ).style('display', null);
    g.raise();
  }
}

/** The 14 edges with their curves; bows are chosen to keep clear of other nodes. */
function buildEdges(): EdgeDatum[] {
  const edges: EdgeDatum[] = [];
  for (let node = 0; node < STEPS; node++) {
    for (let from = 0; from < node + 2; from++) {
      const p0 = STATE_POS[from];
      const p2 = STATE_POS[node + 2];
      const others = STATE_POS.filter((_, s) => s !== from && s !== node + 2);
      const len = Math.hypot(p2[0] - p0[0], p2[1] - p0[1]);
      const n: [number, number] = [
        -(p2[1] - p0[1]) / len,
        (p2[0] - p0[0]) / len,
      ];
      const bow = clearestBow(p0, p2, n, others);
      const c: [number, number] = [
        (p0[0] + p2[0]) / 2 + n[0] * bow,
        (p0[1] + p2[1]) / 2 + n[1] * bow,
      ];
      edges.push({ index: edgeIndex(node, from), node, from, p0, c, p2, n });
    }
  }
  return edges;
}

/** The smallest bow (control-point offset) whose curve passes farthest from `others`. */
function clearestBow(
  p0: [number, number],
  p2: [number, number],
  n: [number, number],
  others: Array<[number, number]>,
): number {
  let best = 0;
  let bestScore = -Infinity;
  for (const bow of [0, 18, -18, 34, -34, 50, -50, 70, -70, 90, -90]) {
    const c = [
      (p0[0] + p2[0]) / 2 + n[0] * bow,
      (p0[1] + p2[1]) / 2 + n[1] * bow,
    ];
    let clearance = Infinity;
    for (let t = 0.08; t < 0.95; t += 0.04) {
      const x = (1 - t) ** 2 * p0[0] + 2 * (1 - t) * t * c[0] + t * t * p2[0];
      const y = (1 - t) ** 2 * p0[1] + 2 * (1 - t) * t * c[1] + t * t * p2[1];
      for (const [ox, oy] of others)
        clearance = Math.min(clearance, Math.hypot(x - ox, y - oy));
    }
    // Clearance matters up to a comfortable gap; beyond it, straighter wins.
    const score = Math.min(clearance, NODE_R + 22) - Math.abs(bow) * 0.08;
    if (score > bestScore) {
      bestScore = score;
      best = bow;
    }
  }
  return best;
}

/** The edge's curve shifted `offset` along its normal. */
function curve(d: EdgeDatum, offset: number): string {
  const dx = d.n[0] * offset;
  const dy = d.n[1] * offset;
  return (
    `M${d.p0[0] + dx},${d.p0[1] + dy} ` +
    `Q${d.c[0] + dx},${d.c[1] + dy} ${d.p2[0] + dx},${d.p2[1] + dy}`
  );
}

/** The point at parameter t of the edge's centre curve. */
function pointAt(d: EdgeDatum, t: number): [number, number] {
  const a = (1 - t) ** 2;
  const b = 2 * (1 - t) * t;
  const c = t * t;
  return [
    a * d.p0[0] + b * d.c[0] + c * d.p2[0],
    a * d.p0[1] + b * d.c[1] + c * d.p2[1],
  ];
}

/** [x0, y0, x1, y1] */
type Box = [number, number, number, number];

const overlaps = (a: Box, b: Box) =>
  a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];

/**
 * Where each kept edge's label goes: on its curve, at the first position
 * (middle first, then towards either end) that overlaps no node and no
 * label placed before it.
 */
function placeLabels(
  edges: EdgeDatum[],
  kept: Map<number, string>,
): Map<number, [number, number]> {
  const taken: Box[] = STATE_POS.map(([x, y]) => [
    x - NODE_R - 4,
    y - NODE_R - 4,
    x + NODE_R + 4,
    y + NODE_R + 4,
  ]);
  const spots = new Map<number, [number, number]>();

  for (const d of edges) {
    const op = kept.get(d.index);
    if (!op) continue;
    const half = (op.length * 6.1) / 2 + 2;
    let chosen: [number, number] | null = null;
    for (const t of [0.5, 0.4, 0.6, 0.32, 0.68, 0.25, 0.75]) {
      const [x, y] = pointAt(d, t);
      const box: Box = [x - half, y - 7, x + half, y + 7];
      if (!taken.some((other) => overlaps(box, other))) {
        chosen = [x, y];
        taken.push(box);
        break;
      }
    }
    spots.set(d.index, chosen ?? pointAt(d, 0.5));
  }
  return spots;
}

function keptByEdge(kept: GenotypeEdge[] | null): Map<number, string> {
  const map = new Map<number, string>();
  kept?.forEach(([op, input], k) => {
    const node = Math.floor(k / 2);
    if (node < STEPS) map.set(edgeIndex(node, input), op);
  });
  return map;
}

function colourOf(op: string | undefined): string {
  return op && op in OP_COLOURS
    ? OP_COLOURS[op as keyof typeof OP_COLOURS]
    : '#888';
}

/** Edges fade with their 'none' weight; edges the genotype drops are dimmer still. */
function edgeOpacity(none: number, kept: boolean): number {
  return (kept ? 1 : 0.55) * Math.max(0.12, 1 - 0.9 * none);
}

function strandWidth(weight: number): number {
  return 0.6 + 9 * weight;
}

/** Opacity relative to the edge's strongest op, so the leader stands out early on. */
function strandOpacity(weights: Float32Array, d: StrandDatum): number {
  const row = d.edge.index * NUM_OPS;
  let max = 0;
  for (let k = 1; k < NUM_OPS; k++) max = Math.max(max, weights[row + k]);
  const w = weights[row + d.column];
  return max > 0 ? 0.15 + 0.85 * (w / max) ** 2 : 0.15;
}

function stateName(state: number): string {
  return state === 0
    ? 'c_{k-2}'
    : state === 1
      ? 'c_{k-1}'
      : `node ${state - 2}`;
}

function uniformWeights(): Float32Array {
  return new Float32Array(NUM_EDGES * NUM_OPS).fill(1 / NUM_OPS);
}

function prefersReducedMotion(): boolean {
  return (
    typeof matchMedia === 'function' &&
    matchMedia('(prefers-reduced-motion: reduce)').matches
  );
}
