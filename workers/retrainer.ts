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

export interface RetrainerHost {
  /** Runs `task` when no other tensor work is in flight. */
  exclusive<T>(task: () => Promise<T>): Promise<T>;
  onSnapshot(run: RetrainRun): Promise<void>;
  onState(state: RunState): void;
  onError(error: unknown): void;
}

export class Retrainer {
  run: RetrainRun | null = null;
  private state: RunState = 'idle';
  private loop: Promise<void> = Promise.resolve();
  private generation = 0;
  private lastSnapshotStep = -1;

  constructor(private readonly host: RetrainerHost) {}

  async start(
    config: RetrainConfig,
    genotype: Genotype,
    data: CifarData,
    meta: { backend: string; dataset: string; source: 'files' | 'demo' },
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
    this.setState('running');
    this.loop = this.runLoop(run, this.generation);

    return {
      params: run.net.paramCount,
      auxParams: run.net.auxParamCount,
      totalSteps: run.totalSteps,
      stepsPerEpoch: run.stepsPerEpoch,
      trainImages: run.imagesUsed,
      testImages: run.testImages,
    };
  }

  async pause(): Promise<void> {
    if (this.state === 'running') await this.halt('paused');
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
    if (run.done) this.setState('done');
  }

  async stop(): Promise<void> {
    if (this.state === 'running' || this.state === 'paused') {
      await this.halt('stopped');
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

  /** One step, and the test when it ends an epoch. */
  private async advance(run: RetrainRun): Promise<void> {
    await this.host.exclusive(async () => run.runStep());
    if (run.epochEnded && run.hasTestSet) {
      await this.host.exclusive(() => run.test());
      await this.snapshot(run, true);
    }
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
      if (live() && run.done) this.setState('done');
    } catch (error) {
      this.host.onError(error);
      if (this.run === run) this.setState('stopped');
    }
  }

  private async halt(next: RunState): Promise<void> {
    const wasLive = this.state === 'running' || this.state === 'paused';
    this.generation++;
    if (wasLive) this.state = next;
    await this.loop;
    if (!wasLive) return;
    if (this.run) await this.snapshot(this.run);
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
