import type { RetrainSnapshot } from '../core/retrain';
import { formatParamCount } from '../core/metrics';
import { chosenGenotype, useRetrain } from '../store/retrain';
import { isLive, useStudio } from '../store/studio';

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
  const { step, stepsPerEpoch, totalSteps, elapsedSec, imagesPerSec } =
    snapshot;
  const perEpoch = Math.max(1, stepsPerEpoch);
  const epochs = Math.max(1, Math.round(totalSteps / perEpoch));
  const epoch = Math.max(1, Math.ceil(step / perEpoch));
  const inEpoch = step - (epoch - 1) * perEpoch;
  const left =
    live && step > 0 ? (elapsedSec / step) * (totalSteps - step) : Number.NaN;
  const fraction = totalSteps > 0 ? step / totalSteps : 0;

  return (
    <div className="progress">
      <dl className="progress-text">
        <div>
          <dt>Epoch</dt>
          <dd data-testid="retrain-epoch">
            {epoch} / {epochs}
          </dd>
        </div>
        <div>
          <dt>Step</dt>
          <dd>
            <span data-testid="retrain-step-count" data-step={step}>
              {step}
            </span>{' '}
            / {totalSteps}{' '}
            <span className="muted">
              ({inEpoch} / {stepsPerEpoch} in epoch)
            </span>
          </dd>
        </div>
        <div>
          <dt>Speed</dt>
          <dd>
            {Number.isFinite(imagesPerSec) ? imagesPerSec.toFixed(1) : '–'}{' '}
            images/s
          </dd>
        </div>
        <div>
          <dt>Elapsed</dt>
          <dd>{duration(elapsedSec)}</dd>
        </div>
        <div>
          <dt>Left</dt>
          <dd>{Number.isFinite(left) ? duration(left) : '–'}</dd>
        </div>
        <div>
          <dt>Train loss</dt>
          <dd>{snapshot.trainLoss.toFixed(3)}</dd>
        </div>
        <div>
          <dt>lr</dt>
          <dd>{snapshot.lr.toPrecision(3)}</dd>
        </div>
      </dl>
      <div
        className="bar-track"
        role="progressbar"
        aria-label="Retrain progress"
        aria-valuemin={0}
        aria-valuemax={totalSteps}
        aria-valuenow={step}
      >
        <div
          className="bar-fill"
          style={{ width: `${(100 * fraction).toFixed(2)}%` }}
        />
      </div>
    </div>
  );
}

/** 75 → "1:15", 3725 → "1:02:05". */
function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}
