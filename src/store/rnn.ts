/**
 * The recurrent side of the studio: which search space the page shows, the
 * Penn Treebank corpus the worker holds, the recurrent search and the
 * recurrent retrain with their settings, as the worker reports them. Worker
 * calls go through the search worker's client (`workerApi` in studio.ts);
 * faults go to the studio's banner.
 */
import { create } from 'zustand';
import {
  RNN_PRESETS,
  type RnnPresetName,
  type RnnSearchConfig,
} from '../core/rnnConfig';
import { RNN_NAMED_GENOTYPES, type RnnGenotype } from '../core/rnnGenotype';
import {
  parseRnnGenotypeJson,
  parseRnnGenotypePython,
} from '../core/rnnGenotypeJson';
import {
  RNN_RETRAIN_PRESETS,
  type RnnRetrainConfig,
  type RnnRetrainSnapshot,
} from '../core/rnnRetrain';
import type { RnnSnapshot } from '../core/rnnSearch';
import {
  RNN_NUM_EDGES,
  RNN_NUM_OPS,
  RNN_PRIMITIVES,
  rnnEdgeIndex,
} from '../core/rnnSpace';
import type {
  PtbSummary,
  RestoredRnnRetrain,
  RestoredRnnSearch,
  RunState,
} from '../../workers/api';
import {
  ptbRejectMessage,
  routeDrop,
  typedAfter,
  validateRnnConfig,
  withRnnField,
  type RnnFieldKey,
  type RnnProblem,
  type RnnTyped,
  type Space,
} from './rnnFields';
import {
  readGenotypeFile,
  searchGenotypeName,
  sourceOfName,
  type GenotypeSource,
} from './genotypeSource';
import { oneAtATime, runControls } from './runControls';
import { isLive, useStudio } from './studio';
import { callWorker, pushError } from './workerCall';

/** Snapshots kept per run; past it the older half is thinned to every second one. */
export const RNN_HISTORY_CAP = 3000;

export type RnnGenotypeSource = GenotypeSource;

/**
 * The opWeights [36, 5] that draw `genotype` as a discrete cell: weight 1
 * on each kept edge's op, 'none' 1 on every other edge.
 */
export function discreteOpWeights(genotype: RnnGenotype): Float32Array {
  const weights = new Float32Array(RNN_NUM_EDGES * RNN_NUM_OPS);
  for (let e = 0; e < RNN_NUM_EDGES; e++) weights[e * RNN_NUM_OPS] = 1;
  genotype.recurrent.forEach(([op, pred], k) => {
    const row = rnnEdgeIndex(k + 1, pred) * RNN_NUM_OPS;
    weights[row] = 0;
    weights[row + RNN_PRIMITIVES.indexOf(op)] = 1;
  });
  return weights;
}

/** Appends `item`; past `cap`, every second one of the older half goes. */
export function appendCapped<T>(history: T[], item: T, cap: number): T[] {
  const next = [...history, item];
  return next.length <= cap ? next : thinOlderHalf(next);
}

/** The history appendCapped builds from `items` one by one, in linear time. */
export function cappedHistory<T>(items: T[], cap: number): T[] {
  let history: T[] = [];
  for (const item of items) {
    history.push(item);
    if (history.length > cap) history = thinOlderHalf(history);
  }
  return history;
}

function thinOlderHalf<T>(history: T[]): T[] {
  const half = Math.floor(history.length / 2);
  const older = history.slice(0, half).filter((_, i) => i % 2 === 0);
  return [...older, ...history.slice(half)];
}

/** The retrain genotype `state` points at, with its name; null when it has none. */
export function chosenRnnGenotype(
  state: Pick<
    RnnState,
    'retrainSource' | 'retrainNamed' | 'retrainImported' | 'latest'
  >,
): { genotype: RnnGenotype; name: string } | null {
  if (state.retrainSource === 'imported') {
    const imported = state.retrainImported;
    return imported
      ? { genotype: imported.genotype, name: imported.file }
      : null;
  }
  if (state.retrainSource === 'named') {
    const genotype = RNN_NAMED_GENOTYPES[state.retrainNamed];
    return genotype ? { genotype, name: state.retrainNamed } : null;
  }
  const latest = state.latest;
  return latest
    ? { genotype: latest.genotype, name: searchGenotypeName(latest.step) }
    : null;
}

export interface RnnState {
  space: Space;
  corpus: PtbSummary | null;
  /** True while PTB files or the demo corpus are being read. */
  loadingPtb: boolean;

  config: RnnSearchConfig;
  /** Text typed into fields that is not a number, echoed in the messages. */
  typed: RnnTyped;
  searchState: RunState;
  /** Set from a Pause or Stop click until the worker confirms. */
  request: 'pausing' | 'stopping' | null;
  stepping: boolean;
  /** True from a Start until the worker has built the supernet. */
  building: boolean;
  /** Weights of the supernet the latest Start built. */
  params: number | null;
  /** The config of the live or last search. */
  runConfig: RnnSearchConfig | null;
  snapshots: RnnSnapshot[];
  latest: RnnSnapshot | null;

  retrainConfig: RnnRetrainConfig;
  retrainTyped: RnnTyped;
  retrainSource: RnnGenotypeSource;
  retrainNamed: string;
  retrainImported: { file: string; genotype: RnnGenotype } | null;
  retrainState: RunState;
  /** True from a retrain Start until the worker has built the network. */
  retrainBuilding: boolean;
  retrainRequest: 'pausing' | 'stopping' | null;
  /** What the latest retrain Start trains, and its weight count once built. */
  retrainRun: {
    genotype: RnnGenotype;
    name: string;
    config: RnnRetrainConfig;
    params: number | null;
  } | null;
  retrainSnapshots: RnnRetrainSnapshot[];
  retrainLatest: RnnRetrainSnapshot | null;

  setSpace(space: Space): void;
  /** Routes a drop: PTB files to the PTB reader, CIFAR files to the studio's. */
  dropFiles(files: File[]): Promise<void>;
  loadPtb(files: File[]): Promise<void>;
  loadPtbDemo(baseUrl: string): Promise<void>;

  setPreset(name: RnnPresetName): void;
  setField(key: RnnFieldKey, value: number | string, typed?: string): void;
  start(): Promise<void>;
  togglePause(): Promise<void>;
  step(): Promise<void>;
  stop(): Promise<void>;
  /** The genotype JSON of the current alphas, or null (with a banner). */
  exportGenotype(): Promise<string | null>;

  setRetrainPreset(name: RnnPresetName): void;
  setRetrainField(
    key: RnnFieldKey,
    value: number | string,
    typed?: string,
  ): void;
  setRetrainSource(source: RnnGenotypeSource): void;
  setRetrainNamed(name: string): void;
  importRetrainGenotype(file: File): Promise<void>;
  retrainStart(): Promise<void>;
  retrainTogglePause(): Promise<void>;
  retrainStop(): Promise<void>;

  /** Events from the worker, forwarded by studio.ts. */
  receiveCorpus(corpus: PtbSummary): void;
  receiveSnapshot(snapshot: RnnSnapshot): void;
  receiveState(state: RunState): void;
  receiveRetrainSnapshot(snapshot: RnnRetrainSnapshot): void;
  receiveRetrainState(state: RunState): void;
  /** A search the worker rebuilt after a reload, paused where it was saved. */
  receiveRestored(restored: RestoredRnnSearch): void;
  /** A retrain the worker rebuilt after a reload, paused where it was saved. */
  receiveRestoredRetrain(restored: RestoredRnnRetrain): void;
}

export const useRnn = create<RnnState>()((set, get) => {
  const search = runControls(
    {
      state: () => get().searchState,
      request: () => get().request,
      setRequest: (request) => set({ request }),
    },
    {
      pause: (api) => api.rnnPause(),
      resume: (api) => api.rnnResume(),
      stop: (api) => api.rnnStop(),
    },
  );
  const retrain = runControls(
    {
      state: () => get().retrainState,
      request: () => get().retrainRequest,
      setRequest: (retrainRequest) => set({ retrainRequest }),
    },
    {
      pause: (api) => api.rnnRetrainPause(),
      resume: (api) => api.rnnRetrainResume(),
      stop: (api) => api.rnnRetrainStop(),
    },
  );

  /**
   * Banner lines a good drop makes stale: a file's rejection once a file of
   * that name is accepted, and "no usable corpus" once there is one.
   */
  const clearSuperseded = (summary: PtbSummary) => {
    const accepted = summary.files
      .filter((r) => r.ok)
      .map((r) => r.file.split(/[\\/]/).pop() ?? r.file);
    const studio = useStudio.getState();
    for (const e of studio.errors) {
      const staleFile =
        e.name === 'FileRejected' &&
        accepted.some((name) => e.message.startsWith(`${name}:`));
      const staleCorpus = e.name === 'NoCorpus' && summary.error === null;
      if (staleFile || staleCorpus) studio.dismissError(e.id);
    }
  };

  /** Takes a corpus summary; each newly rejected file gets a banner line naming it. */
  const takeCorpus = (summary: PtbSummary | null) => {
    if (!summary) return;
    clearSuperseded(summary);
    const rejected = summary.files.filter((r) => !r.ok);
    for (const report of rejected) {
      pushError({ name: 'FileRejected', message: ptbRejectMessage(report) });
    }
    if (summary.error && !rejected.some((r) => r.error === summary.error)) {
      pushError({ name: 'NoCorpus', message: summary.error });
    }
    get().receiveCorpus(summary);
  };

  const problemsOf = (problems: RnnProblem[]) => {
    for (const problem of problems) {
      pushError({ name: 'Settings', message: problem.message });
    }
    return problems.length > 0;
  };

  return {
    space: 'cnn',
    corpus: null,
    loadingPtb: false,

    config: { ...RNN_PRESETS.Demo },
    typed: {},
    searchState: 'idle',
    request: null,
    stepping: false,
    building: false,
    params: null,
    runConfig: null,
    snapshots: [],
    latest: null,

    retrainConfig: { ...RNN_RETRAIN_PRESETS.Demo },
    retrainTyped: {},
    retrainSource: 'derived',
    retrainNamed: 'DARTS_V2',
    retrainImported: null,
    retrainState: 'idle',
    retrainBuilding: false,
    retrainRequest: null,
    retrainRun: null,
    retrainSnapshots: [],
    retrainLatest: null,

    setSpace(space) {
      set({ space });
    },

    async dropFiles(files) {
      const { ptb, cifar } = routeDrop(files, get().space);
      if (cifar.length > 0) {
        if (ptb.length === 0) set({ space: 'cnn' });
        await useStudio.getState().loadFiles(cifar);
      }
      if (ptb.length > 0) await get().loadPtb(ptb);
    },

    async loadPtb(files) {
      if (files.length === 0) return;
      set({ loadingPtb: true, space: 'rnn' });
      const summary = await callWorker((api) => api.loadPtb(files));
      set({ loadingPtb: false });
      takeCorpus(summary);
    },

    async loadPtbDemo(baseUrl) {
      set({ loadingPtb: true, space: 'rnn' });
      const summary = await callWorker((api) => api.loadPtbDemo(baseUrl));
      set({ loadingPtb: false });
      takeCorpus(summary);
    },

    setPreset(name) {
      const preset = { ...RNN_PRESETS[name] };
      // While a search is live its network stays; the rest applies next run.
      set((s) => ({
        typed: {},
        config: isLive(s.searchState)
          ? {
              ...preset,
              hidden: s.config.hidden,
              batchSize: s.config.batchSize,
            }
          : preset,
      }));
    },

    setField(key, value, typed) {
      set((s) => ({
        config: withRnnField(s.config, key, value),
        typed: typedAfter(s.typed, key, value, typed),
      }));
    },

    async start() {
      const { config, typed, corpus } = get();
      if (!corpus || corpus.trainTokens === 0) {
        pushError({
          name: 'NoData',
          message:
            'Recurrent search: no Penn Treebank text is loaded; drop ptb.train.txt and ptb.valid.txt or press "Try the demo corpus"',
        });
        return;
      }
      if (problemsOf(validateRnnConfig(config, 'search', corpus, typed))) {
        return;
      }

      const runConfig = { ...config, dropouts: { ...config.dropouts } };
      set({
        snapshots: [],
        latest: null,
        params: null,
        runConfig,
        building: true,
      });
      const built = await callWorker((api) => api.rnnStart(runConfig));
      set({ building: false, params: built?.params ?? null });
    },

    togglePause: search.togglePause,

    step: oneAtATime(
      { get: () => get().stepping, set: (stepping) => set({ stepping }) },
      (api) => api.rnnStep(),
    ),

    stop: search.stop,

    async exportGenotype() {
      return callWorker((api) => api.rnnExportGenotype());
    },

    setRetrainPreset(name) {
      set({
        retrainConfig: { ...RNN_RETRAIN_PRESETS[name] },
        retrainTyped: {},
      });
    },

    setRetrainField(key, value, typed) {
      set((s) => ({
        retrainConfig: withRnnField(s.retrainConfig, key, value),
        retrainTyped: typedAfter(s.retrainTyped, key, value, typed),
      }));
    },

    setRetrainSource(retrainSource) {
      set({ retrainSource });
    },

    setRetrainNamed(retrainNamed) {
      set({ retrainNamed, retrainSource: 'named' });
    },

    async importRetrainGenotype(file) {
      const genotype = await readGenotypeFile(file, {
        tooLarge: (big) =>
          `${big.name}: ${big.size.toLocaleString('en-US')} bytes is too ` +
          'big for a genotype; choose the JSON the studio exported or a ' +
          'Python Genotype(recurrent=..., concat=...) line',
        python: parseRnnGenotypePython,
        json: (text, name) => parseRnnGenotypeJson(text, name).genotype,
      });
      if (genotype) {
        set({
          retrainImported: { file: file.name, genotype },
          retrainSource: 'imported',
        });
      }
    },

    async retrainStart() {
      const { retrainConfig, retrainTyped, corpus } = get();
      if (!corpus || corpus.trainTokens === 0) {
        pushError({
          name: 'NoData',
          message:
            'Recurrent retrain: no Penn Treebank text is loaded; drop ptb.train.txt, ptb.valid.txt and ptb.test.txt or press "Try the demo corpus"',
        });
        return;
      }
      const chosen = chosenRnnGenotype(get());
      if (!chosen) {
        pushError({
          name: 'NoGenotype',
          message: noGenotypeMessage(get().retrainSource),
        });
        return;
      }
      const problems = validateRnnConfig(
        retrainConfig,
        'retrain',
        corpus,
        retrainTyped,
      );
      if (problemsOf(problems)) return;

      const config = {
        ...retrainConfig,
        dropouts: { ...retrainConfig.dropouts },
      };
      set({
        retrainSnapshots: [],
        retrainLatest: null,
        retrainRun: { ...chosen, config, params: null },
        retrainBuilding: true,
      });
      const built = await callWorker((api) =>
        api.rnnRetrainStart(config, chosen.genotype, chosen.name),
      );
      set({ retrainBuilding: false });
      if (built) {
        set((s) => ({
          retrainRun: s.retrainRun && { ...s.retrainRun, params: built.params },
        }));
      }
    },

    retrainTogglePause: retrain.togglePause,
    retrainStop: retrain.stop,

    receiveCorpus: (corpus) => set({ corpus }),
    receiveSnapshot: (snapshot) =>
      set((s) => ({
        snapshots: appendCapped(s.snapshots, snapshot, RNN_HISTORY_CAP),
        latest: snapshot,
      })),
    receiveState: (searchState) => set({ searchState, request: null }),
    receiveRetrainSnapshot: (snapshot) =>
      set((s) => ({
        retrainSnapshots: appendCapped(
          s.retrainSnapshots,
          snapshot,
          RNN_HISTORY_CAP,
        ),
        retrainLatest: snapshot,
      })),
    receiveRetrainState: (retrainState) =>
      set({ retrainState, retrainRequest: null }),

    receiveRestored(restored) {
      const snapshots = cappedHistory(restored.snapshots, RNN_HISTORY_CAP);
      const config = restored.config;
      set((s) => ({
        corpus: restored.corpus ?? s.corpus,
        searchState: restored.state,
        request: null,
        params: restored.params,
        runConfig: config,
        // The settings show the run's, as after its Start.
        config: { ...config, dropouts: { ...config.dropouts } },
        typed: {},
        snapshots,
        latest: snapshots[snapshots.length - 1] ?? null,
      }));
    },

    receiveRestoredRetrain(restored) {
      const snapshots = cappedHistory(restored.snapshots, RNN_HISTORY_CAP);
      const { config, genotype, name } = restored;
      set((s) => ({
        corpus: restored.corpus ?? s.corpus,
        ...rnnSourceOf(name, genotype),
        retrainState: restored.state,
        retrainRequest: null,
        retrainRun: { genotype, name, config, params: restored.params },
        retrainConfig: { ...config, dropouts: { ...config.dropouts } },
        retrainTyped: {},
        retrainSnapshots: snapshots,
        retrainLatest: snapshots[snapshots.length - 1] ?? null,
      }));
    },
  };
});

/** The source picker's setting that names a restored retrain's genotype again. */
function rnnSourceOf(
  name: string,
  genotype: RnnGenotype,
): Pick<RnnState, 'retrainSource'> &
  Partial<Pick<RnnState, 'retrainNamed' | 'retrainImported'>> {
  const source = sourceOfName(name, RNN_NAMED_GENOTYPES);
  if (source === 'named') return { retrainSource: source, retrainNamed: name };
  if (source === 'derived') return { retrainSource: source };
  return { retrainSource: source, retrainImported: { file: name, genotype } };
}

function noGenotypeMessage(source: RnnGenotypeSource): string {
  if (source === 'imported') {
    return 'Recurrent retrain: no genotype file is imported; choose a recurrent genotype JSON or a Python Genotype(recurrent=..., concat=...) line, or pick another source';
  }
  if (source === 'named') {
    return 'Recurrent retrain: pick a named genotype from the list';
  }
  return 'Recurrent retrain: the search has no genotype yet; run a recurrent search first, import a genotype file, or pick a named genotype';
}
