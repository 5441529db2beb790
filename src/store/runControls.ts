/**
 * Pause, Resume, Stop and Step for a run the worker drives. The CNN retrain
 * and the recurrent search and retrain keep their run state under different
 * keys and call different worker methods; what the buttons do is the same.
 */
import type { RunState } from '../../workers/api';
import { isLive } from './studio';
import { callWorker, type WorkerTask } from './workerCall';

/** A Pause or Stop click the worker has not confirmed yet. */
export type RunRequest = 'pausing' | 'stopping' | null;

/** Where a store keeps one run's state and its unconfirmed click. */
export interface RunSlot {
  state(): RunState;
  request(): RunRequest;
  setRequest(request: RunRequest): void;
}

/** The worker methods that pause, resume and stop this run. */
export interface RunCalls {
  pause: WorkerTask;
  resume: WorkerTask;
  stop: WorkerTask;
}

export interface RunControls {
  togglePause(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The request stays set until the worker reports the new state (the store's
 * receive action clears it), so a second click meanwhile does nothing; a
 * failed call clears it at once, as no report will come.
 */
export function runControls(slot: RunSlot, calls: RunCalls): RunControls {
  return {
    async togglePause() {
      if (slot.request() !== null) return;
      const state = slot.state();
      if (state === 'running') {
        slot.setRequest('pausing');
        if ((await callWorker(calls.pause)) === null) slot.setRequest(null);
      } else if (state === 'paused') {
        await callWorker(calls.resume);
      }
    },

    async stop() {
      if (!isLive(slot.state())) return;
      slot.setRequest('stopping');
      if ((await callWorker(calls.stop)) === null) slot.setRequest(null);
    },
  };
}

/** A store flag that is on while its action's worker call runs. */
export interface BusyFlag {
  get(): boolean;
  set(busy: boolean): void;
}

/** An action (Step, Test) that ignores clicks while its last call runs. */
export function oneAtATime(
  busy: BusyFlag,
  task: WorkerTask,
): () => Promise<void> {
  return async () => {
    if (busy.get()) return;
    busy.set(true);
    try {
      await callWorker(task);
    } finally {
      busy.set(false);
    }
  };
}
