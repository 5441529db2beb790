/**
 * When and what the search worker saves, so a reload does not lose a run:
 * the parsed dataset once when a run starts on new data, and the run's
 * checkpoint with the snapshots since the last save after a snapshot (at
 * most every SAVE_INTERVAL_MS) and always on pause, stop and done. Every
 * storage call goes through one queue, so a new run's clear can never land
 * before the old run's last write. Storage faults become named errors for
 * the page; the search goes on.
 */
import type { RunCheckpoint } from '../src/core/search';
import type { Snapshot } from '../src/core/snapshot';
import type { CifarData } from '../src/data/types';
import type { DatasetSummary, SaveInfo } from './api';
import type { RunStorage, SavedDataset, SavedState } from './idb';

/** Least time between two saves triggered by snapshots. */
export const SAVE_INTERVAL_MS = 20_000;

/** Why a save was asked for; only 'snapshot' saves wait out the interval. */
export type SaveReason =
  'snapshot' | 'step' | 'pause' | 'stop' | 'done' | 'hidden';

/** A checkpoint of the live run, or null when the run has been replaced. */
export type TakeCheckpoint = () => Promise<{
  checkpoint: RunCheckpoint;
  totalSteps: number;
} | null>;

export interface SaverHooks {
  onSaved(info: SaveInfo): void;
  onError(error: { name: string; message: string }): void;
}

export class RunSaver {
  private queue: Promise<unknown> = Promise.resolve();
  /** Snapshots sent since the last successful save, oldest first. */
  private unsaved: Snapshot[] = [];
  private lastSaveAt = -Infinity;
  private saveQueued = false;
  /** The data the stored dataset record holds, and whether it was written. */
  private dataset: { data: CifarData; id: string; stored: boolean } | null =
    null;
  /** Error kinds already reported for this run: a full disk is said once. */
  private reported = new Set<string>();

  constructor(
    private readonly storage: RunStorage,
    private readonly hooks: SaverHooks,
    private readonly now: () => number = Date.now,
  ) {}

  /** A run starts on `data`: the saved run is replaced, the data written if it is new. */
  newRun(data: CifarData, summary: DatasetSummary): Promise<void> {
    this.unsaved = [];
    this.lastSaveAt = -Infinity;
    this.reported.clear();
    const write = this.enqueue(() => this.storage.clearRun(), 'the run');

    if (this.dataset?.data === data && this.dataset.stored) return write;
    const dataset = { data, id: newId(), stored: false };
    this.dataset = dataset;
    return this.enqueue(
      async () => {
        await this.storage.writeDataset({ id: dataset.id, data, summary });
        dataset.stored = true;
      },
      `the dataset (${megabytes(data)} MB)`,
    );
  }

  /** Notes a snapshot the page was sent; it is written with the next save. */
  snapshot(snapshot: Snapshot): void {
    this.unsaved.push(snapshot);
  }

  /** Saves the run now, or for 'snapshot' only if the interval has passed. */
  save(reason: SaveReason, take: TakeCheckpoint): Promise<void> {
    if (!this.dataset) return Promise.resolve();
    if (reason === 'snapshot') {
      if (this.saveQueued) return Promise.resolve();
      if (this.now() - this.lastSaveAt < SAVE_INTERVAL_MS) {
        return Promise.resolve();
      }
    }
    const dataset = this.dataset;
    this.saveQueued = true;
    this.lastSaveAt = this.now();

    return this.enqueue(async () => {
      this.saveQueued = false;
      // Without its data a saved run could not be restored (already reported).
      if (!dataset.stored || this.dataset !== dataset) return;
      const taken = await take();
      if (!taken) return;
      const { checkpoint, totalSteps } = taken;
      const batch = this.unsaved.filter((s) => s.step <= checkpoint.step);
      this.unsaved = this.unsaved.filter((s) => s.step > checkpoint.step);
      const savedAt = this.now();

      try {
        await this.storage.writeRun(
          { datasetId: dataset.id, savedAt, totalSteps, checkpoint },
          batch,
        );
      } catch (error) {
        // Kept for the next try, so the history stays whole once space is found.
        this.unsaved = [...batch, ...this.unsaved];
        throw error;
      }
      this.hooks.onSaved({ step: checkpoint.step, totalSteps, savedAt });
    }, 'the run');
  }

  /** What storage holds: a run whose data and history belong to it, or nulls. */
  async load(): Promise<SavedState> {
    let state: SavedState = { run: null, dataset: null, snapshots: [] };
    await this.enqueue(async () => {
      state = savedRunOf(await this.storage.read());
    }, 'reading the saved run');
    return state;
  }

  /** The restored run continues: its data is already stored, its history too. */
  adopt(dataset: SavedDataset): void {
    this.dataset = { data: dataset.data, id: dataset.id, stored: true };
    this.unsaved = [];
    this.lastSaveAt = this.now();
    this.reported.clear();
  }

  /** Clears everything stored; nothing is saved again until the next run starts. */
  discard(): Promise<void> {
    this.dataset = null;
    this.unsaved = [];
    return this.enqueue(() => this.storage.clearAll(), 'discarding');
  }

  /** Runs `task` after every storage call before it; a failure is reported, never thrown. */
  private enqueue(task: () => Promise<void>, what: string): Promise<void> {
    const result = this.queue.then(task).catch((error: unknown) => {
      const named = storageError(error, what);
      if (this.reported.has(named.name)) return;
      this.reported.add(named.name);
      this.hooks.onError(named);
    });
    this.queue = result;
    return result;
  }
}

/**
 * Keeps a stored run only with its own dataset, and its history only up to
 * the checkpoint's step (later snapshots will come again on resume).
 */
export function savedRunOf(state: SavedState): SavedState {
  const { run, dataset } = state;
  if (!run || !dataset || dataset.id !== run.datasetId) {
    return { run: null, dataset, snapshots: [] };
  }
  const snapshots = state.snapshots
    .filter((s) => s.step <= run.checkpoint.step)
    .sort((a, b) => a.step - b.step);
  return { run, dataset, snapshots };
}

/** A storage fault as a named error that says what was lost and what to do. */
export function storageError(
  error: unknown,
  what: string,
): { name: string; message: string } {
  const name =
    typeof error === 'object' && error !== null && 'name' in error
      ? String((error as { name: unknown }).name)
      : '';
  const detail =
    error instanceof Error || error instanceof DOMException
      ? error.message
      : String(error);

  if (name === 'QuotaExceededError') {
    return {
      name: 'StorageFull',
      message:
        `Saving ${what}: the browser's storage for this site is full, so a ` +
        'reload would lose this run (the search goes on). Free disk space, ' +
        'or clear other sites’ data in the browser settings',
    };
  }
  if (name === 'StorageUnavailable' || name === 'StorageBlocked') {
    return {
      name,
      message:
        `Saving ${what}: ${detail}; the search goes on, but a reload ` +
        'will lose it. Close other DARTS Studio tabs, or leave private browsing',
    };
  }
  return {
    name: 'SaveFailed',
    message:
      `Saving ${what} failed (${name || 'Error'}: ${detail}); the search ` +
      'goes on, but a reload may lose it',
  };
}

function megabytes(data: CifarData): string {
  const bytes = data.train.images.byteLength + data.test.images.byteLength;
  return (bytes / 1e6).toFixed(1);
}

function newId(): string {
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}
