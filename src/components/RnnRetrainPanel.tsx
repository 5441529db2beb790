import { useMemo } from 'react';
import { formatParamCount } from '../core/metrics';
import { chosenRnnGenotype, discreteOpWeights, useRnn } from '../store/rnn';
import { isLive, useStudio } from '../store/studio';
import { RnnCellPanel } from './RnnCellPanel';
import { field, latestValid, RnnChart, type RnnChartProps } from './RnnCharts';
import { Metric, ppl, RnnProgress, RunButtons } from './RnnControls';
import { RnnGenotypeText } from './RnnGenotypePanel';

/**
 * The recurrent retrain's main column: train the chosen genotype's discrete
 * cell from scratch, watch its perplexity, and read the validation and test
 * perplexity of the best weights.
 */
export function RnnRetrainPanel() {
  return (
    <>
      <RnnRetrainControls />
      <RnnRetrainCell />
      <RnnRetrainCharts />
      <RnnRetrainResults />
    </>
  );
}

function RnnRetrainControls() {
  const state = useRnn((s) => s.retrainState);
  const request = useRnn((s) => s.retrainRequest);
  const latest = useRnn((s) => s.retrainLatest);
  const run = useRnn((s) => s.retrainRun);
  const building = useRnn((s) => s.retrainBuilding);
  const epochs = useRnn((s) => s.retrainRun?.config.epochs ?? 1);
  const hasCorpus = useRnn((s) => (s.corpus?.trainTokens ?? 0) > 0);
  const hasGenotype = useRnn((s) => chosenRnnGenotype(s) !== null);
  const backendReady = useStudio((s) => s.backendStatus === 'ready');
  const { retrainStart, retrainTogglePause, retrainStop } = useRnn.getState();

  const blocker = !backendReady
    ? 'Waiting for the backend…'
    : !hasCorpus
      ? 'Load text to retrain: drop ptb.train.txt, ptb.valid.txt and ptb.test.txt, or try the demo corpus.'
      : !hasGenotype
        ? 'Choose a genotype to retrain on the left: the search’s, a file or a named one.'
        : null;

  return (
    <section
      className="panel controls rnn-retrain-controls"
      aria-label="Recurrent retrain controls"
      data-retrain-state={state}
    >
      <RunButtons
        prefix="rnn-retrain"
        state={state}
        request={request}
        blocker={blocker}
        busy={building}
        onStart={retrainStart}
        onPause={retrainTogglePause}
        onStop={retrainStop}
      />
      {blocker && state === 'idle' ? (
        <p className="empty-state">{blocker}</p>
      ) : latest ? (
        <RnnProgress
          prefix="rnn-retrain"
          step={latest.step}
          epoch={latest.epoch}
          epochs={epochs}
          epochProgress={latest.epochProgress}
          tokensPerSec={latest.tokensPerSec}
          elapsedSec={latest.elapsedSec}
          done={state === 'done'}
        >
          <Metric label="Train ppl">{ppl(latest.trainPpl)}</Metric>
          <Metric label="Optimiser" testId="rnn-retrain-optimiser">
            {latest.optimiser}
          </Metric>
        </RnnProgress>
      ) : (
        <p className="progress-text">
          {isLive(state) ? 'First steps running…' : 'Press Start to retrain.'}
        </p>
      )}
      {run && (
        <p className="param-count muted" data-testid="rnn-retrain-params">
          Genotype: {run.name}
          {run.params !== null &&
            ` · ${formatParamCount(run.params)} at hidden size ${run.config.hidden}`}
        </p>
      )}
    </section>
  );
}

/** The cell being trained, or the one Start would train, drawn discrete. */
function RnnRetrainCell() {
  const run = useRnn((s) => s.retrainRun);
  const chosen = useRnn((s) => chosenRnnGenotype(s)?.genotype ?? null);
  const genotype = run?.genotype ?? chosen;
  const opWeights = useMemo(
    () => (genotype ? discreteOpWeights(genotype) : null),
    [genotype],
  );

  return (
    <div className="rnn-retrain-cell" data-testid="rnn-retrain-cell">
      <RnnCellPanel
        opWeights={opWeights}
        genotype={genotype}
        title={run ? 'Cell being retrained' : 'Cell to retrain'}
        testId="rnn-retrain-cell-svg"
      />
    </div>
  );
}

const RETRAIN_CHARTS: RnnChartProps[] = [
  {
    testId: 'rnn-retrain-chart-train',
    options: {
      title: 'Training perplexity',
      yScale: 'log',
      series: [
        { label: 'train chunk', colour: '#1d6fb8', value: field('ppl') },
      ],
    },
    source: (s) => s.retrainSnapshots,
    points: (s) =>
      s.retrainSnapshots.map((p) => ({ step: p.step, ppl: p.trainPpl })),
  },
  {
    testId: 'rnn-retrain-chart-valid',
    options: {
      title: 'Validation perplexity',
      yScale: 'log',
      series: [{ label: 'valid', colour: '#7b3fa0', value: field('valid') }],
    },
    source: (s) => s.retrainSnapshots,
    points: (s) => latestValid(s.retrainSnapshots),
  },
  {
    testId: 'rnn-retrain-chart-lr',
    options: {
      title: 'Learning rate',
      series: [{ label: 'lr', colour: '#2a9d5c', value: field('lr') }],
    },
    source: (s) => s.retrainSnapshots,
    points: (s) => s.retrainSnapshots.map((p) => ({ step: p.step, lr: p.lr })),
  },
];

function RnnRetrainCharts() {
  return (
    <section
      className="panel charts rnn-retrain-charts"
      aria-label="Recurrent retrain curves"
    >
      {RETRAIN_CHARTS.map((chart) => (
        <RnnChart key={chart.testId} {...chart} />
      ))}
    </section>
  );
}

/** Validation perplexity per epoch, the best one, and the test perplexity. */
function RnnRetrainResults() {
  const latest = useRnn((s) => s.retrainLatest);
  const run = useRnn((s) => s.retrainRun);
  const hasTest = useRnn((s) => (s.corpus?.testTokens ?? 0) > 0);
  const valid = latest?.validPpl ?? [];

  return (
    <section
      className="panel rnn-retrain-results"
      aria-labelledby="rnn-results-title"
    >
      <h2 id="rnn-results-title">Perplexity</h2>
      <dl className="ppl-results">
        <div>
          <dt>Best validation</dt>
          <dd data-testid="rnn-best-valid-ppl">
            {ppl(latest?.bestValidPpl ?? null)}
          </dd>
        </div>
        <div>
          <dt>Test</dt>
          <dd
            data-testid="rnn-test-ppl"
            data-value={latest?.testPpl ?? undefined}
          >
            {latest?.testPpl != null
              ? ppl(latest.testPpl)
              : hasTest
                ? 'after the last epoch'
                : 'no ptb.test.txt loaded'}
          </dd>
        </div>
      </dl>
      {valid.length > 0 && (
        <table className="ppl-epochs" data-testid="rnn-valid-epochs">
          <thead>
            <tr>
              <th scope="col">Epoch</th>
              <th scope="col">Validation ppl</th>
            </tr>
          </thead>
          <tbody>
            {valid.map((value, i) => (
              <tr key={i}>
                <td>{i + 1}</td>
                <td>{ppl(value)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {run && <RnnGenotypeText genotype={run.genotype} />}
    </section>
  );
}
