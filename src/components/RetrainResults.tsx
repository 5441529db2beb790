import type { TestResult } from '../core/retrain';
import { formatParamCount } from '../core/metrics';
import { latestTest, useRetrain } from '../store/retrain';
import { useStudio } from '../store/studio';

/** One empty list: a selector returning a new [] each call re-renders forever. */
const NO_CLASSES: string[] = [];

/** The latest test: top-1, accuracy per class, and the confusion matrix. */
export function RetrainResults() {
  const test = useRetrain((s) => latestTest(s.latest));
  const classNames = useStudio((s) => s.dataset?.classNames ?? NO_CLASSES);

  return (
    <section
      className="panel retrain-results"
      aria-labelledby="retrain-results-title"
    >
      <h2 id="retrain-results-title">Test results</h2>
      {test ? (
        <TestTables test={test} classNames={classNames} />
      ) : (
        <p className="empty-state">
          The network is tested on the test batch after every epoch; its
          accuracy, per class and overall, shows here.
        </p>
      )}
    </section>
  );
}

function TestTables({
  test,
  classNames,
}: {
  test: TestResult;
  classNames: string[];
}) {
  const k = test.perClass.length;
  const name = (c: number) => classNames[c] ?? `class ${c}`;
  const rowTotals = Array.from({ length: k }, (_, t) =>
    test.confusion.slice(t * k, t * k + k).reduce((a, b) => a + b, 0),
  );

  return (
    <>
      <p className="top1">
        Top-1{' '}
        <strong
          data-testid="retrain-accuracy"
          data-accuracy={test.accuracy.toFixed(4)}
        >
          {percent(test.accuracy)}
        </strong>{' '}
        <span className="muted">
          on {test.images.toLocaleString('en')} test images after {test.epochs}{' '}
          epoch{test.epochs === 1 ? '' : 's'} · loss {test.loss.toFixed(3)} ·
          chance {percent(1 / k)}
        </span>
      </p>
      <div className="test-tables">
        <table className="per-class-accuracy" data-testid="per-class-accuracy">
          <caption>Accuracy per class</caption>
          <thead>
            <tr>
              <th scope="col">Class</th>
              <th scope="col">Images</th>
              <th scope="col">Accuracy</th>
            </tr>
          </thead>
          <tbody>
            {Array.from(test.perClass, (accuracy, c) => (
              <tr key={c}>
                <th scope="row">{name(c)}</th>
                <td className="count">{rowTotals[c]}</td>
                <td className="bar-cell">
                  <span
                    className="bar"
                    style={{
                      width: `${Number.isFinite(accuracy) ? accuracy * 100 : 0}%`,
                    }}
                  />
                  <span className="value">
                    {Number.isFinite(accuracy) ? percent(accuracy) : 'n/a'}
                  </span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <ConfusionMatrix test={test} name={name} rowTotals={rowTotals} />
      </div>
    </>
  );
}

/** Rows are true classes, columns predictions; each cell shaded by its share of the row. */
function ConfusionMatrix({
  test,
  name,
  rowTotals,
}: {
  test: TestResult;
  name: (c: number) => string;
  rowTotals: number[];
}) {
  const k = test.perClass.length;
  const classes = Array.from({ length: k }, (_, c) => c);

  return (
    <table className="confusion" data-testid="confusion-matrix">
      <caption>Confusion (row: true, column: predicted)</caption>
      <thead>
        <tr>
          <th />
          {classes.map((p) => (
            <th key={p} scope="col" title={name(p)}>
              <span className="col-name">{name(p)}</span>
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {classes.map((t) => (
          <tr key={t}>
            <th scope="row">{name(t)}</th>
            {classes.map((p) => {
              const count = test.confusion[t * k + p];
              const share = rowTotals[t] > 0 ? count / rowTotals[t] : 0;
              return (
                <td
                  key={p}
                  className={t === p ? 'diagonal' : undefined}
                  title={`${count} ${name(t)} predicted as ${name(p)}`}
                  style={{
                    background: `rgba(${t === p ? '29, 111, 184' : '209, 73, 91'}, ${share.toFixed(3)})`,
                    color: share > 0.55 ? '#fff' : undefined,
                  }}
                >
                  {count || ''}
                </td>
              );
            })}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Every retrain of this session, to compare genotypes and settings. */
export function RetrainRuns() {
  const runs = useRetrain((s) => s.runs);
  if (runs.length === 0) return null;

  return (
    <section
      className="panel retrain-runs"
      aria-labelledby="retrain-runs-title"
    >
      <h2 id="retrain-runs-title">Runs to compare</h2>
      <table className="runs-table" data-testid="retrain-runs">
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Genotype</th>
            <th scope="col">Source</th>
            <th scope="col">Parameters (no aux. head)</th>
            <th scope="col">Epochs</th>
            <th scope="col">Test accuracy</th>
          </tr>
        </thead>
        <tbody>
          {runs.map((run) => (
            <tr key={run.id}>
              <td>{run.id}</td>
              <td>{run.genotype}</td>
              <td>{SOURCE_NAMES[run.source]}</td>
              <td
                title={`${formatParamCount(run.params)} with the auxiliary head`}
              >
                {formatParamCount(run.params - run.auxParams)}
              </td>
              <td>
                {run.epochsTested} / {run.epochs}
              </td>
              <td>{run.accuracy === null ? '–' : percent(run.accuracy)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

const SOURCE_NAMES = {
  derived: 'search',
  imported: 'file',
  named: 'named',
} as const;

function percent(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}
