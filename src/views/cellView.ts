/**
 * The search cell as the DARTS paper draws it: inputs c_{k-2} and c_{k-1}
 * on the left, intermediate nodes 0-3, output c_{k} on the right. Each of
 * the 14 mixed edges is a bundle of 7 strands, one per op other than 'none',
 * whose width and opacity follow the op's softmax weight; the 'none' weight
 * fades the whole bundle. `draw` builds every element once; `update`
 * restyles them per snapshot with short transitions.
 */
import * as d3 from 'd3';
import type { GenotypeEdge } from '../core/genotype';
import { edgeIndex, PRIMITIVES, STEPS } from '../core/primitives';
import { OP_COLOURS } from './palette';
import {
  pointAt,
  StrandBundles,
  transitionMs,
  type BundleEdge,
  type BundleStyle,
  type Point,
} from './strandBundles';

export type CellKind = 'normal' | 'reduce';

const WIDTH = 600;
const HEIGHT = 330;
const NODE_R = 17;
const TOOLTIP_W = 178;
const TOOLTIP_H = 152;

/** States of the cell: 0 = c_{k-2}, 1 = c_{k-1}, 2+m = node m, 6 = c_{k}. */
const STATE_POS: Point[] = [
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
interface EdgeDatum extends BundleEdge {
  /** Unit normal of the chord, along which strands are offset. */
  n: Point;
}

/** The CNN cell's part in the strand-bundle drawing. */
const STYLE: BundleStyle<EdgeDatum> = {
  view: 'CellView',
  ops: PRIMITIVES,
  colours: OP_COLOURS,
  curve,
  // Middle first, then towards either end.
  labelSpots: (d) =>
    [0.5, 0.4, 0.6, 0.32, 0.68, 0.25, 0.75].map((t) => pointAt(d, t)),
  stateName,
  states: STATE_POS,
  nodeR: NODE_R,
  droppedOpacity: 0.55,
  widthPerWeight: 9,
  tooltipSize: { width: TOOLTIP_W, height: TOOLTIP_H },
  // Above an edge in the lower half, below one in the upper half.
  tooltipAt: ([mx, my]) => {
    const x = Math.min(Math.max(mx - TOOLTIP_W / 2, 4), WIDTH - TOOLTIP_W - 4);
    const y = my > HEIGHT / 2 ? my - (TOOLTIP_H + 14) : my + 14;
    return [x, Math.max(4, Math.min(y, HEIGHT - (TOOLTIP_H + 4)))];
  },
};

/** A D3 view of one cell kind, owning one <svg>. */
export class CellView {
  private readonly svg: d3.Selection<SVGSVGElement, unknown, null, undefined>;
  private readonly bundles: StrandBundles<EdgeDatum>;

  constructor(
    svg: SVGSVGElement,
    private readonly kind: CellKind,
  ) {
    this.svg = d3.select(svg);
    this.bundles = new StrandBundles(this.svg, buildEdges(), STYLE);
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
    this.bundles.drawEdges(svg);
    this.drawNodes(svg.append('g').attr('class', 'nodes'));
    this.bundles.drawTooltip(svg);
    this.update(this.bundles.weights, null, false);
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
    this.bundles.setWeights(opWeights);
    this.bundles.restyle(keptByEdge(kept), transitionMs(animate));
  }

  /** Drops listeners and transitions; the React component removes the <svg>. */
  destroy(): void {
    this.bundles.destroy();
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

function keptByEdge(kept: GenotypeEdge[] | null): Map<number, string> {
  const map = new Map<number, string>();
  kept?.forEach(([op, input], k) => {
    const node = Math.floor(k / 2);
    if (node < STEPS) map.set(edgeIndex(node, input), op);
  });
  return map;
}

function stateName(state: number): string {
  return state === 0
    ? 'c_{k-2}'
    : state === 1
      ? 'c_{k-1}'
      : `node ${state - 2}`;
}
