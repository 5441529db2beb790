/**
 * The studio's one store: what the worker reported (backend, data, run
 * state, snapshots), what the researcher set (config), and what went wrong
 * (the error banner). Actions sit beside the state; they are the only code
 * that talks to the search worker.
 */
import { asNamed } from './namedError';
import { create } from 'zustand';
import { PRESETS, type PresetName, type SearchConfig } from '../core/config';
import type { Genotype } from '../core/genotype';
import { parseGenotypeJson } from '../core/genotypeJson';
import { pickPythonGenotype } from '../core/genotypePython';
import type { Snapshot } from '../core/snapshot';
import type {
  BackendInfo,
  DatasetSummary,
  FileReport,
  RunState,
  SaveInfo,
} from '../../workers/api';
import { createSearchClient, type SearchClient } from '../../workers/client';
import { presetOf, validateConfig } from './configFields';
import { useRetrain } from './retrain';
import { useRnn } from './rnn';

/** Snapshots kept before the older half of the history is thinned out. */
export const HISTORY_CAP = 5000;

export interface StudioError {
  id: number;
  /** The kind, e.g. 'FileRejected', 'Settings', 'GenotypeFormatError'. */
  name: string;
  message: string;
}

export interface StudioState {
  backend: BackendInfo | null;
  backendStatus: 'starting' | 'ready' | 'failed';
  dataset: DatasetSummary | null;
  /** Fraction read per file while a load is in flight; null when idle. */
  loading: Record<string, number> | null;
  config: SearchConfig;
  /** The config of the live or last run; null before the first run. */
  runConfig: SearchConfig | null;
  runState: RunState;
  /** Set from a Pause or Stop click until the worker confirms (after its step in flight). */
  request: 'pausing' | 'stopping' | null;
  /** Snapshots of the current run, oldest first, thinned beyond HISTORY_CAP. */
  snapshots: Snapshot[];
  latest: Snapshot | null;
  /** Which snapshot the cells show; null follows the latest. */
  viewIndex: number | null;
  genotype: Genotype | null;
  /** A genotype read from a file, shown while no run has produced one. */
  imported: { file: string; genotype: Genotype } | null;
  errors: StudioError[];
  /** The latest save of the run that reached the browser's storage. */
  saved: SaveInfo | null;
  /** Set while a run restored after a reload waits for Resume or Start. */
  restored: RestoredInfo | null;
  /** True while the saved run is read back on load. */
  restoring: boolean;
  /** True from a Step click until that step is done. */
  stepping: boolean;
  /** What was typed into a field that is not a number, so messages can echo it. */
  typed: Partial<Record<keyof SearchConfig, string>>;

  connect(): void;
  /** Shows the saved run, if any, paused where it was saved. */
  restoreSaved(): Promise<void>;
  /** Shows the saved retrain and recurrent runs, each paused where it was saved. */
  restoreSideRuns(): Promise<void>;
  /** Forgets the saved run (storage and page); the loaded data stays. */
  discardSaved(): Promise<void>;
  loadFiles(files: File[]): Promise<void>;
  loadDemo(): Promise<void>;
  setPreset(name: PresetName): void;
  /** Sets a field; `typed` is the text as typed, kept for messages when it is not a number. */
  setField<K extends keyof SearchConfig>(
    key: K,
    value: SearchConfig[K],
    typed?: string,
  ): void;
  start(): Promise<void>;
  pause(): Promise<void>;
  resume(): Promise<void>;
  togglePause(): Promise<void>;
  step(): Promise<void>;
  stop(): Promise<void>;
  /** The genotype JSON of the current alphas, or null (with a banner) if there is none. */
  exportGenotype(): Promise<string | null>;
  importGenotype(file: File): Promise<void>;
  setViewIndex(index: number | null): void;
  pushError(error: { name: string; message: string }): void;
  dismissError(id: number): void;
  dismissAllErrors(): void;
}

/** Genotype files past this size are refused before they are read. */
export const GENOTYPE_MAX_BYTES = 5 * 1024 * 1024;

/** Where a restored run was saved, for the line above the controls. */
export interface RestoredInfo extends SaveInfo {
  /** The backend it ran on before the reload. */
  savedOn: string;
  done: boolean;
}

let client: SearchClient | null = null;
let nextErrorId = 1;

/** The search worker's API, for the retrain store; null before connect(). */
export function workerApi(): SearchClient['api'] | null {
  return client?.api ?? null;
}

export const useStudio = create<StudioState>()((set, get) => {
  /** Runs a worker call; a rejection becomes a banner line instead of an exception. */
  const call = async <T>(
    task: (api: SearchClient['api']) => Promise<T>,
  ): Promise<T | null> => {
    if (!client) {
      get().pushError({
        name: 'NotReady',
        message: 'The search worker has not started; reload the page',
      });
      return null;
    }
    try {
      return await task(client.api);
    } catch (error) {
      get().pushError(asNamed(error));
      return null;
    }
  };

  /** Takes a new summary; each newly rejected file gets a banner line naming it. */
  const takeSummary = (summary: DatasetSummary | null) => {
    if (!summary) return;
    const before = get().dataset?.files ?? [];
    for (const report of newRejects(before, summary.files)) {
      get().pushError({ name: 'FileRejected', message: rejectMessage(report) });
    }
    set({ dataset: summary });
  };

  // Snapshots wait for the next frame, so a fast run updates the page at
  // most once per frame however many arrive.
  let pending: Snapshot[] = [];
  const flush = () => {
    if (pending.length === 0) return;
    const arrived = pending;
    pending = [];
    set((s) => ({
      snapshots: arrived.reduce(
        (history, snapshot) => appendSnapshot(history, snapshot),
        s.snapshots,
      ),
      latest: arrived[arrived.length - 1],
      genotype: arrived[arrived.length - 1].genotype,
    }));
  };

  return {
    backend: null,
    backendStatus: 'starting',
    dataset: null,
    loading: null,
    // Demo: the one preset every machine, GPU or not, runs within minutes.
    config: { ...PRESETS.Demo },
    runConfig: null,
    runState: 'idle',
    request: null,
    snapshots: [],
    latest: null,
    viewIndex: null,
    genotype: null,
    imported: null,
    errors: [],
    stepping: false,
    typed: {},
    saved: null,
    restored: null,
    restoring: false,

    connect() {
      if (client) return;
      const { client: created, ready } = createSearchClient({
        onSnapshot: (snapshot) => {
          pending.push(snapshot);
          if (pending.length === 1) nextFrame(flush);
        },
        // Snapshots sent before a state change are shown before it.
        onState: (runState) => {
          flush();
          set((s) => ({
            runState,
            request: null,
            // The restored line stands until the run moves on.
            restored:
              runState === 'paused' || runState === 'done' ? s.restored : null,
          }));
        },
        onSaved: (saved) => set({ saved }),
        onError: (error) => get().pushError(error),
        // Progress travels on its own channel and can trail the load's answer: late news is dropped.
        onLoadProgress: (file, fraction) =>
          set((s) =>
            s.loading === null
              ? s
              : { loading: { ...s.loading, [file]: fraction } },
          ),
        onRetrainSnapshot: (snapshot) =>
          useRetrain.getState().receiveSnapshot(snapshot),
        onRetrainState: (state) => useRetrain.getState().receiveState(state),
        onRnnSnapshot: (snapshot) =>
          useRnn.getState().receiveSnapshot(snapshot),
        onRnnState: (state) => useRnn.getState().receiveState(state),
        onRnnRetrainSnapshot: (snapshot) =>
          useRnn.getState().receiveRetrainSnapshot(snapshot),
        onRnnRetrainState: (state) =>
          useRnn.getState().receiveRetrainState(state),
      });
      client = created;
      // A tab being hidden may be a tab being closed: save what the runs have.
      if (typeof document !== 'undefined') {
        document.addEventListener('visibilitychange', () => {
          if (document.visibilityState !== 'hidden') return;
          const rnn = useRnn.getState();
          const running = [
            get().runState,
            useRetrain.getState().runState,
            rnn.searchState,
            rnn.retrainState,
          ].includes('running');
          if (running) void created.api.saveNow();
        });
      }
      ready.then(
        (backend) => {
          set({ backend, backendStatus: 'ready' });
          // In turn: a side run takes over the search's data when it has none.
          void get()
            .restoreSaved()
            .then(() => get().restoreSideRuns());
        },
        (error: unknown) => {
          set({ backendStatus: 'failed' });
          get().pushError(asNamed(error));
        },
      );
    },

    async restoreSaved() {
      set({ restoring: true });
      const restored = await call((api) => api.restoreSaved());
      set({ restoring: false });
      if (!restored) return;

      pending = [];
      const snapshots = historyOf(restored.snapshots);
      const latest = snapshots[snapshots.length - 1] ?? null;
      const { step, totalSteps, savedAt, savedOn } = restored;
      set({
        dataset: restored.dataset,
        config: { ...restored.config },
        runConfig: { ...restored.config },
        runState: restored.state,
        snapshots,
        latest,
        genotype: latest?.genotype ?? null,
        viewIndex: null,
        saved: { step, totalSteps, savedAt },
        restored: {
          step,
          totalSteps,
          savedAt,
          savedOn,
          done: restored.state === 'done',
        },
      });
    },

    async restoreSideRuns() {
      const side = await call((api) => api.restoreSideRuns());
      if (!side) return;

      const { retrain, rnnSearch, rnnRetrain } = side;
      if (retrain) {
        if (retrain.dataset) set({ dataset: retrain.dataset });
        useRetrain.getState().receiveRestored(retrain);
      }
      if (rnnSearch) useRnn.getState().receiveRestored(rnnSearch);
      if (rnnRetrain) useRnn.getState().receiveRestoredRetrain(rnnRetrain);

      // The page opens on the space of the run saved last.
      const cnnAt = Math.max(
        get().restored?.savedAt ?? -Infinity,
        retrain?.savedAt ?? -Infinity,
      );
      const rnnAt = Math.max(
        rnnSearch?.savedAt ?? -Infinity,
        rnnRetrain?.savedAt ?? -Infinity,
      );
      if (rnnAt > cnnAt) useRnn.getState().setSpace('rnn');
    },

    async discardSaved() {
      if ((await call((api) => api.discardSaved())) === null) return;
      pending = [];
      set({
        runState: 'idle',
        request: null,
        snapshots: [],
        latest: null,
        genotype: null,
        viewIndex: null,
        runConfig: null,
        saved: null,
        restored: null,
      });
    },

    async loadFiles(files) {
      if (files.length === 0) return;
      set({ loading: {} });
      const summary = await call((api) => api.loadFiles(files));
      set({ loading: null });
      takeSummary(summary);
    },

    async loadDemo() {
      set({ loading: {} });
      const url = new URL('demo/data_batch_1.bin', document.baseURI).href;
      const summary = await call((api) => api.loadDemo(url));
      set({ loading: null });
      takeSummary(summary);

      // The demo set is for seeing a search take shape within minutes:
      // unless the researcher has edited the settings, pick the preset made
      // for that.
      const { config, runState } = get();
      if (summary && !isLive(runState) && presetOf(config) !== 'Custom') {
        set({ config: { ...PRESETS.Demo } });
      }
    },

    setPreset(name) {
      const live = isLive(get().runState);
      const preset = { ...PRESETS[name] };
      // While a run is live the network stays as it is; the rest applies next run.
      set((s) => ({
        typed: {},
        config: live
          ? {
              ...preset,
              channels: s.config.channels,
              layers: s.config.layers,
              numClasses: s.config.numClasses,
            }
          : preset,
      }));
    },

    setField(key, value, typed) {
      set((s) => {
        const text = { ...s.typed };
        if (typed !== undefined && !Number.isFinite(value)) text[key] = typed;
        else delete text[key];
        return { config: { ...s.config, [key]: value }, typed: text };
      });
    },

    async start() {
      const { config, dataset, typed } = get();
      if (!dataset || dataset.trainImages === 0) {
        get().pushError({
          name: 'NoData',
          message:
            'Start: no training images are loaded; drop CIFAR-10 files or press "Try the demo data"',
        });
        return;
      }
      const problems = validateConfig(config, dataset.classNames.length, {
        trainImages: dataset.trainImages,
        typed,
      });
      if (problems.length > 0) {
        for (const problem of problems) {
          get().pushError({ name: 'Settings', message: problem.message });
        }
        return;
      }

      pending = [];
      set({
        snapshots: [],
        latest: null,
        genotype: null,
        viewIndex: null,
        runConfig: { ...config },
        saved: null,
        restored: null,
      });
      await call((api) => api.start(config));
    },

    async pause() {
      if (get().runState !== 'running') return;
      set({ request: 'pausing' });
      // null only on failure (pause resolves to undefined): then no state change will clear it.
      if ((await call((api) => api.pause())) === null) set({ request: null });
    },

    async resume() {
      await call((api) => api.resume());
    },

    async togglePause() {
      const { runState, request } = get();
      if (request !== null) return;
      if (runState === 'running') await get().pause();
      else if (runState === 'paused') await get().resume();
    },

    async step() {
      // One step at a time: clicks while a step runs are not queued.
      if (get().stepping) return;
      set({ restored: null, stepping: true });
      try {
        await call((api) => api.step());
      } finally {
        set({ stepping: false });
      }
    },

    async stop() {
      if (!isLive(get().runState)) return;
      set({ request: 'stopping' });
      if ((await call((api) => api.stop())) === null) set({ request: null });
    },

    async exportGenotype() {
      return call((api) => api.exportGenotype());
    },

    async importGenotype(file) {
      if (file.size > GENOTYPE_MAX_BYTES) {
        get().pushError({
          name: 'GenotypeTooLarge',
          message:
            `${file.name}: ${megabytes(file.size)} is too big for a genotype ` +
            `(at most ${megabytes(GENOTYPE_MAX_BYTES)}); a genotype file is a ` +
            'few kilobytes — choose the JSON the studio exported or a ' +
            'Python Genotype(...) line',
        });
        return;
      }
      try {
        const text = await file.text();
        const python =
          /\.(py|txt)$/i.test(file.name) || /^\s*Genotype\s*\(/.test(text);
        const genotype = python
          ? pickPythonGenotype(text, file.name).genotype
          : parseGenotypeJson(text, file.name).genotype;
        set({ imported: { file: file.name, genotype } });
      } catch (error) {
        get().pushError(asNamed(error));
      }
    },

    setViewIndex(index) {
      set({ viewIndex: index });
    },

    pushError(error) {
      set((s) => {
        // The same fault reported twice in a row shows once.
        const last = s.errors[s.errors.length - 1];
        if (last && last.name === error.name && last.message === error.message)
          return s;
        return {
          errors: [
            ...s.errors,
            { id: nextErrorId++, name: error.name, message: error.message },
          ],
        };
      });
    },

    dismissAllErrors() {
      set({ errors: [] });
    },

    dismissError(id) {
      set((s) => ({ errors: s.errors.filter((e) => e.id !== id) }));
    },
  };
});

/** 5242880 → "5 MB", 7340032 → "7 MB", 5500000 → "5.2 MB". */
function megabytes(bytes: number): string {
  const mb = bytes / (1024 * 1024);
  return `${Number.isInteger(mb) ? mb : mb.toFixed(1)} MB`;
}

function nextFrame(run: () => void): void {
  if (typeof requestAnimationFrame === 'function') requestAnimationFrame(run);
  else setTimeout(run, 16);
}

/** A run that holds its network: settings that shape it are locked. */
export function isLive(state: RunState): boolean {
  return state === 'running' || state === 'paused';
}

/**
 * Appends `snapshot`; past `cap`, every second snapshot of the older half is
 * dropped, so a long run keeps its whole shape at a coarser grain.
 */
export function appendSnapshot(
  history: Snapshot[],
  snapshot: Snapshot,
  cap = HISTORY_CAP,
): Snapshot[] {
  const next = [...history, snapshot];
  return next.length <= cap ? next : thin(next);
}

/** The history appendSnapshot would have built from `snapshots`, in linear time. */
export function historyOf(
  snapshots: Snapshot[],
  cap = HISTORY_CAP,
): Snapshot[] {
  let history: Snapshot[] = [];
  for (const snapshot of snapshots) {
    history.push(snapshot);
    if (history.length > cap) history = thin(history);
  }
  return history;
}

/** Drops every second snapshot of the older half. */
function thin(history: Snapshot[]): Snapshot[] {
  const half = Math.floor(history.length / 2);
  const older = history.slice(0, half).filter((_, i) => i % 2 === 0);
  return [...older, ...history.slice(half)];
}

/** Reports rejected in `after` that were not already in `before`. */
function newRejects(before: FileReport[], after: FileReport[]): FileReport[] {
  const seen = new Set(
    before.filter((r) => !r.ok).map((r) => `${r.file}\n${r.error}`),
  );
  return after.filter((r) => !r.ok && !seen.has(`${r.file}\n${r.error}`));
}

function rejectMessage(report: FileReport): string {
  const error = report.error ?? 'rejected';
  const base = report.file.split('/').pop() ?? report.file;
  return error.includes(base) ? error : `${report.file}: ${error}`;
}
