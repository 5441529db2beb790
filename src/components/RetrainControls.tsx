import type { RetrainSnapshot } from '../core/retrain';
import { formatParamCount } from '../core/metrics';
import { chosenGenotype, useRetrain } from '../store/retrain';
import { isLive, useStudio } from '../store/studio';
import { StepProgress } from './StepProgress';

const STATE_TEXT = {
  idle: 'Ready',
  running: 'Training',
  paused: 'Paused',
  stopped: 'Stopped',
  done: 'Done',
} as const;

/** Start, Pause/Resume, Step, Stop and Test now; the network's size and the progress. */
export function RetrainControls() {
  const runState = useRetrain((s) => s.runState);
  const request = useRetrain((s) => s.request);
  const stepping = useRetrain((s) => s.stepping);
  const testing = useRetrain((s) => s.testing);
  const building = useRetrain((s) => s.building);
  const info = useRetrain((s) => s.info);
  const latest = useRetrain((s) => s.latest);
  const backendReady = useStudio((s) => s.backendStatus === 'ready');
  const hasData = useStudio((s) => (s.dataset?.trainImages ?? 0) > 0);
  const searchLive = useStudio((s) => s.runState === 'running');
  // Read so a search's first genotype re-renders: chosenGenotype reads it.
  useStudio((s) => s.genotype);
  const hasGenotype = useRetrain((s) => chosenGenotype(s) !== null);
  const { start, togglePause, step, stop, test } = useRetrain.getState();

  const live = isLive(runState);
  const blocker = !backendReady
    ? 'Waiting for the backend…'
    : !hasData
      ? 'Load data to retrain: drop CIFAR-10 files or try the demo data.'
      : !hasGenotype
        ? 'Choose a genotype to retrain on the left: the search’s, a file or a named one.'
        : null;

  return (
    <section
      className="panel controls retrain-controls"
      aria-label="Retrain controls"
      data-retrain-state={runState}
    >
      <div className="buttons">
        <button
          type="button"
          className="primary"
          data-testid="retrain-start"
          disabled={live || building || blocker !== null}
          title={blocker ?? 'Build the network and train it from scratch'}
          onClick={() => void start()}
        >
          {building
            ? 'Building…'
            : runState === 'stopped' || runState === 'done'
              ? 'Start again'
              : 'Start'}
        </button>
        <button
          type="button"
          data-testid="retrain-pause"
          disabled={!live || request !== null}
          aria-keyshortcuts="Space"
          title="Space toggles pause"
          onClick={() => void togglePause()}
        >
          {runState === 'paused' ? 'Resume' : 'Pause'}
        </button>
        <button
          type="button"
          data-testid="retrain-step"
          disabled={runState !== 'paused' || request !== null || stepping}
          aria-busy={stepping}
          title="One training step while paused"
          onClick={() => void step()}
        >
          {stepping ? 'Stepping…' : 'Step'}
        </button>
        <button
          type="button"
          data-testid="retrain-stop"
          disabled={!live || request === 'stopping'}
          onClick={() => void stop()}
        >
          Stop
        </button>
        <button
          type="button"
          data-testid="retrain-test"
          disabled={!info || runState === 'running' || testing}
          aria-busy={testing}
          title="Test the network on the test batch now"
          onClick={() => void test()}
        >
          {testing ? 'Testing…' : 'Test now'}
        </button>
        <span
          className={`run-state state-${runState}`}
          data-testid="retrain-state"
        >
          {request === 'pausing'
            ? 'Pausing after this step…'
            : request === 'stopping'
              ? 'Stopping after this step…'
              : STATE_TEXT[runState]}
        </span>
      </div>
      {info ? (
        <p className="param-count" data-testid="retrain-params">
          <strong>{formatParamCount(info.params - info.auxParams)}</strong>{' '}
          <span className="muted">
            without the auxiliary head, as the reference counts (
            {formatParamCount(info.params)} with it) ·{' '}
            {info.trainImages.toLocaleString('en')} training and{' '}
            {info.testImages.toLocaleString('en')} test images
          </span>
        </p>
      ) : (
        <p className="empty-state" data-testid="retrain-empty">
          {blocker ??
            'Press Start to build the network, count its weights and train it.'}
        </p>
      )}
      {searchLive && (
        <p className="speed-hint">
          A search is running too: both share this machine, so each runs slower.
          Pause the search in the Search view to give the retrain all of it.
        </p>
      )}
      {latest && <RetrainProgress snapshot={latest} live={live} />}
    </section>
  );
}

function RetrainProgress({
  snapshot,
  live,
}: {
  snapshot: RetrainSnapshot;
  live: boolean;
}) {
  return (
    <StepProgress
      step={snapshot.step}
      totalSteps={snapshot.totalSteps}
      stepsPerEpoch={snapshot.stepsPerEpoch}
      elapsedSec={snapshot.elapsedSec}
      imagesPerSec={snapshot.imagesPerSec}
      live={live}
      label="Retrain progress"
      testIdPrefix="retrain-"
    >
      <div>
        <dt>Train loss</dt>
        <dd>{snapshot.trainLoss.toFixed(3)}</dd>
      </div>
      <div>
        <dt>lr</dt>
        <dd>{snapshot.lr.toPrecision(3)}</dd>
      </div>
    </StepProgress>
  );
}
