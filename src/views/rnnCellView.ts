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
  RNN_PRIMITIVES,
  RNN_STEPS,
  rnnEdgeIndex,
  type RnnOp,
} from '../core/rnnSpace';
import {
  pointAt,
  StrandBundles,
  transitionMs,
  type BundleEdge,
  type BundleStyle,
  type Point,
} from './strandBundles';

/** The ops drawn as strands: every op but 'none', in RNN_PRIMITIVES order. */
export const RNN_STRAND_OPS = RNN_PRIMITIVES.filter(
  (op): op is Exclude<RnnOp, 'none'> => op !== 'none',
);

const WIDTH = 900;
const HEIGHT = 340;
const BASE_Y = 214;
const NODE_X0 = 136;
const NODE_DX = 80;
const NODE_R = 16;
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
interface EdgeDatum extends BundleEdge {
  /** Unit normals at the start and end, along which strands are offset. */
  n0: Point;
  n2: Point;
}

/** The recurrent cell's part in the strand-bundle drawing. */
const STYLE: BundleStyle<EdgeDatum> = {
  view: 'RnnCellView',
  ops: RNN_PRIMITIVES,
  colours: RNN_OP_COLOURS,
  curve,
  labelSpots,
  stateName: (state) => `node ${state}`,
  states: STATE_POS,
  nodeR: NODE_R,
  // Dimmer than in the CNN view, as 28 of the 36 edges are dropped.
  droppedOpacity: 0.45,
  widthPerWeight: 8,
  tooltipSize: { width: TOOLTIP_W, height: TOOLTIP_H },
  tooltipAt: ([mx, my]) => {
    const x = Math.min(Math.max(mx - TOOLTIP_W / 2, 4), WIDTH - TOOLTIP_W - 4);
    // Below an arc's peak, unless that runs off the bottom.
    const y = my + 14 + TOOLTIP_H < HEIGHT ? my + 14 : my - TOOLTIP_H - 14;
    return [x, Math.max(4, y)];
  },
};

/** A D3 view of the recurrent search cell, owning one <svg>. */
export class RnnCellView {
  private readonly svg: d3.Selection<SVGSVGElement, unknown, null, undefined>;
  private readonly bundles: StrandBundles<EdgeDatum>;

  constructor(svg: SVGSVGElement) {
    this.svg = d3.select(svg);
    this.bundles = new StrandBundles(this.svg, buildEdges(), STYLE);
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
    this.bundles.drawEdges(svg);
    this.drawNodes(svg.append('g').attr('class', 'nodes'));
    this.bundles.drawTooltip(svg);
    this.update(this.bundles.weights, null, false);
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
    this.bundles.setWeights(opWeights);
    const keptOps = keptByEdge(genotype);
    const concat = new Set(genotype?.concat ?? []);
    const ms = transitionMs(animate);

    const groups = this.svg.selectAll<SVGGElement, EdgeDatum>('g.edge');
    // Kept edges on top, then shorter spans over longer ones.
    groups.sort(
      (a, b) =>
        Number(keptOps.has(a.index)) - Number(keptOps.has(b.index)) ||
        b.node - b.from - (a.node - a.from),
    );
    this.bundles.restyle(keptOps, ms);

    // Without a genotype every node feeds h_{t}, as in the search model.
    this.svg
      .selectAll<SVGPathElement, number>('path.concat-edge')
      .attr('data-concat', (node) => String(!genotype || concat.has(node)))
      .transition('concat')
      .duration(ms)
      .attr('opacity', (node) => (!genotype || concat.has(node) ? 1 : 0.2));
  }

  /** Drops listeners and transitions; the React component removes the <svg>. */
  destroy(): void {
    this.bundles.destroy();
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

/**
 * Where a kept edge's label may go: on its curve, peak first, then towards
 * either end. A neighbour edge is too short for a long name between its
 * nodes, so its label may also sit just below or above the row.
 */
function labelSpots(d: EdgeDatum): Point[] {
  const spots = [0.5, 0.42, 0.58, 0.34, 0.66].map((t) => pointAt(d, t));
  if (d.node - d.from === 1) {
    const [x, y] = pointAt(d, 0.5);
    spots.push([x, y + NODE_R + 12], [x, y - NODE_R - 12]);
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
