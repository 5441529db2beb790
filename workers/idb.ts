/**
 * The saved run's IndexedDB database, kept thin: open, read all, write the
 * dataset, write a run record with its new snapshots, clear. One slot each
 * (the latest run and the data it ran on); the rules of when to write live
 * in persist.ts.
 */
import type { RunCheckpoint } from '../src/core/search';
import type { Snapshot } from '../src/core/snapshot';
import type { CifarData } from '../src/data/types';
import type { DatasetSummary } from './api';

const DB_NAME = 'darts-studio';
const DB_VERSION = 1;
const DATASET = 'dataset';
const RUN = 'run';
/** Keyed by snapshot step, so a re-save of the same step overwrites it. */
const SNAPSHOTS = 'snapshots';
/** The key of the one record in DATASET and RUN. */
const LATEST = 'latest';

/** The parsed training and test images the saved run ran on, and their summary. */
export interface SavedDataset {
  id: string;
  data: CifarData;
  summary: DatasetSummary;
}

/** The latest saved run: its whole state (config and meta inside the checkpoint). */
export interface SavedRun {
  /** The SavedDataset.id the checkpoint was taken on. */
  datasetId: string;
  /** Date.now() when it was written. */
  savedAt: number;
  /** Steps in the whole run, for "step 120 of 640". */
  totalSteps: number;
  checkpoint: RunCheckpoint;
}

/** Everything read back on load. */
export interface SavedState {
  run: SavedRun | null;
  dataset: SavedDataset | null;
  /** Oldest first. */
  snapshots: Snapshot[];
}

/** What persist.ts needs from storage; a fake in Node tests, IndexedDB in the worker. */
export interface RunStorage {
  read(): Promise<SavedState>;
  writeDataset(dataset: SavedDataset): Promise<void>;
  writeRun(run: SavedRun, snapshots: Snapshot[]): Promise<void>;
  /** Removes the run record and its snapshots, keeps the dataset. */
  clearRun(): Promise<void>;
  /** Removes everything. */
  clearAll(): Promise<void>;
}

/** RunStorage on the worker's IndexedDB. */
export class IdbRunStorage implements RunStorage {
  private db: Promise<IDBDatabase> | null = null;

  async read(): Promise<SavedState> {
    const tx = (await this.open()).transaction(
      [DATASET, RUN, SNAPSHOTS],
      'readonly',
    );
    const [dataset, run, snapshots] = await Promise.all([
      request<SavedDataset | undefined>(tx.objectStore(DATASET).get(LATEST)),
      request<SavedRun | undefined>(tx.objectStore(RUN).get(LATEST)),
      request<Snapshot[]>(tx.objectStore(SNAPSHOTS).getAll()),
    ]);
    return { dataset: dataset ?? null, run: run ?? null, snapshots };
  }

  async writeDataset(dataset: SavedDataset): Promise<void> {
    const tx = (await this.open()).transaction(DATASET, 'readwrite');
    tx.objectStore(DATASET).put(dataset, LATEST);
    await done(tx);
  }

  async writeRun(run: SavedRun, snapshots: Snapshot[]): Promise<void> {
    // One transaction: the record and its history land together or not at all.
    const tx = (await this.open()).transaction([RUN, SNAPSHOTS], 'readwrite');
    tx.objectStore(RUN).put(run, LATEST);
    const history = tx.objectStore(SNAPSHOTS);
    for (const snapshot of snapshots) history.put(snapshot);
    await done(tx);
  }

  async clearRun(): Promise<void> {
    const tx = (await this.open()).transaction([RUN, SNAPSHOTS], 'readwrite');
    tx.objectStore(RUN).clear();
    tx.objectStore(SNAPSHOTS).clear();
    await done(tx);
  }

  async clearAll(): Promise<void> {
    const tx = (await this.open()).transaction(
      [DATASET, RUN, SNAPSHOTS],
      'readwrite',
    );
    for (const name of [DATASET, RUN, SNAPSHOTS]) tx.objectStore(name).clear();
    await done(tx);
  }

  private open(): Promise<IDBDatabase> {
    this.db ??= new Promise((resolve, reject) => {
      if (typeof indexedDB === 'undefined') {
        const error = new Error('IndexedDB is not available in this browser');
        error.name = 'StorageUnavailable';
        reject(error);
        return;
      }
      const opening = indexedDB.open(DB_NAME, DB_VERSION);
      opening.onupgradeneeded = () => {
        const db = opening.result;
        db.createObjectStore(DATASET);
        db.createObjectStore(RUN);
        db.createObjectStore(SNAPSHOTS, { keyPath: 'step' });
      };
      opening.onsuccess = () => resolve(opening.result);
      opening.onerror = () => reject(opening.error);
      // Another tab holds an older version open: say so rather than hang.
      opening.onblocked = () => {
        const error = new Error(
          'the saved-run database is held open by another DARTS Studio tab',
        );
        error.name = 'StorageBlocked';
        reject(error);
      };
    });
    // A failed open is retried next time (e.g. after another tab closes).
    this.db.catch(() => (this.db = null));
    return this.db;
  }
}

function request<T>(req: IDBRequest): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result as T);
    req.onerror = () => reject(req.error);
  });
}

/** Resolves when `tx` commits; rejects with its error (QuotaExceededError among them). */
function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () =>
      reject(tx.error ?? new DOMException('transaction aborted', 'AbortError'));
  });
}
