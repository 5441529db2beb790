import type { ReactNode } from 'react';

export interface StepProgressProps {
  step: number;
  totalSteps: number;
  stepsPerEpoch: number;
  elapsedSec: number;
  imagesPerSec: number;
  /** Whether the run is live: a stopped run has no time left to show. */
  live: boolean;
  /** The progress bar's accessible name, e.g. "Search progress". */
  label: string;
  /** Prefix of the test ids: `${prefix}epoch`, `${prefix}step-count`. */
  testIdPrefix?: string;
  /** More figures after the common ones (loss, lr, …), as dt/dd pairs. */
  children?: ReactNode;
}

/**
 * Epoch, step, images/s, elapsed and time left with a bar: the progress
 * line of a run of steps grouped in epochs (search and retrain).
 */
export function StepProgress(p: StepProgressProps) {
  const { step, totalSteps, elapsedSec, imagesPerSec } = p;
  const perEpoch = Math.max(1, p.stepsPerEpoch);
  const epochs = Math.max(1, Math.round(totalSteps / perEpoch));
  // Derived from the step alone: epoch k holds steps (k-1)·perEpoch+1 … k·perEpoch.
  const epoch = Math.max(1, Math.ceil(step / perEpoch));
  const inEpoch = step - (epoch - 1) * perEpoch;
  const left =
    p.live && step > 0 ? (elapsedSec / step) * (totalSteps - step) : Number.NaN;
  const fraction = totalSteps > 0 ? step / totalSteps : 0;
  const id = p.testIdPrefix ?? '';

  return (
    <div className="progress">
      <dl className="progress-text">
        <div>
          <dt>Epoch</dt>
          <dd data-testid={`${id}epoch`}>
            {epoch} / {epochs}
          </dd>
        </div>
        <div>
          <dt>Step</dt>
          <dd>
            <span data-testid={`${id}step-count`} data-step={step}>
              {step}
            </span>{' '}
            / {totalSteps}{' '}
            <span className="muted">
              ({inEpoch} / {p.stepsPerEpoch} in epoch)
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
        {p.children}
      </dl>
      <div
        className="bar-track"
        role="progressbar"
        aria-label={p.label}
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
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}
