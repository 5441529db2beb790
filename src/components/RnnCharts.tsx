import { useEffect, useRef } from 'react';
import type { Snapshot } from '../core/snapshot';
import { useRnn, type RnnState } from '../store/rnn';
import { LineChart, type LineChartOptions } from '../views/lineChart';

/** A chart point: `step` is its x (a step, or an epoch for per-epoch charts). */
export type RnnChartPoint = { step: number } & Record<string, number>;

/** A series value read from an RnnChartPoint, as LineChart's Snapshot reader. */
export const field = (name: string) => (s: Snapshot) =>
  (s as unknown as RnnChartPoint)[name];

export interface RnnChartProps {
  options: LineChartOptions;
  testId: string;
  /** The store value whose change redraws the chart. */
  source(state: RnnState): unknown;
  points(state: RnnState): RnnChartPoint[];
}

/** A LineChart on the recurrent store: drawn once, restyled outside React. */
export function RnnChart({ options, testId, source, points }: RnnChartProps) {
  const ref = useRef<SVGSVGElement>(null);
  // Read through a ref so the chart is built once per mount.
  const latest = useRef({ source, points });
  latest.current = { source, points };

  useEffect(() => {
    const svg = ref.current;
    if (!svg) return;
    const chart = new LineChart(svg, options);
    const render = (state: RnnState) =>
      chart.update(latest.current.points(state) as unknown as Snapshot[]);
    chart.draw();
    render(useRnn.getState());
    return useRnn.subscribe((state, previous) => {
      const { source: of } = latest.current;
      if (of(state) !== of(previous)) render(state);
    });
  }, [options]);

  return <svg ref={ref} className="chart" data-testid={testId} />;
}

/**
 * The latest validation perplexity at each snapshot (NaN before the first
 * epoch ends): a step line that drops at each epoch's end, on the same step
 * axis as the other charts, visible from the first epoch on.
 */
export function latestValid(
  history: readonly { step: number; validPpl: readonly number[] }[],
): RnnChartPoint[] {
  return history.map((p) => ({
    step: p.step,
    valid: p.validPpl.length > 0 ? p.validPpl[p.validPpl.length - 1] : NaN,
  }));
}

const SEARCH_CHARTS: Omit<RnnChartProps, 'source'>[] = [
  {
    testId: 'rnn-chart-perplexity',
    options: {
      title: 'Perplexity',
      // Perplexity falls from the vocabulary size (10,000) to below 100.
      yScale: 'log',
      series: [
        { label: 'train chunk', colour: '#1d6fb8', value: field('trainPpl') },
        {
          label: 'arch chunk',
          colour: '#d1495b',
          value: field('archPpl'),
          dashed: true,
        },
      ],
    },
    points: (s) =>
      s.snapshots.map((p) => ({
        step: p.step,
        trainPpl: p.trainPpl,
        archPpl: p.archPpl,
      })),
  },
  {
    testId: 'rnn-chart-valid',
    options: {
      title: 'Validation perplexity',
      yScale: 'log',
      series: [{ label: 'valid', colour: '#7b3fa0', value: field('valid') }],
    },
    points: (s) => latestValid(s.snapshots),
  },
  {
    testId: 'rnn-chart-lr',
    options: {
      title: 'Learning rate (weights)',
      series: [{ label: 'lr', colour: '#2a9d5c', value: field('lr') }],
    },
    points: (s) => s.snapshots.map((p) => ({ step: p.step, lr: p.lr })),
  },
];

/** Training and architecture perplexity, validation perplexity and lr. */
export function RnnCharts() {
  const points = useRnn((s) => s.snapshots.length);
  return (
    <section
      className="panel charts rnn-charts"
      aria-label="Recurrent search curves"
      data-points={points}
    >
      {SEARCH_CHARTS.map((chart) => (
        <RnnChart key={chart.testId} {...chart} source={(s) => s.snapshots} />
      ))}
    </section>
  );
}
