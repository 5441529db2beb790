import type { Snapshot } from '../core/snapshot';
import { presetOf } from '../store/configFields';
import { StepProgress } from './StepProgress';
import { isLive, useStudio } from '../store/studio';
import { restoredLine, savedNote } from './savedText';

/** Start, Pause/Resume, Stop and Step, and the run's progress. */
export function Controls() {
  const runState = useStudio((s) => s.runState);
  const request = useStudio((s) => s.request);
  const latest = useStudio((s) => s.latest);
  const backendReady = useStudio((s) => s.backendStatus === 'ready');
  const hasData = useStudio((s) => (s.dataset?.trainImages ?? 0) > 0);
  const loading = useStudio((s) => s.loading !== null);
  const restoring = useStudio((s) => s.restoring);
  const restored = useStudio((s) => s.restored);
  const saved = useStudio((s) => s.saved);
  const stepping = useStudio((s) => s.stepping);
  const runsOn = useStudio((s) => s.backend?.name ?? null);
  const slowOnCpu = useStudio(
    (s) =>
      (s.backend?.name === 'wasm' || s.backend?.name === 'cpu') &&
      !isLive(s.runState) &&
      presetOf(s.config) === 'Paper',
  );
  const { start, stop, step, togglePause, discardSaved } = useStudio.getState();

  const live = isLive(runState);
  const blocker = !backendReady
    ? 'Waiting for the backend…'
    : restoring
      ? 'Looking for a saved run…'
      : loading
        ? 'Reading files…'
        : !hasData
          ? 'Load data to start: drop CIFAR-10 files or try the demo data.'
          : null;

  return (
    <section
      className="panel controls"
      aria-label="Run controls"
      data-run-state={runState}
    >
      <div className="buttons">
        <button
          type="button"
          // A restored run waits for Resume (the way on) or Start (replaces it).
          className={restored && !restored.done ? undefined : 'primary'}
          data-testid="start"
          disabled={(live && !restored) || blocker !== null}
          title={blocker ?? undefined}
          onClick={() => void start()}
        >
          {runState === 'stopped' || runState === 'done'
            ? 'Start again'
            : 'Start'}
        </button>
        <button
          type="button"
          className={restored && !restored.done ? 'primary' : undefined}
          data-testid="pause"
          disabled={!live || request !== null}
          aria-keyshortcuts="Space"
          title="Space toggles pause"
          onClick={() => void togglePause()}
        >
          {runState === 'paused' ? 'Resume' : 'Pause'}
        </button>
        <button
          type="button"
          data-testid="stop"
          disabled={!live || request === 'stopping'}
          onClick={() => void stop()}
        >
          Stop
        </button>
        <button
          type="button"
          data-testid="step"
          disabled={runState !== 'paused' || request !== null || stepping}
          aria-busy={stepping}
          title="One search step while paused"
          onClick={() => void step()}
        >
          {stepping ? 'Stepping…' : 'Step'}
        </button>
        <span className={`run-state state-${runState}`} data-testid="run-state">
          {request === 'pausing'
            ? 'Pausing after this step…'
            : request === 'stopping'
              ? 'Stopping after this step…'
              : STATE_TEXT[runState]}
        </span>
      </div>
      {restored && (
        <div className="restored" data-testid="restored">
          <p>{restoredLine(restored, runsOn)}</p>
          <button
            type="button"
            className="link"
            data-testid="discard-saved"
            onClick={() => void discardSaved()}
          >
            Discard saved run
          </button>
        </div>
      )}
      {blocker && runState === 'idle' ? (
        <p className="empty-state" data-testid="controls-empty">
          {blocker}
        </p>
      ) : (
        <Progress snapshot={latest} live={live} />
      )}
      {saved && !restored && (
        <p
          className="saved-note"
          data-testid="saved"
          data-step={saved.step}
          title="Saved in this browser: a reload or a closed tab comes back here"
        >
          {savedNote(saved)}
        </p>
      )}
      {slowOnCpu && (
        <p className="speed-hint">
          No hardware GPU here: the Paper settings take most of a minute per
          step on the CPU. The Demo and Quick presets are sized for it.
        </p>
      )}
    </section>
  );
}

const STATE_TEXT = {
  idle: 'Ready',
  running: 'Running',
  paused: 'Paused',
  stopped: 'Stopped',
  done: 'Done',
} as const;

function Progress({
  snapshot,
  live,
}: {
  snapshot: Snapshot | null;
  live: boolean;
}) {
  if (!snapshot) {
    return (
      <p className="progress-text">
        {live ? 'First steps running…' : 'Press Start to search.'}
      </p>
    );
  }
  return (
    <StepProgress
      step={snapshot.step}
      totalSteps={snapshot.totalSteps}
      stepsPerEpoch={snapshot.stepsPerEpoch}
      elapsedSec={snapshot.elapsedSec}
      imagesPerSec={snapshot.imagesPerSec}
      live={live}
      label="Search progress"
    />
  );
}
