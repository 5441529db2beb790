/**
 * The words for a saved run: the line shown after a reload restored one,
 * and the small "saved" note beside the progress.
 */
import type { SaveInfo } from '../../workers/api';
import type { RestoredInfo } from '../store/studio';

const BACKEND_NAMES: Record<string, string> = {
  webgpu: 'WebGPU',
  webgl: 'WebGL',
  wasm: 'WASM',
  cpu: 'CPU',
};

/** "Restored the search saved at step 120 of 640 (12:41). Resume to continue, …". */
export function restoredLine(
  info: RestoredInfo,
  runsOn: string | null,
  now = new Date(),
): string {
  const when = savedWhen(info.savedAt, now);
  if (info.done) {
    return (
      `Restored the finished search (step ${info.step} of ` +
      `${info.totalSteps}, saved ${when}). Start for a new run.`
    );
  }
  const moved =
    runsOn && runsOn !== info.savedOn
      ? ` It continues on ${backendName(runsOn)} (it ran on ` +
        `${backendName(info.savedOn)} before the reload).`
      : '';
  return (
    `Restored the search saved at step ${info.step} of ${info.totalSteps} ` +
    `(${when}). Resume to continue, or Start for a new run.${moved}`
  );
}

/** "Saved at step 120 · 12:41". */
export function savedNote(saved: SaveInfo, now = new Date()): string {
  return `Saved at step ${saved.step} · ${savedWhen(saved.savedAt, now)}`;
}

/** "12:41" today, "3 Dec 12:41" another day. */
export function savedWhen(savedAt: number, now: Date): string {
  const at = new Date(savedAt);
  const pad = (n: number) => String(n).padStart(2, '0');
  const time = `${pad(at.getHours())}:${pad(at.getMinutes())}`;
  if (at.toDateString() === now.toDateString()) return time;
  const month = at.toLocaleString('en-GB', { month: 'short' });
  return `${at.getDate()} ${month} ${time}`;
}

function backendName(name: string): string {
  return BACKEND_NAMES[name] ?? name;
}
