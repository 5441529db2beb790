import { describe, expect, it } from 'vitest';
import type { RetrainSnapshot } from '../src/core/retrain';
import type { PtbCorpus } from '../src/data/ptb';
import type { CifarData } from '../src/data/types';
import type { DatasetSummary, PtbSummary, RunState } from './api';
import type {
  SavedSide,
  SavedSideData,
  SavedSideRun,
  SideKind,
  SideRunStorage,
  SideRunTypes,
} from './idb';
import { SAVE_INTERVAL_MS } from './persist';
import { RunController, type SteppedRun } from './runController';
import {
  sameCifar,
  sameCorpus,
  savedSideOf,
  SideRunSaver,
  type SideSaveReason,
  type TakeSideCheckpoint,
} from './sideRuns';

type AnySnapshot = SideRunTypes[SideKind]['snapshot'];

/** SideRunStorage in memory, failing writes with `failWith` while it is set. */
class MemoryStorage implements SideRunStorage {
  runs = new Map<SideKind, SavedSideRun>();
  data = new Map<SideKind, SavedSideData>();
  snapshots = new Map<SideKind, Map<number, AnySnapshot>>();
  log: string[] = [];
  failWith: Error | null = null;

  async read<K extends SideKind>(kind: K): Promise<SavedSide<K>> {
    return {
      run: (this.runs.get(kind) as SavedSideRun<K>) ?? null,
      data: (this.data.get(kind) as SavedSideData<K>) ?? null,
      snapshots: [...this.history(kind).values()] as SavedSide<K>['snapshots'],
    };
  }
  async writeData<K extends SideKind>(data: SavedSideData<K>): Promise<void> {
    this.check();
    this.log.push(`${data.kind}:data`);
    this.data.set(data.kind, data as SavedSideData);
  }
  async writeRun<K extends SideKind>(
    run: SavedSideRun<K>,
    snapshots: SideRunTypes[K]['snapshot'][],
  ): Promise<void> {
    this.check();
    this.log.push(`${run.kind}:run@${run.checkpoint.step}:${run.state}`);
    this.runs.set(run.kind, run as SavedSideRun);
    for (const s of snapshots) this.history(run.kind).set(s.step, s);
  }
  async clearRun(kind: SideKind): Promise<void> {
    this.log.push(`${kind}:clearRun`);
    this.runs.delete(kind);
    this.snapshots.delete(kind);
  }
  async clearAll(kind: SideKind): Promise<void> {
    this.log.push(`${kind}:clearAll`);
    this.data.delete(kind);
    await this.clearRun(kind);
  }
  history(kind: SideKind): Map<number, AnySnapshot> {
    let map = this.snapshots.get(kind);
    if (!map) this.snapshots.set(kind, (map = new Map()));
    return map;
  }
  private check(): void {
    if (this.failWith) throw this.failWith;
  }
}

const cifar = {
  data: {
    train: { images: new Uint8Array(8), labels: new Uint8Array(2), count: 2 },
    test: { images: new Uint8Array(0), labels: new Uint8Array(0), count: 0 },
    classNames: ['a', 'b'],
  } as CifarData,
  summary: { name: 'x' } as DatasetSummary,
};

function corpusOf(train: number[]): PtbCorpus {
  return {
    vocab: ['a', 'b', '<eos>'],
    train: Int32Array.from(train),
    valid: Int32Array.from([0, 2]),
    test: null,
  };
}

const ptb = {
  corpus: corpusOf([0, 1, 2]),
  summary: { name: 'p' } as PtbSummary,
};

function snapshot(step: number): RetrainSnapshot {
  return { step, tests: [] } as unknown as RetrainSnapshot;
}

function taker<K extends SideKind>(
  step: () => number,
  state: RunState = 'running',
): TakeSideCheckpoint<K> {
  return async () => ({
    checkpoint: { step: step() } as SideRunTypes[K]['checkpoint'],
    state,
  });
}

function setup() {
  const storage = new MemoryStorage();
  const errors: { name: string; message: string }[] = [];
  let clock = 1_000_000;
  const saver = new SideRunSaver(
    storage,
    { onError: (e) => errors.push(e) },
    () => clock,
  );
  const advance = (ms: number) => (clock += ms);
  return { storage, errors, saver, advance };
}

describe('SideRunSaver', () => {
  it('saves at the first snapshot, then at most once per interval', async () => {
    const { storage, saver, advance } = setup();
    await saver.newRun('retrain', cifar, 'DARTS_V2');

    for (let step = 1; step <= 5; step++) {
      saver.snapshot('retrain', snapshot(step));
      await saver.save(
        'retrain',
        'snapshot',
        taker(() => step),
      );
      advance(SAVE_INTERVAL_MS / 4);
    }

    expect(storage.log).toEqual([
      'retrain:clearRun',
      'retrain:data',
      'retrain:run@1:running',
      'retrain:run@5:running',
    ]);
    expect([...storage.history('retrain').keys()]).toEqual([1, 2, 3, 4, 5]);
    expect(storage.runs.get('retrain')?.label).toBe('DARTS_V2');
  });

  it('always saves on epoch end, pause, stop and done, with the state', async () => {
    const { storage, saver } = setup();
    await saver.newRun('rnnSearch', ptb, '');
    const reasons: [SideSaveReason, RunState][] = [
      ['epoch', 'running'],
      ['pause', 'paused'],
      ['stop', 'stopped'],
      ['done', 'done'],
    ];
    for (const [reason, state] of reasons) {
      await saver.save(
        'rnnSearch',
        reason,
        taker(() => 3, state),
      );
    }

    expect(storage.log.slice(2)).toEqual([
      'rnnSearch:run@3:running',
      'rnnSearch:run@3:paused',
      'rnnSearch:run@3:stopped',
      'rnnSearch:run@3:done',
    ]);
  });

  it('keeps each kind apart: its own interval, record and history', async () => {
    const { storage, saver } = setup();
    await saver.newRun('rnnSearch', ptb, '');
    await saver.newRun('rnnRetrain', ptb, 'DARTS_V2');
    saver.snapshot('rnnSearch', snapshot(1) as never);
    await saver.save(
      'rnnSearch',
      'snapshot',
      taker(() => 1),
    );
    await saver.save(
      'rnnRetrain',
      'snapshot',
      taker(() => 7),
    );

    expect(storage.runs.get('rnnSearch')?.checkpoint.step).toBe(1);
    expect(storage.runs.get('rnnRetrain')?.checkpoint.step).toBe(7);
    expect(storage.history('rnnRetrain').size).toBe(0);
  });

  it('writes the data once for runs on the same data, again for new data', async () => {
    const { storage, saver } = setup();
    await saver.newRun('rnnSearch', ptb, '');
    await saver.newRun('rnnSearch', ptb, '');
    const other = { ...ptb, corpus: corpusOf([1, 1, 2]) };
    await saver.newRun('rnnSearch', other, '');

    expect(storage.log).toEqual([
      'rnnSearch:clearRun',
      'rnnSearch:data',
      'rnnSearch:clearRun',
      'rnnSearch:clearRun',
      'rnnSearch:data',
    ]);
    expect(storage.data.get('rnnSearch')?.data).toBe(other);
  });

  it('never lets a replaced run write after the new run cleared the slot', async () => {
    const { storage, saver } = setup();
    await saver.newRun('retrain', cifar, 'a');
    const old = saver.save('retrain', 'pause', async () => null);
    const fresh = saver.newRun('retrain', cifar, 'b');
    await Promise.all([old, fresh]);

    expect(storage.runs.get('retrain')).toBeUndefined();
  });

  it('drops a save asked for on data a new run has replaced', async () => {
    const { storage, saver } = setup();
    await saver.newRun('retrain', cifar, 'a');
    const old = saver.save(
      'retrain',
      'pause',
      taker(() => 9),
    );
    const other = { ...cifar, data: { ...cifar.data } };
    const fresh = saver.newRun('retrain', other, 'b');
    await Promise.all([old, fresh]);

    expect(storage.runs.get('retrain')).toBeUndefined();
  });

  it('reports a full disk once, naming the run that goes on, and keeps its history', async () => {
    const { storage, saver, errors, advance } = setup();
    await saver.newRun('retrain', cifar, 'a');
    storage.failWith = new DOMException('full', 'QuotaExceededError');
    for (let step = 1; step <= 2; step++) {
      saver.snapshot('retrain', snapshot(step));
      await saver.save(
        'retrain',
        'pause',
        taker(() => step),
      );
    }
    expect(errors.map((e) => e.name)).toEqual(['StorageFull']);
    expect(errors[0].message).toMatch(/^Saving the retrain: /);
    expect(errors[0].message).toContain('the retrain goes on');
    expect(errors[0].message).not.toContain('search');

    storage.failWith = null;
    advance(SAVE_INTERVAL_MS);
    saver.snapshot('retrain', snapshot(3));
    await saver.save(
      'retrain',
      'snapshot',
      taker(() => 3),
    );
    expect([...storage.history('retrain').keys()]).toEqual([1, 2, 3]);
  });

  it('saves no run whose data could not be stored', async () => {
    const { storage, saver, errors } = setup();
    storage.failWith = new DOMException('full', 'QuotaExceededError');
    await saver.newRun('rnnRetrain', ptb, 'x');
    storage.failWith = null;
    await saver.save(
      'rnnRetrain',
      'pause',
      taker(() => 1),
    );

    expect(storage.runs.get('rnnRetrain')).toBeUndefined();
    expect(errors[0].message).toContain("the recurrent retrain's data");
  });

  it('reads back only a run with its own data, and continues it after adopt', async () => {
    const { storage, saver } = setup();
    await saver.newRun('retrain', cifar, 'DARTS_V2');
    for (const step of [1, 2, 3]) saver.snapshot('retrain', snapshot(step));
    await saver.save(
      'retrain',
      'pause',
      taker(() => 2, 'paused'),
    );

    const restarted = new SideRunSaver(storage, { onError: () => undefined });
    const saved = await restarted.load('retrain');
    expect(saved.run?.state).toBe('paused');
    expect(saved.snapshots.map((s) => s.step)).toEqual([1, 2]);

    restarted.adopt('retrain', saved.data!.id, cifar.data, saved.run!.label);
    await restarted.save(
      'retrain',
      'pause',
      taker(() => 4, 'paused'),
    );
    expect(storage.log.filter((l) => l.endsWith('data'))).toHaveLength(1);
    expect(storage.runs.get('retrain')?.checkpoint.step).toBe(4);
    expect(storage.runs.get('retrain')?.label).toBe('DARTS_V2');
  });

  it('discards one kind, data included, and saves it no more', async () => {
    const { storage, saver } = setup();
    await saver.newRun('rnnSearch', ptb, '');
    await saver.newRun('retrain', cifar, 'a');
    await saver.discard('rnnSearch');
    await saver.save(
      'rnnSearch',
      'pause',
      taker(() => 2),
    );

    expect(storage.data.has('rnnSearch')).toBe(false);
    expect(storage.runs.has('rnnSearch')).toBe(false);
    expect(storage.data.has('retrain')).toBe(true);
  });
});

describe('savedSideOf', () => {
  const data = { kind: 'retrain', id: 'a' } as SavedSideData<'retrain'>;
  const run = {
    kind: 'retrain',
    dataId: 'a',
    checkpoint: { step: 3 },
  } as SavedSideRun<'retrain'>;

  it('keeps the history up to the checkpoint, oldest first', () => {
    const saved = savedSideOf({
      run,
      data,
      snapshots: [4, 2, 1, 3].map(snapshot),
    });
    expect(saved.snapshots.map((s) => s.step)).toEqual([1, 2, 3]);
  });

  it('drops a run saved on other data', () => {
    const saved = savedSideOf({
      run: { ...run, dataId: 'b' },
      data,
      snapshots: [snapshot(1)],
    });
    expect(saved.run).toBeNull();
    expect(saved.snapshots).toEqual([]);
  });
});

describe('sameCifar and sameCorpus', () => {
  it('compare contents, not identity', () => {
    const copy = structuredClone(cifar.data);
    expect(sameCifar(cifar.data, copy)).toBe(true);
    copy.train.images[3] = 1;
    expect(sameCifar(cifar.data, copy)).toBe(false);

    expect(sameCorpus(corpusOf([0, 1]), corpusOf([0, 1]))).toBe(true);
    expect(sameCorpus(corpusOf([0, 1]), corpusOf([1, 0]))).toBe(false);
    expect(
      sameCorpus(corpusOf([0]), { ...corpusOf([0]), test: Int32Array.of(1) }),
    ).toBe(false);
  });
});

/** A run whose steps take no time; done after `steps`. */
class FakeRun implements SteppedRun {
  step = 0;
  constructor(private readonly steps: number) {}
  get done(): boolean {
    return this.step >= this.steps;
  }
  runStep(): void {
    this.step++;
  }
  dispose(): void {}
}

describe('RunController and saving', () => {
  function controller() {
    const log: string[] = [];
    const control = new RunController<FakeRun>({
      label: 'Fake run',
      exclusive: (task) => task(),
      afterStep: async () => undefined,
      snapshot: async (run) => void log.push(`snapshot@${run.step}`),
      onState: (state) => log.push(`state:${state}`),
      onError: (error) => log.push(`error:${String(error)}`),
      snapshotEvery: () => 1000,
      persist: async (run, reason, state) => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        log.push(`save:${reason}:${state}@${run.step}`);
      },
    });
    return { control, log };
  }

  it('saves before it announces a pause, a stop or the end', async () => {
    const { control, log } = controller();
    const run = await control.start(() => new FakeRun(1_000_000));
    await new Promise((resolve) => setTimeout(resolve, 20));
    await control.pause();
    const paused = log.slice(log.indexOf('state:running') + 1);
    expect(paused.map((l) => l.replace(/@\d+/, ''))).toEqual([
      'snapshot',
      'save:pause:paused',
      'state:paused',
    ]);

    log.length = 0;
    await control.stop();
    expect(log.map((l) => l.replace(/@\d+/, ''))).toEqual([
      'save:stop:stopped',
      'state:stopped',
    ]);
    run.dispose();

    const short = controller();
    await short.control.start(() => new FakeRun(3));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(short.log.slice(-3)).toEqual([
      'snapshot@3',
      'save:done:done@3',
      'state:done',
    ]);
  });

  it('takes a restored run paused, and Resume continues it', async () => {
    const { control, log } = controller();
    const run = new FakeRun(5);
    run.step = 2;
    control.adoptRestored(run);
    expect(control.state).toBe('paused');

    await control.resume();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(run.step).toBe(5);
    expect(log.at(-1)).toBe('state:done');
  });
});
