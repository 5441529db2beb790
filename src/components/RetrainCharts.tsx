import { useEffect, useRef } from 'react';
import type { Snapshot } from '../core/snapshot';
import { epochPoints, useRetrain, type EpochPoint } from '../store/retrain';
import { LineChart, type LineChartOptions } from '../views/lineChart';

/** An epoch point as LineChart reads it: `step` carries the epoch, its x. */
type ChartPoint = EpochPoint & { step: number };

const of = (read: (p: ChartPoint) => number) => (s: Snapshot) =>
  read(s as unknown as ChartPoint);

const CHARTS: LineChartOptions[] = [
  {
    title: 'Loss per epoch',
    series: [
      { label: 'train', colour: '#1d6fb8', value: of((p) => p.trainLoss) },
      {
        label: 'test',
        colour: '#d1495b',
        value: of((p) => p.testLoss),
        dashed: true,
      },
    ],
  },
  {
    title: 'Accuracy per epoch',
    yDomain: [0, 1],
    yFormat: (n) => `${Math.round(n * 100)}%`,
    series: [
      { label: 'train', colour: '#1d6fb8', value: of((p) => p.trainAcc) },
      {
        label: 'test',
        colour: '#d1495b',
        value: of((p) => p.testAcc),
        dashed: true,
      },
    ],
  },
];

/** Train and test loss and accuracy against epochs, for the current retrain. */
export function RetrainCharts() {
  const epochs = useRetrain((s) => s.latest?.tests.length ?? 0);

  return (
    <section
      className="panel charts retrain-charts"
      aria-label="Retrain curves"
      data-tests={epochs}
    >
      {CHARTS.map((options) => (
        <EpochChart key={options.title} options={options} />
      ))}
    </section>
  );
}

function EpochChart({ options }: { options: LineChartOptions }) {
  const ref = useRef<SVGSVGElement>(null);

  // Drawn once, then restyled outside React whenever the snapshots change.
  useEffect(() => {
    const svg = ref.current;
    if (!svg) return;
    const chart = new LineChart(svg, options);
    const render = (
      snapshots: ReturnType<typeof useRetrain.getState>['snapshots'],
    ) =>
      chart.update(
        epochPoints(snapshots).map(
          (p) => ({ ...p, step: p.epoch }) as unknown as Snapshot,
        ),
      );
    chart.draw();
    render(useRetrain.getState().snapshots);
    return useRetrain.subscribe((state, previous) => {
      if (state.snapshots !== previous.snapshots) render(state.snapshots);
    });
  }, [options]);

  return (
    <svg
      ref={ref}
      className="chart"
      data-testid={`retrain-chart-${options.title.split(' ')[0].toLowerCase()}`}
    />
  );
}
