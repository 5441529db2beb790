/**
 * When and what the worker saves of the runs beside the search (the
 * retrain, the recurrent search and the recurrent retrain), so a reload
 * does not lose them: each kind's data once when it starts on new data, and
 * its checkpoint with the snapshots since the last save after a snapshot (at
 * most every SAVE_INTERVAL_MS), at every epoch's end and always on pause,
 * stop, done and when the page is hidden. One queue for every storage call,
 * so a new run's clear never lands before the old run's last write. Storage
 * faults become named errors for the page; the run goes on.
 */
import type { PtbCorpus } from '../src/data/ptb';
import type { CifarData } from '../src/data/types';
import type { RunState } from './api';
import type { SavedSide, SideKind, SideRunStorage, SideRunTypes } from './idb';
import { SAVE_INTERVAL_MS, storageError, type SaveReason } from './persist';

/** Why a save was asked for; only 'snapshot' saves wait out the interval. */
export type SideSaveReason = SaveReason | 'epoch';

/** A checkpoint of the live run and its state, or null when it has been replaced. */
export type TakeSideCheckpoint<K extends SideKind> = () => Promise<{
  checkpoint: SideRunTypes[K]['checkpoint'];
  state: RunState;
} | null>;

export interface SideSaverHooks {
  onError(error: { name: string; message: string }): void;
}

/** What messages call each kind. */
export const SIDE_NOUNS: Record<SideKind, string> = {
  retrain: 'retrain',
  rnnSearch: 'recurrent search',
  rnnRetrain: 'recurrent retrain',
};

/** One kind's saving state. */
interface Slot<K extends SideKind> {
  /** Snapshots sent since the last successful save, oldest first. */
  unsaved: SideRunTypes[K]['snapshot'][];
  lastSaveAt: number;
  saveQueued: boolean;
  /** The data the stored record holds (by identity), and whether it was written. */
  data: { source: object; id: string; stored: boolean } | null;
  label: string;
}

export class SideRunSaver {
  private queue: Promise<unknown> = Promise.resolve();
  private slots = new Map<SideKind, Slot<SideKind>>();
  /** `${kind}:${name}` of errors already reported: a full disk is said once per run. */
  private reported = new Set<string>();

  constructor(
    private readonly storage: SideRunStorage,
    private readonly hooks: SideSaverHooks,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * A run of `kind` starts on `data`: its saved run is replaced, the data
   * written unless the stored record already holds this very data.
   */
  newRun<K extends SideKind>(
    kind: K,
    data: SideRunTypes[K]['data'],
    label: string,
  ): Promise<void> {
    const slot = this.slot(kind);
    slot.unsaved = [];
    slot.lastSaveAt = -Infinity;
    slot.label = label;
    this.forget(kind);
    const noun = SIDE_NOUNS[kind];
    const clear = this.enqueue(
      kind,
      () => this.storage.clearRun(kind),
      `the ${noun}`,
    );

    const source = sourceOf(data);
    if (slot.data?.source === source && slot.data.stored) return clear;
    const stored = { source, id: newId(), stored: false };
    slot.data = stored;
    return this.enqueue(
      kind,
      async () => {
        await this.storage.writeData({ kind, id: stored.id, data });
        stored.stored = true;
      },
      `the ${noun}'s data (${megabytes(data)} MB)`,
    );
  }

  /** Notes a snapshot the page was sent; it is written with the next save. */
  snapshot<K extends SideKind>(
    kind: K,
    snapshot: SideRunTypes[K]['snapshot'],
  ): void {
    this.slot(kind).unsaved.push(snapshot);
  }

  /** Saves the run now, or for 'snapshot' only if the interval has passed. */
  save<K extends SideKind>(
    kind: K,
    reason: SideSaveReason,
    take: TakeSideCheckpoint<K>,
  ): Promise<void> {
    const slot = this.slot(kind);
    const data = slot.data;
    if (!data) return Promise.resolve();
    if (reason === 'snapshot') {
      if (slot.saveQueued) return Promise.resolve();
      if (this.now() - slot.lastSaveAt < SAVE_INTERVAL_MS) {
        return Promise.resolve();
      }
    }
    slot.saveQueued = true;
    slot.lastSaveAt = this.now();

    return this.enqueue(
      kind,
      async () => {
        slot.saveQueued = false;
        // Without its data a saved run could not be restored (already reported).
        if (!data.stored || slot.data !== data) return;
        const taken = await take();
        if (!taken) return;
        const { checkpoint, state } = taken;
        const batch = slot.unsaved.filter((s) => s.step <= checkpoint.step);
        slot.unsaved = slot.unsaved.filter((s) => s.step > checkpoint.step);

        try {
          await this.storage.writeRun(
            {
              kind,
              dataId: data.id,
              savedAt: this.now(),
              state,
              label: slot.label,
              checkpoint,
            },
            batch,
          );
        } catch (error) {
          // Kept for the next try, so the history stays whole once space is found.
          slot.unsaved = [...batch, ...slot.unsaved];
          throw error;
        }
      },
      `the ${SIDE_NOUNS[kind]}`,
    );
  }

  /** What storage holds of `kind`: a run with its own data and history, or nulls. */
  async load<K extends SideKind>(kind: K): Promise<SavedSide<K>> {
    let saved: SavedSide<K> = { run: null, data: null, snapshots: [] };
    await this.enqueue(
      kind,
      async () => {
        saved = savedSideOf(await this.storage.read(kind));
      },
      `the ${SIDE_NOUNS[kind]} (reading it back)`,
    );
    return saved;
  }

  /** The restored run continues on `source` (the data it was rebuilt on), already stored. */
  adopt(kind: SideKind, id: string, source: object, label: string): void {
    const slot = this.slot(kind);
    slot.data = { source, id, stored: true };
    slot.unsaved = [];
    slot.lastSaveAt = this.now();
    slot.label = label;
    this.forget(kind);
  }

  /** Clears the kind's saved run and data; nothing is saved until its next run. */
  discard(kind: SideKind): Promise<void> {
    const slot = this.slot(kind);
    slot.data = null;
    slot.unsaved = [];
    return this.enqueue(
      kind,
      () => this.storage.clearAll(kind),
      `the ${SIDE_NOUNS[kind]} (discarding it)`,
    );
  }

  private slot<K extends SideKind>(kind: K): Slot<K> {
    let slot = this.slots.get(kind);
    if (!slot) {
      slot = {
        unsaved: [],
        lastSaveAt: -Infinity,
        saveQueued: false,
        data: null,
        label: '',
      };
      this.slots.set(kind, slot);
    }
    return slot as Slot<K>;
  }

  private forget(kind: SideKind): void {
    for (const key of this.reported) {
      if (key.startsWith(`${kind}:`)) this.reported.delete(key);
    }
  }

  /** Runs `task` after every storage call before it; a failure is reported, never thrown. */
  private enqueue(
    kind: SideKind,
    task: () => Promise<void>,
    what: string,
  ): Promise<void> {
    const result = this.queue.then(task).catch((error: unknown) => {
      const named = sideStorageError(error, kind, what);
      const key = `${kind}:${named.name}`;
      if (this.reported.has(key)) return;
      this.reported.add(key);
      this.hooks.onError(named);
    });
    this.queue = result;
    return result;
  }
}

/**
 * Keeps a stored side run only with its own data, and its history only up
 * to the checkpoint's step (later snapshots will come again on resume).
 */
export function savedSideOf<K extends SideKind>(
  saved: SavedSide<K>,
): SavedSide<K> {
  const { run, data } = saved;
  if (!run || !data || data.id !== run.dataId) {
    return { run: null, data, snapshots: [] };
  }
  const snapshots = saved.snapshots
    .filter((s) => s.step <= run.checkpoint.step)
    .sort((a, b) => a.step - b.step);
  return { run, data, snapshots };
}

/** storageError, worded for the side run of `kind`. */
export function sideStorageError(
  error: unknown,
  kind: SideKind,
  what: string,
): { name: string; message: string } {
  const noun = SIDE_NOUNS[kind];
  const named = storageError(error, what);
  // storageError speaks of the search; here another run goes on.
  return {
    name: named.name,
    message: named.message.replaceAll('the search', `the ${noun}`),
  };
}

/** True when two CIFAR sets hold the same images, labels and class names. */
export function sameCifar(a: CifarData, b: CifarData): boolean {
  return (
    a === b ||
    (sameArray(a.train.images, b.train.images) &&
      sameArray(a.train.labels, b.train.labels) &&
      sameArray(a.test.images, b.test.images) &&
      sameArray(a.test.labels, b.test.labels) &&
      a.classNames.join('\n') === b.classNames.join('\n'))
  );
}

/** True when two corpora have the same vocabulary and token ids. */
export function sameCorpus(a: PtbCorpus, b: PtbCorpus): boolean {
  return (
    a === b ||
    (a.vocab.length === b.vocab.length &&
      a.vocab.every((word, i) => word === b.vocab[i]) &&
      sameArray(a.train, b.train) &&
      sameArray(a.valid, b.valid) &&
      (a.test === null || b.test === null
        ? a.test === b.test
        : sameArray(a.test, b.test)))
  );
}

function sameArray(
  a: Uint8Array | Int32Array,
  b: Uint8Array | Int32Array,
): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The object whose identity says "the same data": the images or the corpus. */
function sourceOf(data: SideRunTypes[SideKind]['data']): object {
  return 'corpus' in data ? data.corpus : data.data;
}

function megabytes(data: SideRunTypes[SideKind]['data']): string {
  const bytes =
    'corpus' in data
      ? data.corpus.train.byteLength +
        data.corpus.valid.byteLength +
        (data.corpus.test?.byteLength ?? 0)
      : data.data.train.images.byteLength + data.data.test.images.byteLength;
  return (bytes / 1e6).toFixed(1);
}

function newId(): string {
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}
