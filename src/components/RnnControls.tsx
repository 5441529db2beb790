import type { ReactNode } from 'react';
import { formatParamCount } from '../core/metrics';
import { useRnn } from '../store/rnn';
import { isLive, useStudio } from '../store/studio';
import { duration } from './StepProgress';

const STATE_TEXT = {
  idle: 'Ready',
  running: 'Running',
  paused: 'Paused',
  stopped: 'Stopped',
  done: 'Done',
} as const;

/** Start, Pause/Resume, Step and Stop of the recurrent search, and its progress. */
export function RnnControls() {
  const state = useRnn((s) => s.searchState);
  const request = useRnn((s) => s.request);
  const stepping = useRnn((s) => s.stepping);
  const building = useRnn((s) => s.building);
  const latest = useRnn((s) => s.latest);
  const params = useRnn((s) => s.params);
  const epochs = useRnn((s) => s.runConfig?.epochs ?? s.config.epochs);
  const hasCorpus = useRnn((s) => (s.corpus?.trainTokens ?? 0) > 0);
  const loading = useRnn((s) => s.loadingPtb);
  const backendReady = useStudio((s) => s.backendStatus === 'ready');
  const { start, togglePause, step, stop } = useRnn.getState();

  const live = isLive(state);
  const blocker = !backendReady
    ? 'Waiting for the backend…'
    : loading
      ? 'Reading files…'
      : !hasCorpus
        ? 'Load text to start: drop ptb.train.txt and ptb.valid.txt, or try the demo corpus.'
        : null;

  return (
    <section
      className="panel controls rnn-controls"
      aria-label="Recurrent search controls"
      data-run-state={state}
    >
      <RunButtons
        prefix="rnn"
        state={state}
        request={request}
        blocker={blocker}
        busy={building}
        onStart={start}
        onPause={togglePause}
        onStop={stop}
      >
        <button
          type="button"
          data-testid="rnn-step"
          disabled={state !== 'paused' || request !== null || stepping}
          aria-busy={stepping}
          title="One search step while paused"
          onClick={() => void step()}
        >
          {stepping ? 'Stepping…' : 'Step'}
        </button>
      </RunButtons>
      {blocker && state === 'idle' ? (
        <p className="empty-state">{blocker}</p>
      ) : latest ? (
        <RnnProgress
          prefix="rnn"
          step={latest.step}
          epoch={latest.epoch}
          epochs={epochs}
          epochProgress={latest.epochProgress}
          tokensPerSec={latest.tokensPerSec}
          elapsedSec={latest.elapsedSec}
          done={state === 'done'}
        >
          <Metric label="Train ppl">{ppl(latest.trainPpl)}</Metric>
          <Metric label="Arch ppl">{ppl(latest.archPpl)}</Metric>
          <Metric label="Valid ppl" testId="rnn-valid-ppl">
            {ppl(latest.validPpl[latest.validPpl.length - 1])}
          </Metric>
        </RnnProgress>
      ) : (
        <p className="progress-text">
          {live ? 'First steps running…' : 'Press Start to search.'}
        </p>
      )}
      {params !== null && (
        <p className="param-count muted" data-testid="rnn-params">
          Supernet: {formatParamCount(params)}
        </p>
      )}
    </section>
  );
}

export interface RunButtonsProps {
  /** Test ids are `${prefix}-start`, `${prefix}-pause`, …. */
  prefix: string;
  state: keyof typeof STATE_TEXT;
  request: 'pausing' | 'stopping' | null;
  blocker: string | null;
  busy?: boolean;
  onStart(): Promise<void>;
  onPause(): Promise<void>;
  onStop(): Promise<void>;
  children?: ReactNode;
}

/** Start, Pause/Resume, Stop (and any extra buttons), and the run state. */
export function RunButtons({
  prefix,
  state,
  request,
  blocker,
  busy = false,
  onStart,
  onPause,
  onStop,
  children,
}: RunButtonsProps) {
  const live = isLive(state);
  return (
    <div className="buttons">
      <button
        type="button"
        className="primary"
        data-testid={`${prefix}-start`}
        disabled={live || busy || blocker !== null}
        title={blocker ?? undefined}
        onClick={() => void onStart()}
      >
        {busy
          ? 'Building…'
          : state === 'stopped' || state === 'done'
            ? 'Start again'
            : 'Start'}
      </button>
      <button
        type="button"
        data-testid={`${prefix}-pause`}
        disabled={!live || request !== null}
        aria-keyshortcuts="Space"
        title="Space toggles pause"
        onClick={() => void onPause()}
      >
        {state === 'paused' ? 'Resume' : 'Pause'}
      </button>
      <button
        type="button"
        data-testid={`${prefix}-stop`}
        disabled={!live || request === 'stopping'}
        onClick={() => void onStop()}
      >
        Stop
      </button>
      {children}
      <span
        className={`run-state state-${state}`}
        data-testid={`${prefix}-run-state`}
      >
        {request === 'pausing'
          ? 'Pausing after this step…'
          : request === 'stopping'
            ? 'Stopping after this step…'
            : STATE_TEXT[state]}
      </span>
    </div>
  );
}

export interface RnnProgressProps {
  prefix: string;
  step: number;
  /** 0-based, as the snapshots carry it. */
  epoch: number;
  epochs: number;
  /** Fraction of this epoch's training stream consumed. */
  epochProgress: number;
  tokensPerSec: number;
  elapsedSec: number;
  done: boolean;
  children?: ReactNode;
}

/** Epoch, step, speed, time and a progress bar, then the run's own metrics. */
export function RnnProgress({
  prefix,
  step,
  epoch,
  epochs,
  epochProgress,
  tokensPerSec,
  elapsedSec,
  done,
  children,
}: RnnProgressProps) {
  // Chunks vary in length, so progress is counted in epochs, not steps.
  const fraction = done
    ? 1
    : Math.min(1, (epoch + epochProgress) / Math.max(1, epochs));
  const left =
    fraction > 0 && !done ? (elapsedSec / fraction) * (1 - fraction) : NaN;

  return (
    <div className="progress">
      <dl className="progress-text">
        <Metric label="Epoch" testId={`${prefix}-epoch`}>
          {Math.min(epoch + 1, epochs)} / {epochs}
        </Metric>
        <div>
          <dt>Step</dt>
          <dd>
            <span data-testid={`${prefix}-step-count`} data-step={step}>
              {step}
            </span>
          </dd>
        </div>
        <Metric label="Speed">
          {Number.isFinite(tokensPerSec) ? Math.round(tokensPerSec) : '–'}{' '}
          tokens/s
        </Metric>
        <Metric label="Elapsed">{duration(elapsedSec)}</Metric>
        <Metric label="Left">
          {Number.isFinite(left) ? duration(left) : done ? '0:00' : '–'}
        </Metric>
        {children}
      </dl>
      <div
        className="bar-track"
        role="progressbar"
        aria-label="Progress over all epochs"
        aria-valuemin={0}
        aria-valuemax={1}
        aria-valuenow={Number(fraction.toFixed(3))}
      >
        <div
          className="bar-fill"
          style={{ width: `${(100 * fraction).toFixed(2)}%` }}
        />
      </div>
    </div>
  );
}

export function Metric({
  label,
  testId,
  children,
}: {
  label: string;
  testId?: string;
  children: ReactNode;
}) {
  return (
    <div>
      <dt>{label}</dt>
      <dd data-testid={testId}>{children}</dd>
    </div>
  );
}

/** 123.456 → "123.5", 12345.6 → "12,346"; '–' when there is none yet. */
export function ppl(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) {
    return '–';
  }
  return value >= 1000
    ? Math.round(value).toLocaleString('en-US')
    : value.toFixed(1);
}
