/**
 * The mixed edges of a search cell drawn as strand bundles, shared by the
 * CNN and the recurrent cell views: each edge is a bundle of one strand per
 * candidate op other than 'none', whose width and opacity follow the op's
 * softmax weight; the 'none' weight fades the whole bundle. Hovering or
 * focusing an edge shows its weights in a tooltip. The views keep their own
 * geometry (state positions, curves, nodes) and pass in what differs.
 */
import * as d3 from 'd3';
// selection.transition() is patched in by this module's side effect, which
// the bundler drops when it is reached only through d3's re-exports.
import 'd3-transition';

export type Point = [number, number];

type SvgSelection = d3.Selection<SVGSVGElement, unknown, null, undefined>;

/** One mixed edge: weights row `index`, from state `from` into node `node`. */
export interface BundleEdge {
  index: number;
  node: number;
  from: number;
  /** Quadratic Bézier of the centre strand: start, control, end. */
  p0: Point;
  c: Point;
  p2: Point;
}

export interface StrandDatum<E extends BundleEdge> {
  edge: E;
  /** Column in the opWeights row ('none' is column 0, never a strand). */
  column: number;
  offset: number;
}

/** What differs between the cells that share this drawing. */
export interface BundleStyle<E extends BundleEdge> {
  /** The view's class name, for error messages. */
  view: string;
  /** Candidate ops in weights-column order, 'none' first. */
  ops: readonly string[];
  colours: Readonly<Record<string, string>>;
  /** The edge's curve shifted `offset` along its normal. */
  curve(d: E, offset: number): string;
  /** Where a kept edge's label may go, best first. */
  labelSpots(d: E): Point[];
  /** Name of the state an edge starts from. */
  stateName(state: number): string;
  /** The drawn states, which labels keep clear of, and their radius. */
  states: readonly Point[];
  nodeR: number;
  /** Opacity of an edge the genotype drops, before the 'none' fading. */
  droppedOpacity: number;
  /** Strand width gained per unit of op weight. */
  widthPerWeight: number;
  tooltipSize: { width: number; height: number };
  /** The tooltip's top-left corner for an edge whose midpoint is `mid`. */
  tooltipAt(mid: Point): Point;
}

const STRAND_GAP = 2.1;
const TRANSITION_MS = 300;

/** Transition length for an update: none when not animating or asked not to. */
export function transitionMs(animate: boolean): number {
  return animate && !prefersReducedMotion() ? TRANSITION_MS : 0;
}

/** The edges' bundles and tooltip inside one view's <svg>. */
export class StrandBundles<E extends BundleEdge> {
  /** The latest snapshot, which the tooltip reads. */
  private opWeights: Float32Array;
  private hovered: E | null = null;

  constructor(
    private readonly svg: SvgSelection,
    private readonly edges: E[],
    private readonly style: BundleStyle<E>,
  ) {
    const ops = style.ops.length;
    this.opWeights = new Float32Array(edges.length * ops).fill(1 / ops);
  }

  get weights(): Float32Array {
    return this.opWeights;
  }

  /** Appends the bundles, every strand of every edge, in a g.edges. */
  drawEdges(svg: SvgSelection): void {
    const { ops, colours, curve, stateName } = this.style;
    const groups = svg
      .append('g')
      .attr('class', 'edges')
      .selectAll<SVGGElement, E>('g.edge')
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

    const strands = ops.length - 1;
    groups
      .selectAll<SVGPathElement, StrandDatum<E>>('path.strand')
      .data((edge) =>
        Array.from({ length: strands }, (_, k) => ({
          edge,
          column: k + 1,
          offset: (k - (strands - 1) / 2) * STRAND_GAP,
        })),
      )
      .join('path')
      .attr('class', 'strand')
      .attr('data-edge', (d) => d.edge.index)
      .attr('data-op', (d) => ops[d.column])
      .attr('stroke', (d) => colours[ops[d.column]])
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

  /** Appends the hidden tooltip: one row per op, 'none' included. */
  drawTooltip(svg: SvgSelection): void {
    const { ops, colours, tooltipSize } = this.style;
    const g = svg
      .append('g')
      .attr('class', 'tooltip')
      .style('display', 'none')
      .attr('pointer-events', 'none');
    g.append('rect')
      .attr('class', 'tooltip-bg')
      .attr('width', tooltipSize.width)
      .attr('height', tooltipSize.height)
      .attr('rx', 6);
    g.append('text').attr('class', 'tooltip-title').attr('x', 10).attr('y', 18);
    const rows = g
      .selectAll('g.tooltip-row')
      .data(ops)
      .join('g')
      .attr('class', 'tooltip-row')
      .attr('transform', (_, i) => `translate(10, ${34 + i * 15})`);
    rows
      .append('rect')
      .attr('width', 9)
      .attr('height', 9)
      .attr('y', -8)
      .attr('fill', (op) => colours[op]);
    rows
      .append('text')
      .attr('class', 'tooltip-op')
      .attr('x', 14)
      .text((op) => op);
    rows
      .append('text')
      .attr('class', 'tooltip-value')
      .attr('x', tooltipSize.width - 20)
      .attr('text-anchor', 'end');
  }

  /** Takes a snapshot's softmax(alphas), [edges, ops] row-major. */
  setWeights(opWeights: Float32Array): void {
    const numOps = this.style.ops.length;
    const expected = this.edges.length * numOps;
    if (opWeights.length !== expected) {
      throw new Error(
        `${this.style.view}.update: opWeights has ${opWeights.length} ` +
          `values; expected ${this.edges.length}x${numOps} = ${expected}`,
      );
    }
    this.opWeights = opWeights;
  }

  /**
   * Restyles the bundles for the weights last set, over `ms` milliseconds;
   * `kept` maps each kept edge's weights row to its op.
   */
  restyle(kept: Map<number, string>, ms: number): void {
    const { ops, colours, droppedOpacity, widthPerWeight } = this.style;
    const numOps = ops.length;
    const opWeights = this.opWeights;
    const w = (edge: number, column: number) =>
      opWeights[edge * numOps + column];
    const colour = (d: E) => colourOf(colours, kept.get(d.index));

    const groups = this.svg.selectAll<SVGGElement, E>('g.edge');
    groups
      .attr('data-kept', (d) => String(kept.has(d.index)))
      .attr('data-op', (d) => kept.get(d.index) ?? null)
      .attr('data-none', (d) => w(d.index, 0).toPrecision(6))
      .transition('fade')
      .duration(ms)
      .ease(d3.easeCubicOut)
      .attr('opacity', (d) =>
        edgeOpacity(w(d.index, 0), kept.has(d.index), droppedOpacity),
      );

    groups
      .select<SVGPathElement>('path.edge-kept')
      .attr('stroke', colour)
      .transition('kept')
      .duration(ms)
      .attr('stroke-opacity', (d) => (kept.has(d.index) ? 0.2 : 0));

    const spots = placeLabels(this.edges, kept, this.style);
    groups
      .select<SVGTextElement>('text.edge-label')
      .text((d) => kept.get(d.index) ?? '')
      .attr('fill', colour)
      .transition('label')
      .duration(ms)
      .attr('x', (d) => spots.get(d.index)?.[0] ?? pointAt(d, 0.5)[0])
      .attr('y', (d) => spots.get(d.index)?.[1] ?? pointAt(d, 0.5)[1])
      .attr('opacity', (d) => (kept.has(d.index) ? 1 : 0));

    this.svg
      .selectAll<SVGPathElement, StrandDatum<E>>('path.strand')
      .attr('data-weight', (d) => w(d.edge.index, d.column).toPrecision(7))
      .transition('weight')
      .duration(ms)
      .ease(d3.easeCubicOut)
      .attr(
        'stroke-width',
        (d) => 0.6 + widthPerWeight * w(d.edge.index, d.column),
      )
      .attr('stroke-opacity', (d) =>
        strandOpacity(opWeights, numOps, d.edge.index, d.column),
      );

    if (this.hovered) this.showTooltip(this.hovered);
  }

  /** Drops listeners and transitions; the React component removes the <svg>. */
  destroy(): void {
    this.svg.selectAll('*').interrupt();
    this.svg.selectAll('g.edge').on('mouseenter mouseleave focus blur', null);
  }

  /** Fills the tooltip with edge `d`'s weights and places it beside the edge. */
  private showTooltip(d: E): void {
    const numOps = this.style.ops.length;
    const g = this.svg.select<SVGGElement>('g.tooltip');
    const row = Array.from(
      this.opWeights.subarray(d.index * numOps, (d.index + 1) * numOps),
    );
    const best = row.slice(1).indexOf(Math.max(...row.slice(1))) + 1;

    g.select('text.tooltip-title').text(
      `${this.style.stateName(d.from)} → node ${d.node} · edge ${d.index}`,
    );
    g.selectAll<SVGTextElement, string>('text.tooltip-value')
      .text((_, i) => row[i].toFixed(3))
      .classed('best', (_, i) => i === best);
    g.selectAll<SVGTextElement, string>('text.tooltip-op').classed(
      'best',
      (_, i) => i === best,
    );

    const [x, y] = this.style.tooltipAt(pointAt(d, 0.5));
    g.attr('transform', `translate(${x},${y})`).style('display', null);
    g.raise();
  }
}

/** The point at parameter t of the edge's centre curve. */
export function pointAt(d: BundleEdge, t: number): Point {
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
 * Where each kept edge's label goes: the first of the view's spots for it
 * that overlaps no state and no label placed before it (its midpoint when
 * none is free).
 */
export function placeLabels<E extends BundleEdge>(
  edges: E[],
  kept: Map<number, string>,
  style: Pick<BundleStyle<E>, 'labelSpots' | 'states' | 'nodeR'>,
): Map<number, Point> {
  const r = style.nodeR + 4;
  const taken: Box[] = style.states.map(([x, y]) => [
    x - r,
    y - r,
    x + r,
    y + r,
  ]);
  const spots = new Map<number, Point>();

  for (const d of edges) {
    const op = kept.get(d.index);
    if (!op) continue;
    const half = (op.length * 6.1) / 2 + 2;
    const labelBox = ([x, y]: Point): Box => [x - half, y - 7, x + half, y + 7];
    const chosen = style
      .labelSpots(d)
      .find((spot) => !taken.some((other) => overlaps(labelBox(spot), other)));
    if (chosen) taken.push(labelBox(chosen));
    spots.set(d.index, chosen ?? pointAt(d, 0.5));
  }
  return spots;
}

/** A kept edge's colour; grey for ops the search space lacks. */
export function colourOf(
  colours: Readonly<Record<string, string>>,
  op: string | undefined,
): string {
  return op && op in colours ? colours[op] : '#888';
}

/** Edges fade with their 'none' weight; edges the genotype drops are dimmer still. */
export function edgeOpacity(
  none: number,
  kept: boolean,
  droppedOpacity: number,
): number {
  return (kept ? 1 : droppedOpacity) * Math.max(0.12, 1 - 0.9 * none);
}

/** Opacity relative to the edge's strongest op, so the leader stands out early on. */
export function strandOpacity(
  weights: Float32Array,
  numOps: number,
  edge: number,
  column: number,
): number {
  const row = edge * numOps;
  let max = 0;
  for (let k = 1; k < numOps; k++) max = Math.max(max, weights[row + k]);
  const w = weights[row + column];
  return max > 0 ? 0.15 + 0.85 * (w / max) ** 2 : 0.15;
}

function prefersReducedMotion(): boolean {
  return (
    typeof matchMedia === 'function' &&
    matchMedia('(prefers-reduced-motion: reduce)').matches
  );
}
