/**
 * The retrain half of the worker: one RetrainRun at a time, stepped in a
 * loop that yields to the event loop between steps and tests on the test
 * batch after every epoch. It shares the worker's tensor lock with the
 * search, so the two never interleave inside a step.
 */
import type { Genotype } from '../src/core/genotype';
import { encodeModelFiles } from '../src/core/modelFiles';
import { RetrainRun } from '../src/core/retrain';
import type { RetrainConfig } from '../src/core/retrainConfig';
import type { CifarData } from '../src/data/types';
import type { ModelFilesOut, RetrainInfo, RunState } from './api';
import { namedError } from './datasets';
import type { SideSaveReason } from './sideRuns';

export interface RetrainerHost {
  /** Runs `task` when no other tensor work is in flight. */
  exclusive<T>(task: () => Promise<T>): Promise<T>;
  onSnapshot(run: RetrainRun): Promise<void>;
  onState(state: RunState): void;
  onError(error: unknown): void;
  /** Saves the run in `state`; awaited before pause, stop and done are announced. */
  persist(
    run: RetrainRun,
    reason: SideSaveReason,
    state: RunState,
  ): Promise<void>;
}

export class Retrainer {
  run: RetrainRun | null = null;
  private state: RunState = 'idle';
  private loop: Promise<void> = Promise.resolve();
  private generation = 0;
  private lastSnapshotStep = -1;

  constructor(private readonly host: RetrainerHost) {}

  /**
   * Ends any earlier retrain, builds the network of `genotype` and trains
   * it; `begin` sees the run before its first step.
   */
  async start(
    config: RetrainConfig,
    genotype: Genotype,
    data: CifarData,
    meta: { backend: string; dataset: string; source: 'files' | 'demo' },
    begin?: (run: RetrainRun) => void,
  ): Promise<RetrainInfo> {
    await this.halt('stopped');
    const previous = this.run;
    this.run = null;
    await this.host.exclusive(async () => previous?.dispose());

    const run = await this.host.exclusive(async () =>
      RetrainRun.create(config, genotype, data, meta),
    );
    this.run = run;
    this.lastSnapshotStep = 0;
    begin?.(run);
    this.setState('running');
    this.loop = this.runLoop(run, this.generation);
    return retrainInfo(run);
  }

  /** Takes a run rebuilt from a save: it waits paused (or done) for Resume. */
  adoptRestored(run: RetrainRun): void {
    this.run = run;
    this.lastSnapshotStep = run.step;
    this.setState(run.done ? 'done' : 'paused');
  }

  /** The live run's state, for saves. */
  get runState(): RunState {
    return this.state;
  }

  async pause(): Promise<void> {
    if (this.state === 'running') await this.halt('paused', 'pause');
  }

  async resume(): Promise<void> {
    const run = this.run;
    if (this.state !== 'paused' || !run || run.done) return;
    await this.loop;
    this.setState('running');
    this.loop = this.runLoop(run, this.generation);
  }

  async step(): Promise<void> {
    const run = this.requirePaused('Step');
    if (run.done) return;
    await this.advance(run);
    await this.snapshot(run);
    if (run.done) {
      await this.host.persist(run, 'done', 'done');
      this.setState('done');
    } else {
      await this.host.persist(run, 'step', 'paused');
    }
  }

  async stop(): Promise<void> {
    if (this.state === 'running' || this.state === 'paused') {
      await this.halt('stopped', 'stop');
    }
  }

  async test(): Promise<void> {
    const run = this.requireRun('Test');
    if (!run.hasTestSet) {
      throw namedError(
        'NoTestSet',
        'Test: no test_batch.bin is loaded; drop it beside the training batches',
      );
    }
    await this.host.exclusive(() => run.test());
    await this.snapshot(run, true);
    // The checkpoint holds the tests: a reload keeps this one too.
    void this.host.persist(run, 'step', this.state);
  }

  async exportModel(): Promise<ModelFilesOut> {
    const run = this.requireRun('Download model');
    return this.host.exclusive(async () => {
      const weights = await run.namedWeights();
      return encodeModelFiles(run.modelMeta(), weights);
    });
  }

  private requireRun(action: string): RetrainRun {
    if (!this.run) {
      throw namedError(
        'NoRetrain',
        `${action}: start a retrain first (Retrain view, Start)`,
      );
    }
    return this.run;
  }

  private requirePaused(action: string): RetrainRun {
    const run = this.requireRun(action);
    if (this.state !== 'paused') {
      throw namedError(
        'NotPaused',
        `${action}: pause the retrain first; Step runs one step while paused`,
      );
    }
    return run;
  }

  /** One step, and at an epoch's end the test and a save. */
  private async advance(run: RetrainRun): Promise<void> {
    await this.host.exclusive(async () => run.runStep());
    if (!run.epochEnded) return;
    if (run.hasTestSet) {
      await this.host.exclusive(() => run.test());
      await this.snapshot(run, true);
    } else {
      await this.snapshot(run);
    }
    // Not awaited: the write runs beside the next steps.
    void this.host.persist(run, 'epoch', this.state);
  }

  private async runLoop(run: RetrainRun, generation: number): Promise<void> {
    const every = Math.max(1, Math.floor(run.config.snapshotEvery));
    const live = () =>
      this.state === 'running' &&
      this.run === run &&
      this.generation === generation;
    try {
      while (live() && !run.done) {
        await this.advance(run);
        if (run.step % every === 0 || run.done) await this.snapshot(run);
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
      if (live() && run.done) {
        await this.host.persist(run, 'done', 'done');
        this.setState('done');
      }
    } catch (error) {
      this.host.onError(error);
      if (this.run === run) this.setState('stopped');
    }
  }

  /**
   * Leaves 'running' for `next` after the step in flight; with `reason` the
   * run is saved before `next` is announced, so a page that shows 'Paused'
   * can be reloaded at once.
   */
  private async halt(next: RunState, reason?: 'pause' | 'stop'): Promise<void> {
    const wasLive = this.state === 'running' || this.state === 'paused';
    this.generation++;
    if (wasLive) this.state = next;
    await this.loop;
    if (!wasLive) return;
    const run = this.run;
    if (run) {
      await this.snapshot(run);
      if (reason) await this.host.persist(run, reason, next);
    }
    this.setState(next);
  }

  /** Sends a snapshot unless one for this step went already (or `force`). */
  private async snapshot(run: RetrainRun, force = false): Promise<void> {
    if (!force && run.step === this.lastSnapshotStep) return;
    this.lastSnapshotStep = run.step;
    await this.host.onSnapshot(run);
  }

  private setState(state: RunState): void {
    this.state = state;
    this.host.onState(state);
  }
}

/** The network `run` built, as the page shows it. */
export function retrainInfo(run: RetrainRun): RetrainInfo {
  return {
    params: run.net.paramCount,
    auxParams: run.net.auxParamCount,
    totalSteps: run.totalSteps,
    stepsPerEpoch: run.stepsPerEpoch,
    trainImages: run.imagesUsed,
    testImages: run.testImages,
  };
}
