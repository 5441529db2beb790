import { useStudio } from '../store/studio';
import { LineChart, type LineChartOptions } from '../views/lineChart';
import { useView } from './useView';

const CHARTS: LineChartOptions[] = [
  {
    title: 'Loss',
    series: [
      { label: 'weights batch', colour: '#1d6fb8', value: (s) => s.trainLoss },
      {
        label: 'arch batch',
        colour: '#d1495b',
        value: (s) => s.archLoss,
        dashed: true,
      },
    ],
  },
  {
    title: 'Accuracy',
    yDomain: [0, 1],
    yFormat: (n) => `${Math.round(n * 100)}%`,
    series: [
      { label: 'weights batch', colour: '#1d6fb8', value: (s) => s.trainAcc },
      {
        label: 'arch batch',
        colour: '#d1495b',
        value: (s) => s.archAcc,
        dashed: true,
      },
    ],
  },
  {
    title: 'Learning rate (weights)',
    series: [{ label: 'lr', colour: '#2a9d5c', value: (s) => s.lr }],
  },
];

/** Loss, accuracy and learning rate against steps, for the current run. */
export function Charts() {
  // Only a number for the tests and the curious; the views draw outside React.
  const points = useStudio((s) => s.snapshots.length);

  return (
    <section
      className="panel charts"
      aria-label="Training curves"
      data-points={points}
    >
      {CHARTS.map((options) => (
        <Chart key={options.title} options={options} />
      ))}
    </section>
  );
}

function Chart({ options }: { options: LineChartOptions }) {
  const ref = useView(
    (svg) => new LineChart(svg, options),
    (chart, state) => chart.update(state.snapshots),
    (s, p) => s.snapshots !== p.snapshots,
  );
  return (
    <svg
      ref={ref}
      className="chart"
      data-testid={`chart-${options.title.split(' ')[0].toLowerCase()}`}
    />
  );
}
