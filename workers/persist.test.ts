import { describe, expect, it } from 'vitest';
import type { RunCheckpoint } from '../src/core/search';
import type { Snapshot } from '../src/core/snapshot';
import type { CifarData } from '../src/data/types';
import type { DatasetSummary, SaveInfo } from './api';
import type { RunStorage, SavedDataset, SavedRun, SavedState } from './idb';
import {
  RunSaver,
  SAVE_INTERVAL_MS,
  savedRunOf,
  storageError,
} from './persist';

/** RunStorage in memory, failing writes with `failWith` while it is set. */
class MemoryStorage implements RunStorage {
  dataset: SavedDataset | null = null;
  run: SavedRun | null = null;
  snapshots = new Map<number, Snapshot>();
  log: string[] = [];
  failWith: Error | null = null;

  async read(): Promise<SavedState> {
    return {
      run: this.run,
      dataset: this.dataset,
      snapshots: [...this.snapshots.values()],
    };
  }
  async writeDataset(dataset: SavedDataset): Promise<void> {
    this.check();
    this.log.push('dataset');
    this.dataset = dataset;
  }
  async writeRun(run: SavedRun, snapshots: Snapshot[]): Promise<void> {
    this.check();
    this.log.push(`run@${run.checkpoint.step}`);
    this.run = run;
    for (const s of snapshots) this.snapshots.set(s.step, s);
  }
  async clearRun(): Promise<void> {
    this.log.push('clearRun');
    this.run = null;
    this.snapshots.clear();
  }
  async clearAll(): Promise<void> {
    this.log.push('clearAll');
    this.dataset = null;
    await this.clearRun();
  }
  private check(): void {
    if (this.failWith) throw this.failWith;
  }
}

const data = {
  train: { images: new Uint8Array(8), count: 4 },
  test: { images: new Uint8Array(0), count: 0 },
} as CifarData;
const summary = { name: 'x' } as DatasetSummary;

function snapshot(step: number): Snapshot {
  return { step } as Snapshot;
}

function taker(step: () => number) {
  return async () => ({
    checkpoint: { step: step() } as RunCheckpoint,
    totalSteps: 100,
  });
}

function setup() {
  const storage = new MemoryStorage();
  const saved: SaveInfo[] = [];
  const errors: { name: string; message: string }[] = [];
  let clock = 1_000_000;
  const saver = new RunSaver(
    storage,
    { onSaved: (i) => saved.push(i), onError: (e) => errors.push(e) },
    () => clock,
  );
  const advance = (ms: number) => (clock += ms);
  return { storage, saved, errors, saver, advance };
}

describe('RunSaver', () => {
  it('saves at the first snapshot, then at most once per interval', async () => {
    const { storage, saver, saved, advance } = setup();
    let step = 0;
    await saver.newRun(data, summary);

    for (step = 1; step <= 5; step++) {
      saver.snapshot(snapshot(step));
      await saver.save(
        'snapshot',
        taker(() => step),
      );
      advance(SAVE_INTERVAL_MS / 4);
    }

    expect(saved.map((s) => s.step)).toEqual([1, 5]);
    expect(storage.log).toEqual(['clearRun', 'dataset', 'run@1', 'run@5']);
    expect([...storage.snapshots.keys()]).toEqual([1, 2, 3, 4, 5]);
  });

  it('always saves on pause, stop and done', async () => {
    const { saver, saved } = setup();
    await saver.newRun(data, summary);
    await saver.save(
      'pause',
      taker(() => 3),
    );
    await saver.save(
      'stop',
      taker(() => 3),
    );
    await saver.save(
      'done',
      taker(() => 4),
    );

    expect(saved.map((s) => s.step)).toEqual([3, 3, 4]);
  });

  it('writes the dataset once for runs on the same data', async () => {
    const { storage, saver } = setup();
    await saver.newRun(data, summary);
    await saver.newRun(data, summary);

    expect(storage.log).toEqual(['clearRun', 'dataset', 'clearRun']);
  });

  it('never lets a replaced run write after the new run cleared the slot', async () => {
    const { storage, saver } = setup();
    await saver.newRun(data, summary);
    // The old run's checkpoint comes back after the new run started: dropped.
    const old = saver.save('pause', async () => null);
    const fresh = saver.newRun(data, summary);
    await Promise.all([old, fresh]);

    expect(storage.run).toBeNull();
  });

  it('reports a full disk once by name, keeps the history and retries later', async () => {
    const { storage, saver, errors, advance } = setup();
    await saver.newRun(data, summary);
    storage.failWith = new DOMException('full', 'QuotaExceededError');
    for (let step = 1; step <= 2; step++) {
      saver.snapshot(snapshot(step));
      await saver.save(
        'pause',
        taker(() => step),
      );
    }
    expect(errors.map((e) => e.name)).toEqual(['StorageFull']);
    expect(errors[0].message).toContain('the search goes on');

    storage.failWith = null;
    advance(SAVE_INTERVAL_MS);
    saver.snapshot(snapshot(3));
    await saver.save(
      'snapshot',
      taker(() => 3),
    );
    expect([...storage.snapshots.keys()]).toEqual([1, 2, 3]);
  });

  it('saves no run whose dataset could not be stored', async () => {
    const { storage, saver, errors } = setup();
    storage.failWith = new DOMException('full', 'QuotaExceededError');
    await saver.newRun(data, summary);
    storage.failWith = null;
    await saver.save(
      'pause',
      taker(() => 1),
    );

    expect(storage.run).toBeNull();
    expect(errors[0].message).toContain('the dataset');
  });

  it('stops saving after a discard until the next run', async () => {
    const { storage, saver } = setup();
    await saver.newRun(data, summary);
    await saver.save(
      'pause',
      taker(() => 1),
    );
    await saver.discard();
    await saver.save(
      'pause',
      taker(() => 2),
    );

    expect(storage.run).toBeNull();
    expect(storage.dataset).toBeNull();
  });
});

describe('savedRunOf', () => {
  const dataset = { id: 'a' } as SavedDataset;
  const run = { datasetId: 'a', checkpoint: { step: 3 } } as SavedRun;

  it('keeps the history up to the checkpoint, oldest first', () => {
    const state = savedRunOf({
      run,
      dataset,
      snapshots: [4, 2, 1, 3].map(snapshot),
    });
    expect(state.snapshots.map((s) => s.step)).toEqual([1, 2, 3]);
  });

  it('drops a run saved on another dataset', () => {
    const state = savedRunOf({
      run: { ...run, datasetId: 'b' },
      dataset,
      snapshots: [snapshot(1)],
    });
    expect(state.run).toBeNull();
    expect(state.snapshots).toEqual([]);
  });
});

describe('storageError', () => {
  it('names a quota fault StorageFull and says the search goes on', () => {
    const e = storageError(
      new DOMException('quota', 'QuotaExceededError'),
      'the run',
    );
    expect(e.name).toBe('StorageFull');
    expect(e.message).toMatch(/^Saving the run: .*storage .* full/);
  });

  it('keeps the underlying kind in the message of other faults', () => {
    const e = storageError(new DOMException('boom', 'UnknownError'), 'x');
    expect(e).toEqual({
      name: 'SaveFailed',
      message: expect.stringContaining('UnknownError: boom'),
    });
  });
});
