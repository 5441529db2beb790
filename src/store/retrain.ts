/**
 * The retrain view's store: which genotype to train (the search's, a file's
 * or a named one), the retrain settings, the run's state and snapshots, the
 * runs to compare, and the model loaded for classifying images. Worker
 * calls go through the search worker's client (`workerApi` in studio.ts);
 * faults go to the studio's banner.
 */
import { create } from 'zustand';
import type { Genotype } from '../core/genotype';
import { parseGenotypeJson } from '../core/genotypeJson';
import { pickPythonGenotype } from '../core/genotypePython';
import { NAMED_GENOTYPES } from '../core/namedGenotypes';
import type { RetrainSnapshot, TestResult } from '../core/retrain';
import {
  RETRAIN_PRESETS,
  type RetrainConfig,
  type RetrainPresetName,
} from '../core/retrainConfig';
import type {
  Classification,
  LoadedModelInfo,
  ModelFilesOut,
  RestoredRetrain,
  RetrainInfo,
  RunState,
} from '../../workers/api';
import {
  readGenotypeFile,
  searchGenotypeName,
  sourceOfName,
  type GenotypeSource,
} from './genotypeSource';
import { appendCapped, cappedHistory } from './rnn';
import { validateRetrainConfig } from './retrainFields';
import { oneAtATime, runControls } from './runControls';
import { useStudio } from './studio';
import { callWorker, pushError } from './workerCall';

export type GenotypeSourceKind = GenotypeSource;

/** One retrain, as the comparison table lists it. */
export interface RetrainRunRow {
  id: number;
  /** The genotype's name: a named genotype, a file name, or "search step N". */
  genotype: string;
  source: GenotypeSourceKind;
  params: number;
  auxParams: number;
  epochs: number;
  /** Epochs trained at the latest test. */
  epochsTested: number;
  /** Top-1 of the latest test in [0, 1]; null before the first. */
  accuracy: number | null;
}

/** The genotype the next Start trains, with the name it goes by; null if none. */
export interface ChosenGenotype {
  genotype: Genotype;
  name: string;
}

export interface RetrainState {
  sourceKind: GenotypeSourceKind;
  /** The genotype read from a file for retraining. */
  imported: { file: string; genotype: Genotype } | null;
  named: string;
  config: RetrainConfig;
  /** Text typed into fields that is not a number, echoed in the messages. */
  typed: Partial<Record<keyof RetrainConfig, string>>;
  runState: RunState;
  request: 'pausing' | 'stopping' | null;
  stepping: boolean;
  testing: boolean;
  /** True from Start until the worker has built the network. */
  building: boolean;
  /** The network built by the latest Start. */
  info: RetrainInfo | null;
  /** What the latest Start trains. */
  run: { genotype: Genotype; name: string; config: RetrainConfig } | null;
  snapshots: RetrainSnapshot[];
  latest: RetrainSnapshot | null;
  runs: RetrainRunRow[];
  model: LoadedModelInfo | null;
  classification: Classification | null;
  classifying: boolean;

  setSourceKind(kind: GenotypeSourceKind): void;
  setNamed(name: string): void;
  importGenotype(file: File): Promise<void>;
  setPreset(name: RetrainPresetName): void;
  setField<K extends keyof RetrainConfig>(
    key: K,
    value: RetrainConfig[K],
    typed?: string,
  ): void;
  start(): Promise<void>;
  togglePause(): Promise<void>;
  step(): Promise<void>;
  stop(): Promise<void>;
  test(): Promise<void>;
  /** The trained network's files, or null (with a banner) if there is none. */
  exportModel(): Promise<ModelFilesOut | null>;
  loadModel(files: File[]): Promise<void>;
  classify(file: File): Promise<void>;
  /** Events from the worker, forwarded by studio.ts. */
  receiveSnapshot(snapshot: RetrainSnapshot): void;
  receiveState(state: RunState): void;
  /** A retrain the worker rebuilt after a reload, paused where it was saved. */
  receiveRestored(restored: RestoredRetrain): void;
}

/** Snapshots kept for the charts; older ones are thinned to every second. */
export const RETRAIN_HISTORY_CAP = 2000;

let nextRunId = 1;

/** The genotype `state` points at, or null when that source has none yet. */
export function chosenGenotype(
  state: Pick<RetrainState, 'sourceKind' | 'imported' | 'named'>,
): ChosenGenotype | null {
  if (state.sourceKind === 'imported') {
    return state.imported
      ? { genotype: state.imported.genotype, name: state.imported.file }
      : null;
  }
  if (state.sourceKind === 'named') {
    const genotype = NAMED_GENOTYPES[state.named];
    return genotype ? { genotype, name: state.named } : null;
  }
  const { genotype, latest } = useStudio.getState();
  const derived = genotype ?? latest?.genotype ?? null;
  return derived
    ? { genotype: derived, name: searchGenotypeName(latest?.step ?? 0) }
    : null;
}

export const useRetrain = create<RetrainState>()((set, get) => {
  const controls = runControls(
    {
      state: () => get().runState,
      request: () => get().request,
      setRequest: (request) => set({ request }),
    },
    {
      pause: (api) => api.retrainPause(),
      resume: (api) => api.retrainResume(),
      stop: (api) => api.retrainStop(),
    },
  );

  return {
    sourceKind: 'derived',
    imported: null,
    named: 'DARTS_V2',
    config: { ...RETRAIN_PRESETS.Demo },
    typed: {},
    runState: 'idle',
    request: null,
    stepping: false,
    testing: false,
    building: false,
    info: null,
    run: null,
    snapshots: [],
    latest: null,
    runs: [],
    model: null,
    classification: null,
    classifying: false,

    setSourceKind(sourceKind) {
      set({ sourceKind });
    },

    setNamed(named) {
      set({ named, sourceKind: 'named' });
    },

    async importGenotype(file) {
      const genotype = await readGenotypeFile(file, {
        tooLarge: (big) =>
          `${big.name}: ${big.size} bytes is too big for a genotype; ` +
          'choose the JSON the studio exported or a Python Genotype(...) line',
        python: (text, name) => pickPythonGenotype(text, name).genotype,
        json: (text, name) => parseGenotypeJson(text, name).genotype,
      });
      if (genotype) {
        set({
          imported: { file: file.name, genotype },
          sourceKind: 'imported',
        });
      }
    },

    setPreset(name) {
      set({ config: { ...RETRAIN_PRESETS[name] }, typed: {} });
    },

    setField(key, value, typed) {
      set((s) => {
        const text = { ...s.typed };
        if (typed !== undefined && typeof value === 'number') {
          if (Number.isFinite(value)) delete text[key];
          else text[key] = typed;
        }
        return { config: { ...s.config, [key]: value }, typed: text };
      });
    },

    async start() {
      // A second Start before the first one's network exists is the same click.
      if (get().building) return;
      const { config, typed } = get();
      const dataset = useStudio.getState().dataset;
      if (!dataset || dataset.trainImages === 0) {
        pushError({
          name: 'NoData',
          message:
            'Retrain: no training images are loaded; drop CIFAR-10 files or press "Try the demo data"',
        });
        return;
      }
      const chosen = chosenGenotype(get());
      if (!chosen) {
        pushError({
          name: 'NoGenotype',
          message: noGenotypeMessage(get().sourceKind),
        });
        return;
      }
      const problems = validateRetrainConfig(
        config,
        dataset.classNames.length,
        typed,
      );
      if (problems.length > 0) {
        for (const problem of problems) {
          pushError({ name: 'Settings', message: problem.message });
        }
        return;
      }

      const runConfig = { ...config };
      set({
        building: true,
        snapshots: [],
        latest: null,
        info: null,
        run: {
          genotype: chosen.genotype,
          name: chosen.name,
          config: runConfig,
        },
      });
      const info = await callWorker((api) =>
        api.retrainStart(runConfig, chosen.genotype, chosen.name),
      );
      set({ building: false });
      if (!info) return;

      const row: RetrainRunRow = {
        id: nextRunId++,
        genotype: chosen.name,
        source: get().sourceKind,
        params: info.params,
        auxParams: info.auxParams,
        epochs: runConfig.epochs,
        epochsTested: 0,
        accuracy: null,
      };
      set((s) => ({ info, runs: [...s.runs, row] }));
    },

    togglePause: controls.togglePause,

    step: oneAtATime(
      { get: () => get().stepping, set: (stepping) => set({ stepping }) },
      (api) => api.retrainStep(),
    ),

    stop: controls.stop,

    test: oneAtATime(
      { get: () => get().testing, set: (testing) => set({ testing }) },
      (api) => api.retrainTest(),
    ),

    async exportModel() {
      if (!get().info) {
        pushError({
          name: 'NoModel',
          message:
            'Download model: no network has been trained yet; press Start in the Retrain view first',
        });
        return null;
      }
      return callWorker((api) => api.exportModel());
    },

    async loadModel(files) {
      if (files.length === 0) return;
      const model = await callWorker((api) => api.loadModel(files));
      if (model) set({ model, classification: null });
    },

    async classify(file) {
      if (!/^image\//.test(file.type) && !/\.(png|jpe?g)$/i.test(file.name)) {
        pushError({
          name: 'NotAnImage',
          message: `${file.name}: not a PNG or JPEG image; drop a picture to classify, or model.json and weights.bin to load a model`,
        });
        return;
      }
      set({ classifying: true });
      const classification = await callWorker((api) => api.classify(file));
      set({ classifying: false });
      if (classification) set({ classification });
    },

    receiveSnapshot(snapshot) {
      set((s) => {
        const snapshots = appendRetrainSnapshot(s.snapshots, snapshot);
        const last = snapshot.tests[snapshot.tests.length - 1];
        const runs =
          last && s.runs.length > 0
            ? s.runs.map((row, i) =>
                i === s.runs.length - 1
                  ? {
                      ...row,
                      accuracy: last.accuracy,
                      epochsTested: last.epochs,
                    }
                  : row,
              )
            : s.runs;
        return { snapshots, latest: snapshot, runs };
      });
    },

    receiveState(runState) {
      set({ runState, request: null });
    },

    receiveRestored(restored) {
      const { config, genotype, source: name, info } = restored;
      const snapshots = cappedHistory(restored.snapshots, RETRAIN_HISTORY_CAP);
      const latest = snapshots[snapshots.length - 1] ?? null;
      const test = latestTest(latest);
      const source = sourceOfName(name, NAMED_GENOTYPES);
      const row: RetrainRunRow = {
        id: nextRunId++,
        genotype: name,
        source,
        params: info.params,
        auxParams: info.auxParams,
        epochs: config.epochs,
        epochsTested: test?.epochs ?? 0,
        accuracy: test?.accuracy ?? null,
      };
      set((s) => ({
        sourceKind: source,
        named: source === 'named' ? name : s.named,
        imported: source === 'imported' ? { file: name, genotype } : s.imported,
        // The settings show the run's, as after its Start.
        config: { ...config },
        typed: {},
        runState: restored.state,
        request: null,
        info,
        run: { genotype, name, config },
        snapshots,
        latest,
        runs: [...s.runs, row],
      }));
    },
  };
});

/** Appends `snapshot`; past `cap`, every second one of the older half goes. */
export function appendRetrainSnapshot(
  history: RetrainSnapshot[],
  snapshot: RetrainSnapshot,
  cap = RETRAIN_HISTORY_CAP,
): RetrainSnapshot[] {
  return appendCapped(history, snapshot, cap);
}

/** The latest test of the run, or null before the first. */
export function latestTest(
  snapshot: RetrainSnapshot | null,
): TestResult | null {
  const tests = snapshot?.tests ?? [];
  return tests.length > 0 ? tests[tests.length - 1] : null;
}

function noGenotypeMessage(kind: GenotypeSourceKind): string {
  if (kind === 'imported') {
    return 'Retrain: no genotype file is imported; choose a genotype JSON or a Python Genotype(...) line, or pick another source';
  }
  if (kind === 'named') {
    return 'Retrain: pick a named genotype from the list';
  }
  return 'Retrain: the search has no genotype yet; run a search in the Search view, import a genotype file, or pick a named genotype';
}

/** Train and test metrics of one epoch, for the retrain charts. */
export interface EpochPoint {
  /** Epochs trained: whole at an epoch's end, fractional for the one in progress. */
  epoch: number;
  /** Means over the epoch's snapshots. */
  trainLoss: number;
  trainAcc: number;
  /** The test after this epoch; NaN if there was none. */
  testLoss: number;
  testAcc: number;
}

/**
 * One point per finished epoch (its snapshots averaged) with the test run
 * after it; the epoch in progress adds each of its snapshots, so the curves
 * show from the first snapshot on.
 */
export function epochPoints(snapshots: RetrainSnapshot[]): EpochPoint[] {
  const last = snapshots[snapshots.length - 1];
  if (!last) return [];
  const perEpoch = Math.max(1, last.stepsPerEpoch);
  const groups = new Map<number, RetrainSnapshot[]>();

  for (const snapshot of snapshots) {
    const epoch = Math.max(1, Math.ceil(snapshot.step / perEpoch));
    groups.set(epoch, [...(groups.get(epoch) ?? []), snapshot]);
  }

  return [...groups].flatMap(([epoch, group]) => {
    if (group[group.length - 1].step < epoch * perEpoch) {
      return group.map((s) => ({
        epoch: s.step / perEpoch,
        trainLoss: s.trainLoss,
        trainAcc: s.trainAcc,
        testLoss: Number.NaN,
        testAcc: Number.NaN,
      }));
    }
    const mean = (value: (s: RetrainSnapshot) => number) =>
      group.reduce((sum, s) => sum + value(s), 0) / group.length;
    const test = last.tests.findLast((t) => t.epochs === epoch);
    return [
      {
        epoch,
        trainLoss: mean((s) => s.trainLoss),
        trainAcc: mean((s) => s.trainAcc),
        testLoss: test?.loss ?? Number.NaN,
        testAcc: test?.accuracy ?? Number.NaN,
      },
    ];
  });
}
