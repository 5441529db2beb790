/**
 * Start, pause, resume, step and stop for one kind of run in the worker: a
 * loop of steps that yields to the event loop between steps (so control
 * messages get their turn), an epoch-end hook, and snapshots at a cadence.
 * Every step runs under the worker's tensor lock, so runs never interleave
 * inside a step.
 */
import type { RunState } from './api';
import { namedError } from './datasets';
import type { SideSaveReason } from './sideRuns';

/** What the controller needs of a run. */
export interface SteppedRun {
  readonly done: boolean;
  readonly step: number;
  runStep(): void | Promise<void>;
  dispose(): void;
}

export interface RunHooks<R extends SteppedRun> {
  /** The run's name in messages, e.g. 'Recurrent search'. */
  label: string;
  exclusive<T>(task: () => Promise<T>): Promise<T>;
  /** After each step: validation or testing at an epoch's end. */
  afterStep(run: R): Promise<void>;
  snapshot(run: R): Promise<void>;
  onState(state: RunState): void;
  onError(error: unknown): void;
  snapshotEvery(run: R): number;
  /** Saves the run in `state`; awaited before pause, stop and done are announced. */
  persist(run: R, reason: SideSaveReason, state: RunState): Promise<void>;
}

export class RunController<R extends SteppedRun> {
  run: R | null = null;
  state: RunState = 'idle';
  private loop: Promise<void> = Promise.resolve();
  private generation = 0;
  private lastSnapshotStep = -1;

  constructor(private readonly hooks: RunHooks<R>) {}

  /**
   * Ends any earlier run, builds the new one with `create` and starts it;
   * `begin` sees the run before its first step.
   */
  async start(create: () => R, begin?: (run: R) => void): Promise<R> {
    await this.halt('stopped');
    const previous = this.run;
    this.run = null;
    await this.hooks.exclusive(async () => previous?.dispose());

    const run = await this.hooks.exclusive(async () => create());
    this.run = run;
    this.lastSnapshotStep = run.step;
    begin?.(run);
    this.setState('running');
    this.loop = this.runLoop(run, this.generation);
    return run;
  }

  /** Takes a run rebuilt from a save: it waits paused (or done) for Resume. */
  adoptRestored(run: R): void {
    this.run = run;
    this.lastSnapshotStep = run.step;
    this.setState(run.done ? 'done' : 'paused');
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

  async stepOnce(): Promise<void> {
    const run = this.require('Step');
    if (this.state !== 'paused') {
      throw namedError(
        'NotPaused',
        `Step: pause the ${this.hooks.label.toLowerCase()} first; Step runs one step while paused`,
      );
    }
    if (run.done) return;
    await this.advance(run);
    await this.snapshot(run);
    if (run.done) {
      await this.hooks.persist(run, 'done', 'done');
      this.setState('done');
    } else {
      await this.hooks.persist(run, 'step', 'paused');
    }
  }

  async stop(): Promise<void> {
    if (this.state === 'running' || this.state === 'paused') {
      await this.halt('stopped', 'stop');
    }
  }

  /** The run, or an error telling the user to start one. */
  require(action: string): R {
    if (!this.run) {
      throw namedError(
        'NoRun',
        `${action}: start a ${this.hooks.label.toLowerCase()} first`,
      );
    }
    return this.run;
  }

  /** Sends a snapshot unless one for this step went already (or `force`). */
  async snapshot(run: R, force = false): Promise<void> {
    if (!force && run.step === this.lastSnapshotStep) return;
    this.lastSnapshotStep = run.step;
    await this.hooks.snapshot(run);
  }

  private async advance(run: R): Promise<void> {
    await this.hooks.exclusive(async () => run.runStep());
    await this.hooks.afterStep(run);
  }

  private async runLoop(run: R, generation: number): Promise<void> {
    const every = Math.max(1, Math.floor(this.hooks.snapshotEvery(run)));
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
        await this.hooks.persist(run, 'done', 'done');
        this.setState('done');
      }
    } catch (error) {
      this.hooks.onError(error);
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
      if (reason) await this.hooks.persist(run, reason, next);
    }
    this.setState(next);
  }

  private setState(state: RunState): void {
    this.state = state;
    this.hooks.onState(state);
  }
}
