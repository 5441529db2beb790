/**
 * The retrain half of the worker: one RetrainRun at a time, stepped by a
 * RunController (pause, resume, step, stop, saves), tested on the test
 * batch after every epoch, and exported as model files. It shares the
 * worker's tensor lock with the search, so the two never interleave inside
 * a step.
 */
import type { Genotype } from '../src/core/genotype';
import { encodeModelFiles } from '../src/core/modelFiles';
import { RetrainRun } from '../src/core/retrain';
import type { RetrainConfig } from '../src/core/retrainConfig';
import type { CifarData } from '../src/data/types';
import type { ModelFilesOut, RetrainInfo, RunState } from './api';
import { namedError } from './datasets';
import { RunController } from './runController';
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
  private readonly controller: RunController<RetrainRun>;

  constructor(private readonly host: RetrainerHost) {
    this.controller = new RunController<RetrainRun>({
      label: 'Retrain',
      exclusive: (task) => host.exclusive(task),
      afterStep: (run) => this.afterStep(run),
      snapshot: (run) => host.onSnapshot(run),
      onState: (state) => host.onState(state),
      onError: (error) => host.onError(error),
      snapshotEvery: (run) => run.config.snapshotEvery,
      persist: (run, reason, state) => host.persist(run, reason, state),
    });
  }

  get run(): RetrainRun | null {
    return this.controller.run;
  }

  /** The live run's state, for saves. */
  get runState(): RunState {
    return this.controller.state;
  }

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
    const run = await this.controller.start(
      () => RetrainRun.create(config, genotype, data, meta),
      begin,
    );
    return retrainInfo(run);
  }

  /** Takes a run rebuilt from a save: it waits paused (or done) for Resume. */
  adoptRestored(run: RetrainRun): void {
    this.controller.adoptRestored(run);
  }

  pause(): Promise<void> {
    return this.controller.pause();
  }

  resume(): Promise<void> {
    return this.controller.resume();
  }

  step(): Promise<void> {
    return this.controller.stepOnce();
  }

  stop(): Promise<void> {
    return this.controller.stop();
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
    await this.controller.snapshot(run, true);
    // The checkpoint holds the tests: a reload keeps this one too.
    void this.host.persist(run, 'step', this.runState);
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

  /** At an epoch's end: the test and a save. */
  private async afterStep(run: RetrainRun): Promise<void> {
    if (!run.epochEnded) return;
    if (run.hasTestSet) {
      await this.host.exclusive(() => run.test());
      await this.controller.snapshot(run, true);
    } else {
      await this.controller.snapshot(run);
    }
    // Not awaited: the write runs beside the next steps.
    void this.host.persist(run, 'epoch', this.runState);
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
