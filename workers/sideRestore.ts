/**
 * Rebuilds the saved side runs (retrain, recurrent search, recurrent
 * retrain) after a reload: each paused at its saved step, on the data it
 * was saved with. The loaded data is reused when it is the same, and taken
 * over when nothing is loaded yet; a run that cannot be rebuilt is
 * discarded and reported, and the others still come back.
 */
import { RetrainRun } from '../src/core/retrain';
import { RnnRetrainRun } from '../src/core/rnnRetrain';
import { RnnSearchRun } from '../src/core/rnnSearch';
import type {
  RestoredRetrain,
  RestoredRnnRetrain,
  RestoredRnnSearch,
  RestoredSideRuns,
  RunState,
} from './api';
import type { Datasets } from './datasets';
import type { SideKind } from './idb';
import type { PtbData } from './ptbData';
import { retrainInfo, type Retrainer } from './retrainer';
import type { RunController } from './runController';
import {
  sameCifar,
  sameCorpus,
  SIDE_NOUNS,
  type SideRunSaver,
} from './sideRuns';

/** What the restore needs of the worker. */
export interface SideRestoreHost {
  exclusive<T>(task: () => Promise<T>): Promise<T>;
  /** The backend the runs continue on. */
  backend: string;
  datasets: Datasets;
  ptb: PtbData;
  retrainer: Retrainer;
  rnn: RunController<RnnSearchRun>;
  rnnRetrain: RunController<RnnRetrainRun>;
  saver: SideRunSaver;
  onError(error: { name: string; message: string }): void;
}

/** Rebuilds every saved side run that no new run has replaced meanwhile. */
export async function restoreSideRuns(
  host: SideRestoreHost,
): Promise<RestoredSideRuns> {
  return {
    retrain: await attempt(host, 'retrain', () => restoreRetrain(host)),
    rnnSearch: await attempt(host, 'rnnSearch', () => restoreRnnSearch(host)),
    rnnRetrain: await attempt(host, 'rnnRetrain', () =>
      restoreRnnRetrain(host),
    ),
  };
}

async function restoreRetrain(
  host: SideRestoreHost,
): Promise<RestoredRetrain | null> {
  const saved = await host.saver.load('retrain');
  const { run: record, data: stored } = saved;
  if (!record || !stored || host.retrainer.run) return null;
  const cp = record.checkpoint;
  const loaded = host.datasets.data;
  const data =
    loaded && sameCifar(loaded, stored.data.data) ? loaded : stored.data.data;

  const run = await host.exclusive(async () =>
    RetrainRun.restore(
      { ...cp, meta: { ...cp.meta, backend: host.backend } },
      data,
    ),
  );
  // A retrain started while this one was rebuilt wins.
  if (host.retrainer.run) {
    await host.exclusive(async () => run.dispose());
    return null;
  }
  const adopted = host.datasets.data === null;
  if (adopted) host.datasets.adopt(data, stored.data.summary);
  host.saver.adopt('retrain', stored.id, data, record.label);
  host.retrainer.adoptRestored(run);

  return {
    ...where(run, record.savedAt, cp.step),
    snapshots: saved.snapshots,
    config: cp.config,
    genotype: cp.genotype,
    source: record.label,
    info: retrainInfo(run),
    dataset: adopted ? host.datasets.current() : null,
  };
}

async function restoreRnnSearch(
  host: SideRestoreHost,
): Promise<RestoredRnnSearch | null> {
  const saved = await host.saver.load('rnnSearch');
  const { run: record, data: stored } = saved;
  if (!record || !stored || host.rnn.run) return null;
  const cp = record.checkpoint;
  const corpus = corpusFor(host, stored.data.corpus);

  const run = await host.exclusive(async () =>
    RnnSearchRun.restore(cp, corpus),
  );
  if (host.rnn.run) {
    await host.exclusive(async () => run.dispose());
    return null;
  }
  const adopted = host.ptb.corpus === null;
  if (adopted) host.ptb.adoptSaved(corpus, stored.data.summary);
  host.saver.adopt('rnnSearch', stored.id, corpus, record.label);
  host.rnn.adoptRestored(run);

  return {
    ...where(run, record.savedAt, cp.step),
    snapshots: saved.snapshots,
    config: cp.config,
    params: run.model.paramCount,
    corpus: adopted ? host.ptb.current() : null,
  };
}

async function restoreRnnRetrain(
  host: SideRestoreHost,
): Promise<RestoredRnnRetrain | null> {
  const saved = await host.saver.load('rnnRetrain');
  const { run: record, data: stored } = saved;
  if (!record || !stored || host.rnnRetrain.run) return null;
  const cp = record.checkpoint;
  const corpus = corpusFor(host, stored.data.corpus);

  const run = await host.exclusive(async () =>
    RnnRetrainRun.restore(cp, corpus),
  );
  if (host.rnnRetrain.run) {
    await host.exclusive(async () => run.dispose());
    return null;
  }
  const adopted = host.ptb.corpus === null;
  if (adopted) host.ptb.adoptSaved(corpus, stored.data.summary);
  host.saver.adopt('rnnRetrain', stored.id, corpus, record.label);
  host.rnnRetrain.adoptRestored(run);

  return {
    ...where(run, record.savedAt, cp.step),
    snapshots: saved.snapshots,
    config: cp.config,
    genotype: cp.genotype,
    name: record.label,
    params: run.model.paramCount,
    corpus: adopted ? host.ptb.current() : null,
  };
}

/** The loaded corpus when it is the saved one (one copy in memory), else the saved. */
function corpusFor(
  host: SideRestoreHost,
  saved: NonNullable<PtbData['corpus']>,
) {
  const loaded = host.ptb.corpus;
  return loaded && sameCorpus(loaded, saved) ? loaded : saved;
}

function where(
  run: { done: boolean },
  savedAt: number,
  step: number,
): { state: RunState; savedAt: number; step: number } {
  return { state: run.done ? 'done' : 'paused', savedAt, step };
}

/** Runs one kind's restore; a failure discards that saved run and is reported. */
async function attempt<T>(
  host: SideRestoreHost,
  kind: SideKind,
  restore: () => Promise<T | null>,
): Promise<T | null> {
  try {
    return await restore();
  } catch (error) {
    await host.saver.discard(kind);
    const why = error instanceof Error ? error.message : String(error);
    host.onError({
      name: 'RestoreFailed',
      message:
        `Restoring the saved ${SIDE_NOUNS[kind]} failed (${why}); it was ` +
        'discarded. Press Start for a new one',
    });
    return null;
  }
}
