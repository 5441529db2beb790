/**
 * The saved runs' IndexedDB database, kept thin: open, read all, write the
 * data, write a run record with its new snapshots, clear. One slot each for
 * the search (the latest run and the data it ran on) and one per side run
 * (retrain, recurrent search, recurrent retrain); the rules of when to
 * write live in persist.ts and sideRuns.ts.
 */
import type { RetrainCheckpoint, RetrainSnapshot } from '../src/core/retrain';
import type {
  RnnRetrainCheckpoint,
  RnnRetrainSnapshot,
} from '../src/core/rnnRetrain';
import type { RnnCheckpoint, RnnSnapshot } from '../src/core/rnnSearch';
import type { RunCheckpoint } from '../src/core/search';
import type { Snapshot } from '../src/core/snapshot';
import type { PtbCorpus } from '../src/data/ptb';
import type { CifarData } from '../src/data/types';
import type { DatasetSummary, PtbSummary, RunState } from './api';

const DB_NAME = 'darts-studio';
/** 2 added the side-run stores; version 1's stores are kept as they are. */
const DB_VERSION = 2;
const DATASET = 'dataset';
const RUN = 'run';
/** Keyed by snapshot step, so a re-save of the same step overwrites it. */
const SNAPSHOTS = 'snapshots';
/** The key of the one record in DATASET and RUN. */
const LATEST = 'latest';
/** One SavedSideRun per kind, keyed by kind. */
const SIDE_RUNS = 'sideRuns';
/** One SavedSideData per kind, keyed by kind. */
const SIDE_DATA = 'sideData';
/** SideSnapshotRecords keyed by [kind, step]. */
const SIDE_SNAPSHOTS = 'sideSnapshots';
const SIDE_STORES = [SIDE_RUNS, SIDE_DATA, SIDE_SNAPSHOTS];

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

/** What each kind of side run keeps: its checkpoint, snapshot and data. */
export interface SideRunTypes {
  retrain: {
    checkpoint: RetrainCheckpoint;
    snapshot: RetrainSnapshot;
    data: SavedCifar;
  };
  rnnSearch: {
    checkpoint: RnnCheckpoint;
    snapshot: RnnSnapshot;
    data: SavedCorpus;
  };
  rnnRetrain: {
    checkpoint: RnnRetrainCheckpoint;
    snapshot: RnnRetrainSnapshot;
    data: SavedCorpus;
  };
}

/** The runs kept beside the search: one slot each. */
export type SideKind = keyof SideRunTypes;

export const SIDE_KINDS: readonly SideKind[] = [
  'retrain',
  'rnnSearch',
  'rnnRetrain',
];

/** The CIFAR-10 images a retrain trains and tests on, and their summary. */
export interface SavedCifar {
  data: CifarData;
  summary: DatasetSummary;
}

/** The Penn Treebank corpus a recurrent run reads, and its summary. */
export interface SavedCorpus {
  corpus: PtbCorpus;
  summary: PtbSummary;
}

/** The data a side run ran on, written once per run on new data. */
export interface SavedSideData<K extends SideKind = SideKind> {
  kind: K;
  id: string;
  data: SideRunTypes[K]['data'];
}

/** A side run's latest save: its whole state and what the page calls it. */
export interface SavedSideRun<K extends SideKind = SideKind> {
  kind: K;
  /** The SavedSideData.id the checkpoint was taken on. */
  dataId: string;
  /** Date.now() when it was written. */
  savedAt: number;
  /** The state it was in when saved ('running' for a save mid-run). */
  state: RunState;
  /** The genotype's name for a retrain ("DARTS_V2", "search, step 40"); '' otherwise. */
  label: string;
  checkpoint: SideRunTypes[K]['checkpoint'];
}

/** One snapshot of a side run's history, as stored. */
export interface SideSnapshotRecord<K extends SideKind = SideKind> {
  kind: K;
  step: number;
  snapshot: SideRunTypes[K]['snapshot'];
}

/** One kind's stored slot as read back; any part may be missing. */
export interface SavedSide<K extends SideKind = SideKind> {
  run: SavedSideRun<K> | null;
  data: SavedSideData<K> | null;
  /** In key order (by step). */
  snapshots: SideRunTypes[K]['snapshot'][];
}

/** What sideRuns.ts needs from storage; a fake in Node tests, IndexedDB in the worker. */
export interface SideRunStorage {
  read<K extends SideKind>(kind: K): Promise<SavedSide<K>>;
  writeData<K extends SideKind>(data: SavedSideData<K>): Promise<void>;
  writeRun<K extends SideKind>(
    run: SavedSideRun<K>,
    snapshots: SideRunTypes[K]['snapshot'][],
  ): Promise<void>;
  /** Removes the kind's run record and its snapshots, keeps its data. */
  clearRun(kind: SideKind): Promise<void>;
  /** Removes everything of the kind, its data included. */
  clearAll(kind: SideKind): Promise<void>;
}

/** RunStorage on the worker's IndexedDB. */
export class IdbRunStorage implements RunStorage {
  async read(): Promise<SavedState> {
    const tx = (await openDb()).transaction(
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
    const tx = (await openDb()).transaction(DATASET, 'readwrite');
    tx.objectStore(DATASET).put(dataset, LATEST);
    await done(tx);
  }

  async writeRun(run: SavedRun, snapshots: Snapshot[]): Promise<void> {
    // One transaction: the record and its history land together or not at all.
    const tx = (await openDb()).transaction([RUN, SNAPSHOTS], 'readwrite');
    tx.objectStore(RUN).put(run, LATEST);
    const history = tx.objectStore(SNAPSHOTS);
    for (const snapshot of snapshots) history.put(snapshot);
    await done(tx);
  }

  async clearRun(): Promise<void> {
    const tx = (await openDb()).transaction([RUN, SNAPSHOTS], 'readwrite');
    tx.objectStore(RUN).clear();
    tx.objectStore(SNAPSHOTS).clear();
    await done(tx);
  }

  async clearAll(): Promise<void> {
    const tx = (await openDb()).transaction(
      [DATASET, RUN, SNAPSHOTS],
      'readwrite',
    );
    for (const name of [DATASET, RUN, SNAPSHOTS]) tx.objectStore(name).clear();
    await done(tx);
  }
}

/** SideRunStorage on the worker's IndexedDB. */
export class IdbSideRunStorage implements SideRunStorage {
  async read<K extends SideKind>(kind: K): Promise<SavedSide<K>> {
    const tx = (await openDb()).transaction(SIDE_STORES, 'readonly');
    const [run, data, snapshots] = await Promise.all([
      request<SavedSideRun<K> | undefined>(tx.objectStore(SIDE_RUNS).get(kind)),
      request<SavedSideData<K> | undefined>(
        tx.objectStore(SIDE_DATA).get(kind),
      ),
      request<SideSnapshotRecord<K>[]>(
        tx.objectStore(SIDE_SNAPSHOTS).getAll(snapshotsOf(kind)),
      ),
    ]);
    return {
      run: run ?? null,
      data: data ?? null,
      snapshots: snapshots.map((r) => r.snapshot),
    };
  }

  async writeData<K extends SideKind>(data: SavedSideData<K>): Promise<void> {
    const tx = (await openDb()).transaction(SIDE_DATA, 'readwrite');
    tx.objectStore(SIDE_DATA).put(data, data.kind);
    await done(tx);
  }

  async writeRun<K extends SideKind>(
    run: SavedSideRun<K>,
    snapshots: SideRunTypes[K]['snapshot'][],
  ): Promise<void> {
    // One transaction: the record and its history land together or not at all.
    const tx = (await openDb()).transaction(
      [SIDE_RUNS, SIDE_SNAPSHOTS],
      'readwrite',
    );
    tx.objectStore(SIDE_RUNS).put(run, run.kind);
    const history = tx.objectStore(SIDE_SNAPSHOTS);
    for (const snapshot of snapshots) {
      const record: SideSnapshotRecord<K> = {
        kind: run.kind,
        step: snapshot.step,
        snapshot,
      };
      history.put(record);
    }
    await done(tx);
  }

  async clearRun(kind: SideKind): Promise<void> {
    const tx = (await openDb()).transaction(
      [SIDE_RUNS, SIDE_SNAPSHOTS],
      'readwrite',
    );
    tx.objectStore(SIDE_RUNS).delete(kind);
    tx.objectStore(SIDE_SNAPSHOTS).delete(snapshotsOf(kind));
    await done(tx);
  }

  async clearAll(kind: SideKind): Promise<void> {
    const tx = (await openDb()).transaction(SIDE_STORES, 'readwrite');
    tx.objectStore(SIDE_RUNS).delete(kind);
    tx.objectStore(SIDE_DATA).delete(kind);
    tx.objectStore(SIDE_SNAPSHOTS).delete(snapshotsOf(kind));
    await done(tx);
  }
}

/** Every [kind, step] key of one kind's snapshots. */
function snapshotsOf(kind: SideKind): IDBKeyRange {
  return IDBKeyRange.bound([kind, -Infinity], [kind, Infinity]);
}

let db: Promise<IDBDatabase> | null = null;

/** The studio's database, opened once and shared by both storages. */
function openDb(): Promise<IDBDatabase> {
  db ??= new Promise((resolve, reject) => {
    if (typeof indexedDB === 'undefined') {
      const error = new Error('IndexedDB is not available in this browser');
      error.name = 'StorageUnavailable';
      reject(error);
      return;
    }
    const opening = indexedDB.open(DB_NAME, DB_VERSION);
    opening.onupgradeneeded = (event) => {
      const upgrading = opening.result;
      if (event.oldVersion < 1) {
        upgrading.createObjectStore(DATASET);
        upgrading.createObjectStore(RUN);
        upgrading.createObjectStore(SNAPSHOTS, { keyPath: 'step' });
      }
      if (event.oldVersion < 2) {
        upgrading.createObjectStore(SIDE_RUNS);
        upgrading.createObjectStore(SIDE_DATA);
        upgrading.createObjectStore(SIDE_SNAPSHOTS, {
          keyPath: ['kind', 'step'],
        });
      }
    };
    opening.onsuccess = () => {
      const opened = opening.result;
      // A newer studio in another tab wants to upgrade: step aside, reopen later.
      opened.onversionchange = () => {
        opened.close();
        db = null;
      };
      resolve(opened);
    };
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
  db.catch(() => (db = null));
  return db;
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
