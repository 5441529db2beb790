/**
 * The retrain view's store: which genotype to train (the search's, a file's
 * or a named one), the retrain settings, the run's state and snapshots, the
 * runs to compare, and the model loaded for classifying images. Worker
 * calls go through the search worker's client (`workerApi` in studio.ts);
 * faults go to the studio's banner.
 */
import { create } from 'zustand';
import type { Genotype } from '../core/genotype';
import { parseGenotypeJson, parseGenotypePython } from '../core/genotypeJson';
import { NAMED_GENOTYPES } from '../core/namedGenotypes';
import type { RetrainSnapshot, TestResult } from '../core/retrain';
import {
  PAPER_RETRAIN,
  RETRAIN_PRESETS,
  type RetrainConfig,
  type RetrainPresetName,
} from '../core/retrainConfig';
import type {
  Classification,
  LoadedModelInfo,
  ModelFilesOut,
  RetrainInfo,
  RunState,
} from '../../workers/api';
import { GENOTYPE_MAX_BYTES, isLive, useStudio, workerApi } from './studio';

export type GenotypeSourceKind = 'derived' | 'imported' | 'named';

export type RetrainFieldGroup =
  'network' | 'training' | 'regularisation' | 'data';

/** How one RetrainConfig field is edited and checked. */
export interface RetrainFieldSpec {
  key: keyof RetrainConfig;
  label: string;
  group: RetrainFieldGroup;
  hint: string;
  kind: 'int' | 'float' | 'bool';
  min?: number;
  max?: number;
  /** The lower bound itself is not allowed (a learning rate of 0). */
  above?: boolean;
}

export const RETRAIN_GROUP_TITLES: Record<RetrainFieldGroup, string> = {
  network: 'Network',
  training: 'Training (SGD)',
  regularisation: 'Regularisation',
  data: 'Data',
};

export const RETRAIN_FIELDS: RetrainFieldSpec[] = [
  {
    key: 'channels',
    label: 'Initial channels C',
    group: 'network',
    hint: 'Channels of the first cells; doubled at each reduction',
    kind: 'int',
    min: 1,
    max: 128,
  },
  {
    key: 'layers',
    label: 'Cells',
    group: 'network',
    hint: 'Stacked cells; reductions at 1/3 and 2/3 of the depth',
    kind: 'int',
    min: 3,
    max: 40,
  },
  {
    key: 'numClasses',
    label: 'Classes',
    group: 'network',
    hint: 'Outputs of the classifier; at least the classes in the data',
    kind: 'int',
    min: 2,
    max: 256,
  },
  {
    key: 'auxiliary',
    label: 'Auxiliary head',
    group: 'network',
    hint: 'An extra classifier after the second reduction, for training only',
    kind: 'bool',
  },
  {
    key: 'epochs',
    label: 'Epochs',
    group: 'training',
    hint: 'Passes over the training images; the cosine schedule spans them',
    kind: 'int',
    min: 1,
    max: 2000,
  },
  {
    key: 'batchSize',
    label: 'Batch size',
    group: 'training',
    hint: 'Images per step',
    kind: 'int',
    min: 1,
    max: 1024,
  },
  {
    key: 'lr',
    label: 'Learning rate',
    group: 'training',
    hint: 'SGD learning rate at the start of the cosine schedule',
    kind: 'float',
    min: 0,
    max: 10,
    above: true,
  },
  {
    key: 'lrMin',
    label: 'Minimum learning rate',
    group: 'training',
    hint: 'Where the cosine schedule ends',
    kind: 'float',
    min: 0,
    max: 10,
  },
  {
    key: 'momentum',
    label: 'Momentum',
    group: 'training',
    hint: 'SGD momentum',
    kind: 'float',
    min: 0,
    max: 0.999,
  },
  {
    key: 'weightDecay',
    label: 'Weight decay',
    group: 'training',
    hint: 'L2 on the weights, added to the gradient',
    kind: 'float',
    min: 0,
    max: 1,
  },
  {
    key: 'gradClip',
    label: 'Gradient clip',
    group: 'training',
    hint: 'Global norm the gradient is clipped to',
    kind: 'float',
    min: 0,
    max: 1000,
    above: true,
  },
  {
    key: 'auxWeight',
    label: 'Auxiliary weight',
    group: 'regularisation',
    hint: 'Weight of the auxiliary head’s loss',
    kind: 'float',
    min: 0,
    max: 10,
  },
  {
    key: 'cutout',
    label: 'Cutout',
    group: 'regularisation',
    hint: 'Side of the square cut out of each image, in pixels (0 = off)',
    kind: 'int',
    min: 0,
    max: 32,
  },
  {
    key: 'dropPath',
    label: 'Drop path',
    group: 'regularisation',
    hint: 'Probability reached at the last epoch, ramped from 0',
    kind: 'float',
    min: 0,
    max: 0.9,
  },
  {
    key: 'maxImages',
    label: 'Image cap',
    group: 'data',
    hint: 'Train on at most this many images (0 = all)',
    kind: 'int',
    min: 0,
    max: 1_000_000,
  },
  {
    key: 'maxTestImages',
    label: 'Test image cap',
    group: 'data',
    hint: 'Test on at most this many images (0 = all of test_batch.bin)',
    kind: 'int',
    min: 0,
    max: 1_000_000,
  },
  {
    key: 'seed',
    label: 'Seed',
    group: 'data',
    hint: 'Seeds initialisation, shuffling, augmentation and drop path',
    kind: 'int',
    min: 0,
    max: 2 ** 32 - 1,
  },
  {
    key: 'snapshotEvery',
    label: 'Snapshot every',
    group: 'data',
    hint: 'Steps between progress updates (a studio setting)',
    kind: 'int',
    min: 1,
    max: 10_000,
  },
];

/** Why `value` does not fit `field`, naming it as the settings do; null if it fits. */
export function checkRetrainField(
  field: RetrainFieldSpec,
  value: unknown,
  typed?: string,
): string | null {
  const name = `Retrain: ${field.label}`;
  if (field.kind === 'bool') {
    return typeof value === 'boolean' ? null : `${name} must be on or off`;
  }
  const n = value as number;
  if (typeof n !== 'number' || !Number.isFinite(n)) {
    if (typed !== undefined && typed.trim() === '') {
      return `${name} is empty; enter a number`;
    }
    const got = typed !== undefined ? `"${typed.trim()}"` : String(value);
    return `${name} must be a number; got ${got}`;
  }
  if (field.kind === 'int' && !Number.isInteger(n)) {
    return `${name} must be a whole number; got ${n}`;
  }
  if (field.min !== undefined && field.above && n <= field.min) {
    return `${name} must be above ${field.min}; got ${n}`;
  }
  if (field.min !== undefined && n < field.min) {
    return `${name} must be at least ${field.min}; got ${n}`;
  }
  if (field.max !== undefined && n > field.max) {
    return `${name} must be at most ${field.max}; got ${n}`;
  }
  return null;
}

/** One problem with a retrain setting, phrased for the banner. */
export interface RetrainProblem {
  key: keyof RetrainConfig;
  message: string;
}

/** Every field out of range, a schedule that rises, and classes too few for the data. */
export function validateRetrainConfig(
  config: RetrainConfig,
  classesInData?: number,
  typed: Partial<Record<keyof RetrainConfig, string>> = {},
): RetrainProblem[] {
  const problems: RetrainProblem[] = [];

  for (const field of RETRAIN_FIELDS) {
    const problem = checkRetrainField(
      field,
      config[field.key],
      typed[field.key],
    );
    if (problem) problems.push({ key: field.key, message: problem });
  }
  const ok = (key: keyof RetrainConfig) => !problems.some((p) => p.key === key);
  if (ok('lr') && ok('lrMin') && config.lrMin > config.lr) {
    problems.push({
      key: 'lrMin',
      message: `Retrain: Minimum learning rate is ${config.lrMin}, above the learning rate ${config.lr}; set it lower`,
    });
  }
  if (
    ok('numClasses') &&
    classesInData !== undefined &&
    config.numClasses < classesInData
  ) {
    problems.push({
      key: 'numClasses',
      message: `Retrain: Classes is ${config.numClasses} but the data has ${classesInData}; set it to ${classesInData}`,
    });
  }
  return problems;
}

/** The preset `config` equals, or 'Custom'. */
export function retrainPresetOf(
  config: RetrainConfig,
): RetrainPresetName | 'Custom' {
  const names = Object.keys(RETRAIN_PRESETS) as RetrainPresetName[];
  return (
    names.find((name) =>
      RETRAIN_FIELDS.every(
        (field) => config[field.key] === RETRAIN_PRESETS[name][field.key],
      ),
    ) ?? 'Custom'
  );
}

/** The reference train.py's value of a field, shown beside its hint. */
export function paperRetrainValue(key: keyof RetrainConfig): string {
  const value = PAPER_RETRAIN[key];
  return typeof value === 'boolean' ? (value ? 'on' : 'off') : String(value);
}

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
    ? { genotype: derived, name: `search, step ${latest?.step ?? 0}` }
    : null;
}

export const useRetrain = create<RetrainState>()((set, get) => {
  const pushError = (error: { name: string; message: string }) =>
    useStudio.getState().pushError(error);

  /** Runs a worker call; a rejection becomes a banner line instead of an exception. */
  const call = async <T>(
    task: (api: NonNullable<ReturnType<typeof workerApi>>) => Promise<T>,
  ): Promise<T | null> => {
    const api = workerApi();
    if (!api) {
      pushError({
        name: 'NotReady',
        message: 'The search worker has not started; reload the page',
      });
      return null;
    }
    try {
      return await task(api);
    } catch (error) {
      pushError(asNamed(error));
      return null;
    }
  };

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
      if (file.size > GENOTYPE_MAX_BYTES) {
        pushError({
          name: 'GenotypeTooLarge',
          message:
            `${file.name}: ${file.size} bytes is too big for a genotype; ` +
            'choose the JSON the studio exported or a Python Genotype(...) line',
        });
        return;
      }
      try {
        const text = await file.text();
        const python =
          /\.(py|txt)$/i.test(file.name) || /^\s*Genotype\s*\(/.test(text);
        const genotype = python
          ? parseGenotypePython(text, file.name)
          : parseGenotypeJson(text, file.name).genotype;
        set({
          imported: { file: file.name, genotype },
          sourceKind: 'imported',
        });
      } catch (error) {
        pushError(asNamed(error));
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
      const info = await call((api) =>
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

    async togglePause() {
      const { runState, request } = get();
      if (request !== null) return;
      if (runState === 'running') {
        set({ request: 'pausing' });
        if ((await call((api) => api.retrainPause())) === null) {
          set({ request: null });
        }
      } else if (runState === 'paused') {
        await call((api) => api.retrainResume());
      }
    },

    async step() {
      if (get().stepping) return;
      set({ stepping: true });
      try {
        await call((api) => api.retrainStep());
      } finally {
        set({ stepping: false });
      }
    },

    async stop() {
      if (!isLive(get().runState)) return;
      set({ request: 'stopping' });
      if ((await call((api) => api.retrainStop())) === null) {
        set({ request: null });
      }
    },

    async test() {
      if (get().testing) return;
      set({ testing: true });
      try {
        await call((api) => api.retrainTest());
      } finally {
        set({ testing: false });
      }
    },

    async exportModel() {
      if (!get().info) {
        pushError({
          name: 'NoModel',
          message:
            'Download model: no network has been trained yet; press Start in the Retrain view first',
        });
        return null;
      }
      return call((api) => api.exportModel());
    },

    async loadModel(files) {
      if (files.length === 0) return;
      const model = await call((api) => api.loadModel(files));
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
      const classification = await call((api) => api.classify(file));
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
  };
});

/** Appends `snapshot`; past `cap`, every second one of the older half goes. */
export function appendRetrainSnapshot(
  history: RetrainSnapshot[],
  snapshot: RetrainSnapshot,
  cap = RETRAIN_HISTORY_CAP,
): RetrainSnapshot[] {
  const next = [...history, snapshot];
  if (next.length <= cap) return next;
  const half = Math.floor(next.length / 2);
  const older = next.slice(0, half).filter((_, i) => i % 2 === 0);
  return [...older, ...next.slice(half)];
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

/** Comlink keeps only name, message and stack of an Error: that is all we use. */
function asNamed(error: unknown): { name: string; message: string } {
  if (
    error instanceof Error ||
    (typeof error === 'object' && error !== null && 'message' in error)
  ) {
    const e = error as { name?: string; message: string };
    return {
      name: e.name && e.name !== 'Error' ? e.name : 'Error',
      message: e.message,
    };
  }
  return { name: 'Error', message: String(error) };
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
