/**
 * The search worker: picks the TF.js backend, holds the loaded data and the
 * one live SearchRun (and so every tensor), and runs search steps in a loop
 * that returns to the event loop between steps, so pause, stop and new
 * files are handled while a run is live. The page talks to it only through
 * SearchWorkerApi (comlink).
 */
import * as Comlink from 'comlink';
import type { SearchConfig } from '../src/core/config';
import type { Genotype } from '../src/core/genotype';
import type { RetrainConfig } from '../src/core/retrainConfig';
import { SearchRun } from '../src/core/search';
import type {
  BackendInfo,
  Classification,
  PtbSummary,
  DatasetSummary,
  LoadedModelInfo,
  ModelFilesOut,
  RestoredRun,
  RestoredSideRuns,
  RetrainInfo,
  RunState,
  SearchEvents,
  SearchWorkerApi,
} from './api';
import { chooseBackend } from './backend';
import { Datasets, namedError } from './datasets';
import {
  IdbRunStorage,
  IdbSideRunStorage,
  type SideKind,
  type SideRunTypes,
} from './idb';
import { classifyImage, loadModelFiles, type Classifier } from './models';
import { RunSaver, type SaveReason } from './persist';
import { PtbData } from './ptbData';
import { Retrainer } from './retrainer';
import { RunController } from './runController';
import { restoreSideRuns } from './sideRestore';
import { SideRunSaver, type SideSaveReason } from './sideRuns';
import type { RnnSearchConfig } from '../src/core/rnnConfig';
import { deriveRnnGenotype, type RnnGenotype } from '../src/core/rnnGenotype';
import { toRnnGenotypeJson } from '../src/core/rnnGenotypeJson';
import { RnnRetrainRun, type RnnRetrainConfig } from '../src/core/rnnRetrain';
import { RnnSearchRun } from '../src/core/rnnSearch';

class SearchWorker implements SearchWorkerApi {
  private events: SearchEvents | null = null;
  private backend: Promise<BackendInfo> | null = null;
  private datasets = new Datasets();
  private run: SearchRun | null = null;
  private config: SearchConfig | null = null;
  private state: RunState = 'idle';
  /** The step loop while it runs; awaited by pause and stop. */
  private loop: Promise<void> = Promise.resolve();
  /** Serialises everything that touches the run's tensors. */
  private lock: Promise<unknown> = Promise.resolve();
  private lastSnapshotStep = -1;
  /** Bumped whenever a loop must end, so a loop that outlives its pause never continues. */
  private generation = 0;
  private saver = new RunSaver(new IdbRunStorage(), {
    onSaved: (info) => this.notify((events) => events.onSaved(info)),
    onError: (error) => this.notify((events) => events.onError(error)),
  });

  /** Saves the retrain and the recurrent runs (see sideRuns.ts). */
  private side = new SideRunSaver(new IdbSideRunStorage(), {
    onError: (error) => this.notify((events) => events.onError(error)),
  });

  private retrainer = new Retrainer({
    exclusive: (task) => this.exclusive(task),
    onSnapshot: async (run) => {
      const snapshot = await this.exclusive(() => run.snapshot());
      this.notify((events) => events.onRetrainSnapshot(snapshot));
      // The snapshot's tests are the run's own array, which grows: keep this step's.
      this.side.snapshot('retrain', {
        ...snapshot,
        tests: snapshot.tests.slice(),
      });
      void this.persistSide(
        'retrain',
        run,
        'snapshot',
        this.retrainer.runState,
      );
    },
    onState: (state) => this.notify((events) => events.onRetrainState(state)),
    onError: (error) => this.reportError(error),
    persist: (run, reason, state) =>
      this.persistSide('retrain', run, reason, state),
  });
  private ptb = new PtbData();
  private rnn = new RunController<RnnSearchRun>({
    label: 'Recurrent search',
    exclusive: (task) => this.exclusive(task),
    afterStep: async (run) => {
      if (!run.epochEnded) return;
      await this.exclusive(() => run.validate());
      await this.rnn.snapshot(run);
      void this.persistSide('rnnSearch', run, 'epoch', this.rnn.state);
    },
    snapshot: async (run) => {
      const snapshot = await this.exclusive(() => run.snapshot());
      this.notify((events) => events.onRnnSnapshot(snapshot));
      this.side.snapshot('rnnSearch', snapshot);
      void this.persistSide('rnnSearch', run, 'snapshot', this.rnn.state);
    },
    onState: (state) => this.notify((events) => events.onRnnState(state)),
    onError: (error) => this.reportError(error),
    snapshotEvery: (run) => run.config.snapshotEvery,
    persist: (run, reason, state) =>
      this.persistSide('rnnSearch', run, reason, state),
  });
  private rnnRetrain = new RunController<RnnRetrainRun>({
    label: 'Recurrent retrain',
    exclusive: (task) => this.exclusive(task),
    afterStep: async (run) => {
      const epochEnded = run.epochEnded;
      if (epochEnded) await this.exclusive(() => run.endEpoch());
      if (run.done && run.testPpl === null) {
        await this.exclusive(() => run.runTest());
      }
      if (!epochEnded) return;
      await this.rnnRetrain.snapshot(run);
      void this.persistSide('rnnRetrain', run, 'epoch', this.rnnRetrain.state);
    },
    snapshot: async (run) => {
      const snapshot = await this.exclusive(() => run.snapshot());
      this.notify((events) => events.onRnnRetrainSnapshot(snapshot));
      this.side.snapshot('rnnRetrain', snapshot);
      void this.persistSide(
        'rnnRetrain',
        run,
        'snapshot',
        this.rnnRetrain.state,
      );
    },
    onState: (state) =>
      this.notify((events) => events.onRnnRetrainState(state)),
    onError: (error) => this.reportError(error),
    snapshotEvery: (run) => run.config.snapshotEvery,
    persist: (run, reason, state) =>
      this.persistSide('rnnRetrain', run, reason, state),
  });
  /** A model loaded from its files; classify() prefers it to the live retrain. */
  private loaded: Classifier | null = null;

  init(events: SearchEvents): Promise<BackendInfo> {
    this.events = events;
    this.backend ??= chooseBackend();
    return this.backend;
  }

  loadFiles(files: File[]): Promise<DatasetSummary> {
    return this.datasets.addFiles(files, this.progress);
  }

  loadDemo(url: string): Promise<DatasetSummary> {
    return this.datasets.loadDemo(url, this.progress);
  }

  async start(config: SearchConfig): Promise<void> {
    if (!this.backend) {
      throw namedError('NotReady', 'search worker: start() came before init()');
    }
    const backend = await this.backend;
    const data = this.datasets.data;
    if (!data) {
      throw namedError(
        'NoData',
        'Start: no training images are loaded; drop CIFAR-10 files or press "Try the demo data"',
      );
    }

    await this.halt('stopped');
    const previous = this.run;
    this.run = null;
    await this.exclusive(async () => previous?.dispose());

    // Data loaded after this point is kept for the next run; this one keeps `data`.
    const run = SearchRun.create(config, data, {
      backend: backend.name,
      dataset: this.datasets.name,
      source: this.datasets.source,
    });
    this.run = run;
    this.config = config;
    this.lastSnapshotStep = run.step;
    // Not awaited: writing a large dataset must not delay the first steps.
    void this.saver.newRun(data, this.datasets.current());
    this.setState('running');
    this.loop = this.runLoop(run, this.generation);
  }

  async pause(): Promise<void> {
    if (this.state !== 'running') return;
    await this.halt('paused');
    await this.save('pause');
  }

  async resume(): Promise<void> {
    const run = this.run;
    if (this.state !== 'paused' || !run || run.done) return;
    await this.loop;
    this.setState('running');
    this.loop = this.runLoop(run, this.generation);
  }

  async step(): Promise<void> {
    const run = this.run;
    if (this.state !== 'paused' || !run) {
      throw namedError(
        'NotPaused',
        'Step: pause the search first; Step runs one step while paused',
      );
    }
    if (run.done) return;
    await this.exclusive(() => run.runStep());
    await this.emitSnapshot(run);
    if (run.done) this.setState('done');
    await this.save('step');
  }

  async stop(): Promise<void> {
    if (this.state !== 'running' && this.state !== 'paused') return;
    await this.halt('stopped');
    await this.save('stop');
  }

  async restoreSaved(): Promise<RestoredRun | null> {
    if (!this.backend) {
      throw namedError(
        'NotReady',
        'search worker: restoreSaved() came before init()',
      );
    }
    const backend = await this.backend;
    const saved = await this.saver.load();
    // Data dropped or a run started while storage was read wins over the saved run.
    if (!saved.run || !saved.dataset || this.run || this.datasets.data) {
      return null;
    }
    const { run: record, dataset, snapshots } = saved;
    const cp = record.checkpoint;
    let run: SearchRun;
    try {
      run = await this.exclusive(async () =>
        SearchRun.restore(
          { ...cp, meta: { ...cp.meta, backend: backend.name } },
          dataset.data,
        ),
      );
    } catch (error) {
      await this.saver.discard();
      const why = error instanceof Error ? error.message : String(error);
      throw namedError(
        'RestoreFailed',
        `Restoring the saved run failed (${why}); it was discarded. ` +
          'Load data and press Start for a new run',
      );
    }

    this.datasets.adopt(dataset.data, dataset.summary);
    this.saver.adopt(dataset);
    this.run = run;
    this.config = cp.config;
    this.lastSnapshotStep = run.step;
    this.setState(run.done ? 'done' : 'paused');
    return {
      // As the worker now holds it: one line per file, ready for later drops.
      dataset: this.datasets.current(),
      config: cp.config,
      snapshots,
      state: this.state,
      step: cp.step,
      totalSteps: record.totalSteps,
      savedAt: record.savedAt,
      savedOn: cp.meta.backend,
    };
  }

  async discardSaved(): Promise<void> {
    await this.halt('idle');
    const run = this.run;
    this.run = null;
    await this.exclusive(async () => run?.dispose());
    await this.saver.discard();
    this.setState('idle');
  }

  async restoreSideRuns(): Promise<RestoredSideRuns> {
    if (!this.backend) {
      throw namedError(
        'NotReady',
        'search worker: restoreSideRuns() came before init()',
      );
    }
    const backend = await this.backend;
    return restoreSideRuns({
      exclusive: (task) => this.exclusive(task),
      backend: backend.name,
      datasets: this.datasets,
      ptb: this.ptb,
      retrainer: this.retrainer,
      rnn: this.rnn,
      rnnRetrain: this.rnnRetrain,
      saver: this.side,
      onError: (error) => this.notify((events) => events.onError(error)),
    });
  }

  async saveNow(): Promise<void> {
    const saves = [this.save('hidden')];
    const { retrainer, rnn, rnnRetrain } = this;
    // Paused and finished runs were saved when they stopped moving.
    if (retrainer.run && retrainer.runState === 'running') {
      saves.push(
        this.persistSide('retrain', retrainer.run, 'hidden', 'running'),
      );
    }
    if (rnn.run && rnn.state === 'running') {
      saves.push(this.persistSide('rnnSearch', rnn.run, 'hidden', 'running'));
    }
    if (rnnRetrain.run && rnnRetrain.state === 'running') {
      saves.push(
        this.persistSide('rnnRetrain', rnnRetrain.run, 'hidden', 'running'),
      );
    }
    await Promise.all(saves);
  }

  async exportGenotype(): Promise<string> {
    const run = this.run;
    if (!run) {
      throw namedError(
        'NoRun',
        'Download: start a search first; the genotype comes from its alphas',
      );
    }
    return this.exclusive(() => run.exportGenotype());
  }

  async retrainStart(
    config: RetrainConfig,
    genotype: Genotype,
    source: string,
  ): Promise<RetrainInfo> {
    if (!this.backend) {
      throw namedError('NotReady', 'worker: retrainStart() came before init()');
    }
    const backend = await this.backend;
    const data = this.datasets.data;
    if (!data) {
      throw namedError(
        'NoData',
        'Retrain: no training images are loaded; drop CIFAR-10 files ' +
          '(with test_batch.bin for the test) or press "Try the demo data"',
      );
    }
    const summary = this.datasets.current();
    return this.retrainer.start(
      config,
      genotype,
      data,
      {
        backend: backend.name,
        dataset: `${this.datasets.name} · genotype from ${source}`,
        source: this.datasets.source,
      },
      // Not awaited: writing a large dataset must not delay the first steps.
      () => void this.side.newRun('retrain', { data, summary }, source),
    );
  }

  retrainPause(): Promise<void> {
    return this.retrainer.pause();
  }

  retrainResume(): Promise<void> {
    return this.retrainer.resume();
  }

  retrainStep(): Promise<void> {
    return this.retrainer.step();
  }

  retrainStop(): Promise<void> {
    return this.retrainer.stop();
  }

  retrainTest(): Promise<void> {
    return this.retrainer.test();
  }

  async exportModel(): Promise<ModelFilesOut> {
    const files = await this.retrainer.exportModel();
    return Comlink.transfer(files, [files.weightsBin]);
  }

  async loadModel(files: File[]): Promise<LoadedModelInfo> {
    if (!this.backend) {
      throw namedError('NotReady', 'worker: loadModel() came before init()');
    }
    await this.backend;
    const { classifier, info } = await this.exclusive(() =>
      loadModelFiles(files),
    );
    const previous = this.loaded;
    this.loaded = classifier;
    await this.exclusive(async () => previous?.net.dispose());
    return info;
  }

  async classify(image: File): Promise<Classification> {
    const run = this.retrainer.run;
    const classifier =
      this.loaded ?? (run ? { net: run.net, meta: run.modelMeta() } : null);
    if (!classifier) {
      throw namedError(
        'NoModel',
        'Classify: load a model (its model.json and weights.bin) or ' +
          'retrain a genotype first',
      );
    }
    const result = await this.exclusive(() => classifyImage(classifier, image));
    return Comlink.transfer(result, [
      result.probabilities.buffer,
      result.rgba.buffer,
    ]);
  }

  loadPtb(files: File[]): Promise<PtbSummary> {
    return this.ptb.addFiles(files);
  }

  loadPtbDemo(baseUrl: string): Promise<PtbSummary> {
    return this.ptb.loadDemo(baseUrl);
  }

  private requireCorpus(action: string) {
    const corpus = this.ptb.corpus;
    if (!corpus) {
      throw namedError(
        'NoData',
        `${action}: no Penn Treebank text is loaded; drop ptb.train.txt ` +
          'and ptb.valid.txt or press "Try the demo corpus"',
      );
    }
    return corpus;
  }

  async rnnStart(config: RnnSearchConfig): Promise<{ params: number }> {
    await this.backend;
    const corpus = this.requireCorpus('Recurrent search');
    const summary = this.ptb.current();
    const run = await this.rnn.start(
      () => RnnSearchRun.create(config, corpus),
      () => void this.side.newRun('rnnSearch', { corpus, summary }, ''),
    );
    return { params: run.model.paramCount };
  }

  rnnPause(): Promise<void> {
    return this.rnn.pause();
  }

  rnnResume(): Promise<void> {
    return this.rnn.resume();
  }

  rnnStep(): Promise<void> {
    return this.rnn.stepOnce();
  }

  rnnStop(): Promise<void> {
    return this.rnn.stop();
  }

  async rnnExportGenotype(): Promise<string> {
    const run = this.rnn.require('Download');
    const backend = await this.backend;
    const corpus = this.ptb.corpus!;
    return this.exclusive(async () => {
      const weights = await run.opWeights();
      const rows: number[][] = [];
      for (let e = 0; e < 36; e++) {
        rows.push(Array.from(weights.subarray(e * 5, e * 5 + 5)));
      }
      return toRnnGenotypeJson(deriveRnnGenotype(weights), {
        config: run.config,
        seed: run.config.seed,
        backend: backend?.name ?? 'unknown',
        dataset: {
          name: this.ptb.name,
          trainTokens: corpus.train.length,
          vocabulary: corpus.vocab.length,
        },
        epoch: run.epoch,
        step: run.step,
        createdAt: new Date().toISOString(),
        opWeights: rows,
      });
    });
  }

  async rnnRetrainStart(
    config: RnnRetrainConfig,
    genotype: RnnGenotype,
    name: string,
  ): Promise<{ params: number }> {
    await this.backend;
    const corpus = this.requireCorpus('Recurrent retrain');
    const summary = this.ptb.current();
    const run = await this.rnnRetrain.start(
      () => new RnnRetrainRun(config, genotype, corpus),
      () => void this.side.newRun('rnnRetrain', { corpus, summary }, name),
    );
    return { params: run.model.paramCount };
  }

  rnnRetrainPause(): Promise<void> {
    return this.rnnRetrain.pause();
  }

  rnnRetrainResume(): Promise<void> {
    return this.rnnRetrain.resume();
  }

  rnnRetrainStop(): Promise<void> {
    return this.rnnRetrain.stop();
  }

  /** Runs steps until the state leaves 'running' or the run is done. */
  private async runLoop(run: SearchRun, generation: number): Promise<void> {
    const every = Math.max(1, Math.floor(this.config?.snapshotEvery ?? 1));
    const live = () =>
      this.state === 'running' &&
      this.run === run &&
      this.generation === generation;
    try {
      while (live() && !run.done) {
        await this.exclusive(() => run.runStep());
        if (run.step % every === 0 || run.done) await this.emitSnapshot(run);
        // A macrotask boundary: pause/stop/loadFiles messages get their turn here.
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
      if (live() && run.done) {
        this.setState('done');
        await this.save('done');
      }
    } catch (error) {
      this.reportError(error);
      if (this.run === run) this.setState('stopped');
    }
  }

  /**
   * Leaves 'running' for `next`: the loop stops after the step in flight,
   * whose snapshot is sent before the new state, so the page never shows
   * 'paused' and then sees the step counter move.
   */
  private async halt(next: RunState): Promise<void> {
    const wasLive = this.state === 'running' || this.state === 'paused';
    this.generation++;
    if (wasLive) this.state = next;
    await this.loop;
    if (!wasLive) return;
    if (this.run) await this.emitSnapshot(this.run);
    this.setState(next);
  }

  private async emitSnapshot(run: SearchRun): Promise<void> {
    if (run.step === this.lastSnapshotStep) return;
    this.lastSnapshotStep = run.step;
    const snapshot = await this.exclusive(() => run.snapshot());
    this.notify((events) => events.onSnapshot(snapshot));
    this.saver.snapshot(snapshot);
    // Not awaited: the write runs beside the next steps.
    void this.save('snapshot');
  }

  /** Saves the current run's checkpoint (see persist.ts for when it is written). */
  private save(reason: SaveReason): Promise<void> {
    const run = this.run;
    if (!run) return Promise.resolve();
    return this.saver.save(reason, async () => {
      if (this.run !== run) return null;
      const checkpoint = await this.exclusive(() => run.checkpoint());
      // Replaced while the weights were read: the new run owns the slot.
      return this.run === run
        ? { checkpoint, totalSteps: run.totalSteps }
        : null;
    });
  }

  /** Saves a side run's checkpoint in `state` (see sideRuns.ts for when it is written). */
  private persistSide<K extends SideKind>(
    kind: K,
    run: { checkpoint(): Promise<SideRunTypes[K]['checkpoint']> },
    reason: SideSaveReason,
    state: RunState,
  ): Promise<void> {
    const live = () => this.sideRun(kind) === run;
    return this.side.save(kind, reason, async () => {
      if (!live()) return null;
      const checkpoint = await this.exclusive(() => run.checkpoint());
      // Replaced while the weights were read: the new run owns the slot.
      return live() ? { checkpoint, state } : null;
    });
  }

  private sideRun(kind: SideKind): object | null {
    if (kind === 'retrain') return this.retrainer.run;
    return kind === 'rnnSearch' ? this.rnn.run : this.rnnRetrain.run;
  }

  private setState(state: RunState): void {
    this.state = state;
    this.notify((events) => events.onState(state));
  }

  private reportError(error: unknown): void {
    const name =
      error instanceof Error && error.name !== 'Error'
        ? error.name
        : 'SearchError';
    const message = error instanceof Error ? error.message : String(error);
    this.notify((events) => events.onError({ name, message }));
  }

  private progress = (file: string, fraction: number): void => {
    this.notify((events) => events.onLoadProgress(file, fraction));
  };

  /** Calls the page; across comlink that is a promise, whose failure must not end the search. */
  private notify(call: (events: SearchEvents) => unknown): void {
    if (!this.events) return;
    Promise.resolve(call(this.events)).catch((error: unknown) => {
      console.warn('[search worker] the page did not take an event:', error);
    });
  }

  /** Runs `task` after every task queued before it, so tensor work never interleaves. */
  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const result = this.lock.then(task);
    this.lock = result.catch(() => undefined);
    return result;
  }
}

Comlink.expose(new SearchWorker());
