/**
 * The recurrent search cell in the reference's drawing convention: inputs
 * x_{t} and h_{t-1} on the left feeding node 0, intermediate nodes 1-8 in a
 * row, output h_{t} on the right. The 36 mixed edges arc above the row, the
 * longer the span the higher, so no edge crosses a node; the edges from the
 * concat nodes into h_{t} (their mean) arc below it. Each mixed edge is a
 * bundle of 4 strands, one per op other than 'none', whose width and opacity
 * follow the op's softmax weight; the 'none' weight fades the whole bundle.
 * `draw` builds every element once; `update` restyles per snapshot.
 */
import * as d3 from 'd3';
// selection.transition() is patched in by this module's side effect, which
// the bundler drops when it is reached only through d3's re-exports.
import 'd3-transition';
import { RNN_OP_COLOURS } from '../core/rnnOpColours';
import type { RnnGenotype } from '../core/rnnGenotype';
import {
  RNN_NUM_EDGES,
  RNN_NUM_OPS,
  RNN_PRIMITIVES,
  RNN_STEPS,
  rnnEdgeIndex,
  type RnnOp,
} from '../core/rnnSpace';

/** The ops drawn as strands: every op but 'none', in RNN_PRIMITIVES order. */
export const RNN_STRAND_OPS = RNN_PRIMITIVES.filter(
  (op): op is Exclude<RnnOp, 'none'> => op !== 'none',
);

type Point = [number, number];

const WIDTH = 900;
const HEIGHT = 340;
const BASE_Y = 214;
const NODE_X0 = 136;
const NODE_DX = 80;
const NODE_R = 16;
const STRAND_GAP = 2.1;
const TRANSITION_MS = 300;
const TOOLTIP_W = 170;
const TOOLTIP_H = 112;

/** Drawn states: 0 = x_{t}, 1 = h_{t-1}, 2+n = node n (0..8), 11 = h_{t}. */
const X_T = 0;
const H_PREV = 1;
const H_T = RNN_STEPS + 3;
const STATE_POS: Point[] = [
  [46, BASE_Y - 64],
  [46, BASE_Y + 64],
  ...Array.from({ length: RNN_STEPS + 1 }, (_, n): Point => [
    NODE_X0 + n * NODE_DX,
    BASE_Y,
  ]),
  [NODE_X0 + (RNN_STEPS + 1) * NODE_DX, BASE_Y],
];

const nodePos = (node: number): Point => STATE_POS[node + 2];

/** One mixed edge: weights row `index`, from node `from` into node `node`. */
interface EdgeDatum {
  index: number;
  node: number;
  from: number;
  /** Quadratic Bézier: start, control, end. */
  p0: Point;
  c: Point;
  p2: Point;
  /** Unit normals at the start and end, along which strands are offset. */
  n0: Point;
  n2: Point;
}

interface StrandDatum {
  edge: EdgeDatum;
  /** Column in the opWeights row (1..4: 'none' is column 0). */
  column: number;
  offset: number;
}

/** A D3 view of the recurrent search cell, owning one <svg>. */
export class RnnCellView {
  private readonly svg: d3.Selection<SVGSVGElement, unknown, null, undefined>;
  private readonly edges: EdgeDatum[] = buildEdges();
  private weights: Float32Array = uniformWeights();
  private hovered: EdgeDatum | null = null;

  constructor(svg: SVGSVGElement) {
    this.svg = d3.select(svg);
  }

  /** Builds the whole drawing once, with every op equally weighted. */
  draw(): void {
    const svg = this.svg
      .attr('viewBox', `0 0 ${WIDTH} ${HEIGHT}`)
      .attr('class', 'cell-view rnn-cell-view')
      .attr('role', 'img')
      .attr(
        'aria-label',
        'Recurrent cell: 36 edges, each a bundle of one strand per ' +
          'candidate activation',
      );
    svg.selectAll('*').remove();

    this.drawFixedEdges(svg.append('g').attr('class', 'fixed'));
    this.drawEdges(svg.append('g').attr('class', 'edges'));
    this.drawNodes(svg.append('g').attr('class', 'nodes'));
    this.drawTooltip(
      svg.append('g').attr('class', 'tooltip').style('display', 'none'),
    );
    this.update(this.weights, null, false);
  }

  /**
   * Restyles for a snapshot: opWeights is softmax(alphas) [36, 5] row-major;
   * `genotype` marks its 8 kept edges and concat nodes (null: none marked).
   */
  update(
    opWeights: Float32Array,
    genotype: RnnGenotype | null,
    animate = true,
  ): void {
    const expected = RNN_NUM_EDGES * RNN_NUM_OPS;
    if (opWeights.length !== expected) {
      throw new Error(
        `RnnCellView.update: opWeights has ${opWeights.length} values; ` +
          `expected ${RNN_NUM_EDGES}x${RNN_NUM_OPS} = ${expected}`,
      );
    }
    this.weights = opWeights;
    const keptOps = keptByEdge(genotype);
    const concat = new Set(genotype?.concat ?? []);
    const ms = animate && !prefersReducedMotion() ? TRANSITION_MS : 0;
    const w = (edge: number, column: number) =>
      opWeights[edge * RNN_NUM_OPS + column];

    const groups = this.svg.selectAll<SVGGElement, EdgeDatum>('g.edge');
    // Kept edges on top, then shorter spans over longer ones.
    groups.sort(
      (a, b) =>
        Number(keptOps.has(a.index)) - Number(keptOps.has(b.index)) ||
        b.node - b.from - (a.node - a.from),
    );
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

    // Without a genotype every node feeds h_{t}, as in the search model.
    this.svg
      .selectAll<SVGPathElement, number>('path.concat-edge')
      .attr('data-concat', (node) => String(!genotype || concat.has(node)))
      .transition('concat')
      .duration(ms)
      .attr('opacity', (node) => (!genotype || concat.has(node) ? 1 : 0.2));

    if (this.hovered) this.showTooltip(this.hovered);
  }

  /** Drops listeners and transitions; the React component removes the <svg>. */
  destroy(): void {
    this.svg.selectAll('*').interrupt();
    this.svg.selectAll('g.edge').on('mouseenter mouseleave focus blur', null);
  }

  /** x_{t} and h_{t-1} into node 0 (fixed), and each node into h_{t}. */
  private drawFixedEdges(
    g: d3.Selection<SVGGElement, unknown, null, undefined>,
  ): void {
    const [x0, y0] = nodePos(0);
    for (const state of [X_T, H_PREV]) {
      const [x, y] = STATE_POS[state];
      g.append('path')
        .attr('class', 'input-edge')
        .attr('d', `M${x},${y} Q${(x + x0) / 2},${y0} ${x0},${y0}`)
        .attr('fill', 'none')
        .attr('stroke', '#7a8591')
        .attr('stroke-width', 1.6);
    }

    const [ox, oy] = STATE_POS[H_T];
    g.selectAll('path.concat-edge')
      .data(d3.range(1, RNN_STEPS + 1))
      .join('path')
      .attr('class', 'concat-edge')
      .attr('data-node', (node) => node)
      .attr('d', (node) => {
        const [x, y] = nodePos(node);
        const depth = 2 * arcHeight(RNN_STEPS + 1 - node, 10, 10.5);
        return `M${x},${y} Q${(x + ox) / 2},${oy + depth} ${ox},${oy}`;
      });
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
      .attr('aria-label', (d) => `node ${d.from} to node ${d.node}`);

    groups
      .append('path')
      .attr('class', 'edge-kept')
      .attr('d', (d) => curve(d, 0))
      .attr('stroke-opacity', 0);

    groups
      .selectAll<SVGPathElement, StrandDatum>('path.strand')
      .data((edge) =>
        RNN_STRAND_OPS.map((_, k) => ({
          edge,
          column: k + 1,
          offset: (k - (RNN_STRAND_OPS.length - 1) / 2) * STRAND_GAP,
        })),
      )
      .join('path')
      .attr('class', 'strand')
      .attr('data-edge', (d) => d.edge.index)
      .attr('data-op', (d) => RNN_PRIMITIVES[d.column])
      .attr('stroke', (d) => RNN_OP_COLOURS[RNN_PRIMITIVES[d.column]])
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
    const outer = (state: number) => state < 2 || state === H_T;
    const nodes = g
      .selectAll('g.node')
      .data(STATE_POS.map((p, state) => ({ p, state })))
      .join('g')
      .attr('class', (d) =>
        d.state < 2
          ? 'node input'
          : d.state === H_T
            ? 'node output'
            : 'node inner',
      )
      .attr('data-state', (d) => d.state)
      .attr('transform', (d) => `translate(${d.p[0]},${d.p[1]})`);

    nodes
      .append('circle')
      .attr('r', (d) => (outer(d.state) ? NODE_R + 6 : NODE_R));

    const text = nodes.append('text').attr('dy', '0.35em');
    text.each(function (d) {
      const t = d3.select(this);
      if (!outer(d.state)) {
        t.text(String(d.state - 2));
        return;
      }
      const [base, sub] =
        d.state === X_T
          ? ['x', 't']
          : d.state === H_PREV
            ? ['h', 't-1']
            : ['h', 't'];
      t.append('tspan').text(base);
      t.append('tspan').attr('class', 'sub').attr('dy', '0.3em').text(sub);
    });
  }

  private drawTooltip(
    g: d3.Selection<SVGGElement, unknown, null, undefined>,
  ): void {
    g.attr('pointer-events', 'none');
    g.append('rect')
      .attr('class', 'tooltip-bg')
      .attr('width', TOOLTIP_W)
      .attr('height', TOOLTIP_H)
      .attr('rx', 6);
    g.append('text').attr('class', 'tooltip-title').attr('x', 10).attr('y', 18);
    const rows = g
      .selectAll('g.tooltip-row')
      .data(RNN_PRIMITIVES)
      .join('g')
      .attr('class', 'tooltip-row')
      .attr('transform', (_, i) => `translate(10, ${34 + i * 15})`);
    rows
      .append('rect')
      .attr('width', 9)
      .attr('height', 9)
      .attr('y', -8)
      .attr('fill', (op) => RNN_OP_COLOURS[op]);
    rows
      .append('text')
      .attr('class', 'tooltip-op')
      .attr('x', 14)
      .text((op) => op);
    rows
      .append('text')
      .attr('class', 'tooltip-value')
      .attr('x', TOOLTIP_W - 20)
      .attr('text-anchor', 'end');
  }

  /** Fills the tooltip with edge `d`'s 5 weights and places it beside the edge. */
  private showTooltip(d: EdgeDatum): void {
    const g = this.svg.select<SVGGElement>('g.tooltip');
    const row = Array.from(
      this.weights.subarray(d.index * RNN_NUM_OPS, (d.index + 1) * RNN_NUM_OPS),
    );
    const best = row.slice(1).indexOf(Math.max(...row.slice(1))) + 1;

    g.select('text.tooltip-title').text(
      `node ${d.from} → node ${d.node} · edge ${d.index}`,
    );
    g.selectAll<SVGTextElement, string>('text.tooltip-value')
      .text((_, i) => row[i].toFixed(3))
      .classed('best', (_, i) => i === best);
    g.selectAll<SVGTextElement, string>('text.tooltip-op').classed(
      'best',
      (_, i) => i === best,
    );

    const [mx, my] = pointAt(d, 0.5);
    const x = Math.min(Math.max(mx - TOOLTIP_W / 2, 4), WIDTH - TOOLTIP_W - 4);
    // Below an arc's peak, unless that runs off the bottom.
    const y = my + 14 + TOOLTIP_H < HEIGHT ? my + 14 : my - TOOLTIP_H - 14;
    g.attr('transform', `translate(${x},${Math.max(4, y)})`).style(
      'display',
      null,
    );
    g.raise();
  }
}

/**
 * Peak height of an arc spanning `span` node steps: a straight line for
 * neighbours, then rising with the span so that arcs nest.
 */
function arcHeight(span: number, base: number, perStep: number): number {
  return span <= 1 ? 0 : base + perStep * span;
}

/** The 36 edges as arcs above the row of nodes. */
function buildEdges(): EdgeDatum[] {
  const edges: EdgeDatum[] = [];
  for (let node = 1; node <= RNN_STEPS; node++) {
    for (let from = 0; from < node; from++) {
      const p0 = nodePos(from);
      const p2 = nodePos(node);
      const peak = arcHeight(node - from, 14, 20.5);
      const c: Point = [(p0[0] + p2[0]) / 2, BASE_Y - 2 * peak];
      edges.push({
        index: rnnEdgeIndex(node, from),
        node,
        from,
        p0,
        c,
        p2,
        n0: normal(p0, c),
        n2: normal(c, p2),
      });
    }
  }
  return edges;
}

/** Unit normal, to the left when walking from a to b. */
function normal(a: Point, b: Point): Point {
  const len = Math.hypot(b[0] - a[0], b[1] - a[1]);
  return [(b[1] - a[1]) / len, -(b[0] - a[0]) / len];
}

/**
 * The edge's curve shifted `offset` along its normal: each end moves along
 * its own normal and the control point to where the shifted tangents meet
 * (Tiller–Hanson), so strands stay parallel on steep arcs too.
 */
function curve(d: EdgeDatum, offset: number): string {
  const [a, b] = [d.n0, d.n2];
  const k = offset / (1 + a[0] * b[0] + a[1] * b[1]);
  const p0 = [d.p0[0] + a[0] * offset, d.p0[1] + a[1] * offset];
  const c = [d.c[0] + (a[0] + b[0]) * k, d.c[1] + (a[1] + b[1]) * k];
  const p2 = [d.p2[0] + b[0] * offset, d.p2[1] + b[1] * offset];
  return `M${p0[0]},${p0[1]} Q${c[0]},${c[1]} ${p2[0]},${p2[1]}`;
}

/** The point at parameter t of the edge's centre curve. */
function pointAt(d: EdgeDatum, t: number): Point {
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
 * (peak first, then towards either end) that overlaps no node and no label
 * placed before it. A neighbour edge is too short for a long name between
 * its nodes, so its label may also sit just below the row.
 */
function placeLabels(
  edges: EdgeDatum[],
  kept: Map<number, string>,
): Map<number, Point> {
  const taken: Box[] = STATE_POS.map(([x, y]) => [
    x - NODE_R - 4,
    y - NODE_R - 4,
    x + NODE_R + 4,
    y + NODE_R + 4,
  ]);
  const spots = new Map<number, Point>();

  for (const d of edges) {
    const op = kept.get(d.index);
    if (!op) continue;
    const half = (op.length * 6.1) / 2 + 2;
    const candidates = [0.5, 0.42, 0.58, 0.34, 0.66].map((t) => pointAt(d, t));
    if (d.node - d.from === 1) {
      const [x, y] = pointAt(d, 0.5);
      candidates.push([x, y + NODE_R + 12], [x, y - NODE_R - 12]);
    }
    const chosen = candidates.find(([x, y]) => {
      const box: Box = [x - half, y - 7, x + half, y + 7];
      return !taken.some((other) => overlaps(box, other));
    });
    if (chosen) {
      const [x, y] = chosen;
      taken.push([x - half, y - 7, x + half, y + 7]);
    }
    spots.set(d.index, chosen ?? pointAt(d, 0.5));
  }
  return spots;
}

/** Weights row of each kept edge → its op; node i reads recurrent[i-1]. */
function keptByEdge(genotype: RnnGenotype | null): Map<number, RnnOp> {
  const map = new Map<number, RnnOp>();
  genotype?.recurrent.forEach(([op, pred], k) => {
    map.set(rnnEdgeIndex(k + 1, pred), op);
  });
  return map;
}

function colourOf(op: RnnOp | undefined): string {
  return op ? RNN_OP_COLOURS[op] : '#888';
}

/**
 * Edges fade with their 'none' weight; edges the genotype drops are dimmer
 * than in the CNN view, as 28 of the 36 are dropped.
 */
function edgeOpacity(none: number, kept: boolean): number {
  return (kept ? 1 : 0.45) * Math.max(0.12, 1 - 0.9 * none);
}

function strandWidth(weight: number): number {
  return 0.6 + 8 * weight;
}

/** Opacity relative to the edge's strongest op, so the leader stands out early on. */
function strandOpacity(weights: Float32Array, d: StrandDatum): number {
  const row = d.edge.index * RNN_NUM_OPS;
  let max = 0;
  for (let k = 1; k < RNN_NUM_OPS; k++) max = Math.max(max, weights[row + k]);
  const w = weights[row + d.column];
  return max > 0 ? 0.15 + 0.85 * (w / max) ** 2 : 0.15;
}

function uniformWeights(): Float32Array {
  return new Float32Array(RNN_NUM_EDGES * RNN_NUM_OPS).fill(1 / RNN_NUM_OPS);
}

function prefersReducedMotion(): boolean {
  return (
    typeof matchMedia === 'function' &&
    matchMedia('(prefers-reduced-motion: reduce)').matches
  );
}
