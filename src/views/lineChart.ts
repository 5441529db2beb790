/**
 * A small D3 line chart of snapshot metrics against the search step (loss,
 * accuracy, learning rate). `draw` builds axes and one path per series;
 * `update` rescales and redraws the paths from the snapshot history. A
 * point no line passes through, and the end of a short series, get a dot.
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
  /** 'log' for values that span decades (perplexity); non-positive ones are skipped. */
  yScale?: 'linear' | 'log';
}

const WIDTH = 320;
const HEIGHT = 150;
const MARGIN = { top: 24, right: 12, bottom: 22, left: 44 };
/** A series with at most this many points also gets a dot on its last one. */
const SHORT_SERIES = 10;
const DOT_RADIUS = 2.5;

export class LineChart {
  private readonly svg: d3.Selection<SVGSVGElement, unknown, null, undefined>;
  private readonly x = d3
    .scaleLinear()
    .range([MARGIN.left, WIDTH - MARGIN.right]);
  private readonly y: d3.ScaleContinuousNumeric<number, number>;
  private readonly log: boolean;

  constructor(
    svg: SVGSVGElement,
    private readonly options: LineChartOptions,
  ) {
    this.svg = d3.select(svg);
    this.log = options.yScale === 'log';
    this.y = (this.log ? d3.scaleLog() : d3.scaleLinear()).range([
      HEIGHT - MARGIN.bottom,
      MARGIN.top,
    ]);
  }

  /**
   * The points of `series` a line does not show: those with no drawn
   * neighbour (a single validation, say), and the last one while the series
   * is short.
   */
  private dots(
    series: Series,
    history: Snapshot[],
  ): { step: number; value: number }[] {
    const values = history.map((s) => series.value(s));
    const drawn = values.map((v) => this.plottable(v));
    const count = drawn.filter(Boolean).length;
    const last = drawn.lastIndexOf(true);
    return history.flatMap((s, i) => {
      if (!drawn[i]) return [];
      const alone = !drawn[i - 1] && !drawn[i + 1];
      const end = i === last && count <= SHORT_SERIES;
      return alone || end ? [{ step: s.step, value: values[i] }] : [];
    });
  }

  /** Whether `v` can be drawn on the y scale: finite, and positive on a log one. */
  private plottable(v: number): boolean {
    return Number.isFinite(v) && (!this.log || v > 0);
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
      .append('g')
      .attr('class', 'series-dots')
      .selectAll('g')
      .data(this.options.series)
      .join('g')
      .attr('class', 'series-dot-group')
      .attr('data-series', (s) => s.label)
      .attr('fill', (s) => s.colour);
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
    const finite = values.filter((v) => this.plottable(v));
    if (this.options.yDomain) {
      this.y.domain(this.options.yDomain);
    } else if (this.log) {
      const [lo, hi] = finite.length
        ? (d3.extent(finite) as [number, number])
        : [1, 10];
      // One value still gets a band around it rather than a zero-width domain.
      this.y.domain(lo === hi ? [lo / 2, hi * 2] : [lo, hi]).nice();
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
    const yFormat =
      this.options.yFormat ?? d3.format(this.log ? ',~g' : '.3~g');
    const yAxis = d3.axisLeft(this.y).tickFormat((n) => yFormat(Number(n)));
    this.svg
      .select<SVGGElement>('g.y-axis')
      .call(
        this.log
          ? yAxis.tickValues(logTicks(this.y.domain() as [number, number]))
          : yAxis.ticks(4),
      );

    this.svg
      .selectAll<SVGPathElement, Series>('path.series-line')
      .attr('d', (series) =>
        d3
          .line<Snapshot>()
          .defined((s) => this.plottable(series.value(s)))
          .x((s) => this.x(s.step))
          .y((s) => this.y(series.value(s)))(history),
      );
    this.svg
      .selectAll<SVGGElement, Series>('g.series-dot-group')
      .selectAll('circle')
      .data((series) => this.dots(series, history))
      .join('circle')
      .attr('class', 'series-dot')
      .attr('r', DOT_RADIUS)
      .attr('cx', (d) => this.x(d.step))
      .attr('cy', (d) => this.y(d.value));
    this.svg
      .select('text.chart-empty')
      .attr('display', history.length ? 'none' : null);
  }
}

/**
 * Log-axis ticks: the powers of ten in `domain`, or with 2 and 5 times them
 * too when fewer than three powers fit, so a short range still has labels.
 */
function logTicks([lo, hi]: [number, number]): number[] {
  const ticks = (multiples: number[]) => {
    const out: number[] = [];
    for (
      let e = Math.floor(Math.log10(lo));
      e <= Math.ceil(Math.log10(hi));
      e++
    ) {
      for (const m of multiples) {
        const v = m * 10 ** e;
        if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) out.push(v);
      }
    }
    return out;
  };
  const powers = ticks([1]);
  return powers.length >= 3 ? powers : ticks([1, 2, 5]);
}
