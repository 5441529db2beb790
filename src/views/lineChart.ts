/**
 * A small D3 line chart of snapshot metrics against the search step (loss,
 * accuracy, learning rate). `draw` builds axes and one path per series;
 * `update` rescales and redraws the paths from the snapshot history.
 */
import * as d3 from 'd3';
import type { Snapshot } from '../core/snapshot';

export interface Series {
  label: string;
  colour: string;
  value: (s: Snapshot) => number;
  /** Dashed, to tell apart two series of one colour family. */
  dashed?: boolean;
}

export interface LineChartOptions {
  title: string;
  series: Series[];
  /** Fixed y range (e.g. [0, 1] for accuracy); otherwise from the data. */
  yDomain?: [number, number];
  yFormat?: (n: number) => string;
}

const WIDTH = 320;
const HEIGHT = 150;
const MARGIN = { top: 24, right: 12, bottom: 22, left: 44 };

export class LineChart {
  private readonly svg: d3.Selection<SVGSVGElement, unknown, null, undefined>;
  private readonly x = d3
    .scaleLinear()
    .range([MARGIN.left, WIDTH - MARGIN.right]);
  private readonly y = d3
    .scaleLinear()
    .range([HEIGHT - MARGIN.bottom, MARGIN.top]);

  constructor(
    svg: SVGSVGElement,
    private readonly options: LineChartOptions,
  ) {
    this.svg = d3.select(svg);
  }

  draw(): void {
    const svg = this.svg
      .attr('viewBox', `0 0 ${WIDTH} ${HEIGHT}`)
      .attr('class', 'line-chart')
      .attr('role', 'img')
      .attr('aria-label', `${this.options.title} against step`);
    svg.selectAll('*').remove();

    svg
      .append('text')
      .attr('class', 'chart-title')
      .attr('x', MARGIN.left)
      .attr('y', 14)
      .text(this.options.title);
    const legend = svg
      .append('g')
      .attr('class', 'chart-legend')
      .attr('transform', `translate(${WIDTH - MARGIN.right}, 14)`);
    let at = 0;
    for (const s of [...this.options.series].reverse()) {
      const item = legend.append('g').attr('transform', `translate(${at}, 0)`);
      item.append('text').attr('text-anchor', 'end').attr('x', 0).text(s.label);
      item
        .append('line')
        .attr('x1', -s.label.length * 5.6 - 20)
        .attr('x2', -s.label.length * 5.6 - 6)
        .attr('y1', -4)
        .attr('y2', -4)
        .attr('stroke', s.colour)
        .attr('stroke-dasharray', s.dashed ? '4 2' : null);
      at -= s.label.length * 5.6 + 30;
    }

    svg
      .append('g')
      .attr('class', 'axis x-axis')
      .attr('transform', `translate(0, ${HEIGHT - MARGIN.bottom})`);
    svg
      .append('g')
      .attr('class', 'axis y-axis')
      .attr('transform', `translate(${MARGIN.left}, 0)`);
    svg
      .append('g')
      .attr('class', 'series')
      .selectAll('path')
      .data(this.options.series)
      .join('path')
      .attr('class', 'series-line')
      .attr('data-series', (s) => s.label)
      .attr('stroke', (s) => s.colour)
      .attr('stroke-dasharray', (s) => (s.dashed ? '4 2' : null));
    svg
      .append('text')
      .attr('class', 'chart-empty')
      .attr('x', WIDTH / 2)
      .attr('y', HEIGHT / 2 + 4)
      .attr('text-anchor', 'middle')
      .text('No steps yet');
    this.update([]);
  }

  /** Redraws every series over the whole history (already thinned by the store). */
  update(history: Snapshot[]): void {
    const steps = history.map((s) => s.step);
    const last = steps.length ? steps[steps.length - 1] : 1;
    this.x.domain([
      steps.length ? Math.min(steps[0], 0) : 0,
      Math.max(last, 1),
    ]);

    const values = history.flatMap((s) =>
      this.options.series.map((series) => series.value(s)),
    );
    const finite = values.filter(Number.isFinite);
    if (this.options.yDomain) {
      this.y.domain(this.options.yDomain);
    } else {
      const [lo, hi] = finite.length
        ? (d3.extent(finite) as [number, number])
        : [0, 1];
      // A flat series (the lr within one epoch) still gets a scale that
      // starts at zero and shows its value, never a ±0.5 band around it.
      const top = hi > 0 ? hi * 1.05 : lo === hi ? lo + 1 : hi;
      this.y.domain([Math.min(0, lo), top]).nice();
    }

    // Steps are whole numbers: no 0.2-step ticks while the run is young.
    const stepTicks = this.x
      .ticks(Math.min(5, Math.max(1, last)))
      .filter(Number.isInteger);
    this.svg
      .select<SVGGElement>('g.x-axis')
      .call(
        d3
          .axisBottom(this.x)
          .tickValues(stepTicks)
          .tickFormat(d3.format('d'))
          .tickSizeOuter(0),
      );
    this.svg.select<SVGGElement>('g.y-axis').call(
      d3
        .axisLeft(this.y)
        .ticks(4)
        .tickFormat((n) =>
          (this.options.yFormat ?? d3.format('.3~g'))(Number(n)),
        ),
    );

    this.svg
      .selectAll<SVGPathElement, Series>('path.series-line')
      .attr('d', (series) =>
        d3
          .line<Snapshot>()
          .defined((s) => Number.isFinite(series.value(s)))
          .x((s) => this.x(s.step))
          .y((s) => this.y(series.value(s)))(history),
      );
    this.svg
      .select('text.chart-empty')
      .attr('display', history.length ? 'none' : null);
  }
}
