/**
 * The recurrent side of the studio: which search space the page shows, the
 * Penn Treebank corpus the worker holds, the recurrent search and the
 * recurrent retrain with their settings, as the worker reports them. Worker
 * calls go through the search worker's client (`workerApi` in studio.ts);
 * faults go to the studio's banner.
 */
import { create } from 'zustand';
import {
  RNN_PAPER_CONFIG,
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
  RNN_PAPER_RETRAIN,
  RNN_RETRAIN_PRESETS,
  type RnnRetrainConfig,
  type RnnRetrainSnapshot,
} from '../core/rnnRetrain';
import type { RnnSnapshot } from '../core/rnnSearch';
import type { RnnDropouts } from '../core/rnnSearchModel';
import {
  RNN_NUM_EDGES,
  RNN_NUM_OPS,
  RNN_PRIMITIVES,
  rnnEdgeIndex,
} from '../core/rnnSpace';
import { classifyPtbName, type PtbFileReport } from '../data/ptb';
import type { PtbSummary, RunState } from '../../workers/api';
import { GENOTYPE_MAX_BYTES, isLive, useStudio, workerApi } from './studio';

/** The search space the page shows: CIFAR-10 cells or the PTB recurrent cell. */
export type Space = 'cnn' | 'rnn';

/** Snapshots kept per run; past it the older half is thinned to every second one. */
export const RNN_HISTORY_CAP = 3000;

export type RnnGenotypeSource = 'derived' | 'named' | 'imported';

export type RnnFieldGroup =
  'network' | 'weights' | 'arch' | 'regularisation' | 'data';

/** A field of either config: a top-level key, or `dropouts.<key>`. */
export type RnnFieldKey =
  | Exclude<keyof RnnSearchConfig | keyof RnnRetrainConfig, 'dropouts'>
  | `dropouts.${keyof RnnDropouts}`;

/** How one recurrent setting is edited, checked and explained. */
export interface RnnFieldSpec {
  key: RnnFieldKey;
  label: string;
  group: RnnFieldGroup;
  hint: string;
  kind: 'int' | 'float' | 'order';
  min?: number;
  max?: number;
  /** The lower bound itself is not allowed (a learning rate of 0). */
  above?: boolean;
  /** Changing it changes the network, so it is locked while a search is live. */
  shapesNetwork?: boolean;
}

export const RNN_GROUP_TITLES: Record<RnnFieldGroup, string> = {
  network: 'Network',
  weights: 'Weights optimiser (SGD)',
  arch: 'Architecture optimiser (Adam)',
  regularisation: 'Dropout and TAR',
  data: 'Data',
};

const int = (
  key: RnnFieldKey,
  label: string,
  group: RnnFieldGroup,
  hint: string,
  min: number,
  max: number,
  shapesNetwork = false,
): RnnFieldSpec => ({
  key,
  label,
  group,
  hint,
  kind: 'int',
  min,
  max,
  shapesNetwork,
});

const float = (
  key: RnnFieldKey,
  label: string,
  group: RnnFieldGroup,
  hint: string,
  min: number,
  max: number,
  above = false,
): RnnFieldSpec => ({
  key,
  label,
  group,
  hint,
  kind: 'float',
  min,
  max,
  above,
});

const dropout = (key: keyof RnnDropouts, label: string, hint: string) =>
  float(`dropouts.${key}`, label, 'regularisation', hint, 0, 0.95);

/** Fields both configs share, in the order the settings list them. */
const SHARED_FIELDS: RnnFieldSpec[] = [
  int(
    'hidden',
    'Hidden size',
    'network',
    'Embedding and hidden state size (equal, as the reference)',
    1,
    2048,
    true,
  ),
  int(
    'epochs',
    'Epochs',
    'weights',
    'Passes over the training tokens',
    1,
    10_000,
  ),
  float(
    'lr',
    'Learning rate',
    'weights',
    'SGD lr, rescaled per chunk by its length / bptt',
    0,
    1000,
    true,
  ),
  float(
    'clip',
    'Gradient clip',
    'weights',
    'Global norm the weight gradient is clipped to',
    0,
    1000,
    true,
  ),
  float(
    'weightDecay',
    'Weight decay',
    'weights',
    'L2 on the weights, added to the gradient',
    0,
    1,
  ),
  dropout('output', 'Output dropout', 'On the cell outputs before the decoder'),
  dropout('hidden', 'Hidden dropout', 'On the states fed to every node'),
  dropout('input', 'Input dropout', 'On x_t fed to node 0'),
  dropout(
    'embeddingOutput',
    'Embedding output dropout',
    'On the embedded words',
  ),
  dropout(
    'embedding',
    'Embedding dropout',
    'Whole word types of the embedding',
  ),
  float(
    'tarBeta',
    'TAR β',
    'regularisation',
    'Temporal activation regularisation on the raw outputs',
    0,
    100,
  ),
  int(
    'batchSize',
    'Batch size',
    'data',
    'Columns the training stream is cut into',
    1,
    4096,
    true,
  ),
  int(
    'bptt',
    'BPTT',
    'data',
    'Tokens per chunk (the sequence length)',
    2,
    1000,
  ),
  int(
    'evalBatchSize',
    'Eval batch size',
    'data',
    'Columns of the validation stream',
    1,
    4096,
  ),
  int(
    'maxTokens',
    'Token cap',
    'data',
    'Train on at most this many tokens (0 = all)',
    0,
    100_000_000,
  ),
  int(
    'seed',
    'Seed',
    'data',
    'Seeds initialisation, chunk lengths and dropout',
    0,
    2 ** 32 - 1,
  ),
  int(
    'snapshotEvery',
    'Snapshot every',
    'data',
    'Steps between progress updates (a studio setting)',
    1,
    10_000,
  ),
];

/** Every RnnSearchConfig field: the shared ones and the architecture optimiser. */
export const RNN_SEARCH_FIELDS: RnnFieldSpec[] = [
  ...SHARED_FIELDS,
  float(
    'archLr',
    'Arch learning rate',
    'arch',
    'Adam lr of the alphas',
    0,
    10,
    true,
  ),
  float(
    'archWeightDecay',
    'Arch weight decay',
    'arch',
    'L2 on the alphas',
    0,
    1,
  ),
  float('archBeta1', 'Adam β1', 'arch', 'First-moment decay', 0, 0.9999),
  float('archBeta2', 'Adam β2', 'arch', 'Second-moment decay', 0, 0.99999),
  {
    key: 'order',
    label: 'Order',
    group: 'arch',
    hint: 'First order, or the virtual step (second order)',
    kind: 'order',
  },
];

/** Every RnnRetrainConfig field: the shared ones, the ASGD switch and testing. */
export const RNN_RETRAIN_FIELDS: RnnFieldSpec[] = [
  ...SHARED_FIELDS,
  int(
    'nonmono',
    'Non-monotone interval',
    'weights',
    'Epochs of validation history before the switch to ASGD',
    0,
    1000,
  ),
  int(
    'testBatchSize',
    'Test batch size',
    'data',
    'Columns of the test stream (1 in the reference)',
    1,
    4096,
  ),
];

/** The field `key` of `config`: a number, or 'first' | 'second' for order. */
export function readRnnField(
  config: RnnSearchConfig | RnnRetrainConfig,
  key: RnnFieldKey,
): number | string {
  if (key.startsWith('dropouts.')) {
    return config.dropouts[key.slice(9) as keyof RnnDropouts];
  }
  return (config as unknown as Record<string, number | string>)[key];
}

/** `config` with field `key` set to `value` (a copy; nested dropouts copied too). */
export function withRnnField<C extends RnnSearchConfig | RnnRetrainConfig>(
  config: C,
  key: RnnFieldKey,
  value: number | string,
): C {
  if (key.startsWith('dropouts.')) {
    const dropouts = { ...config.dropouts, [key.slice(9)]: value as number };
    return { ...config, dropouts };
  }
  return { ...config, [key]: value };
}

/** Why `value` does not fit `field` ("Recurrent search: Batch size …"); null if it fits. */
export function checkRnnField(
  field: RnnFieldSpec,
  value: unknown,
  prefix: string,
  typed?: string,
): string | null {
  const name = `${prefix}: ${field.label}`;
  if (field.kind === 'order') {
    return value === 'first' || value === 'second'
      ? null
      : `${name} must be first or second; got ${String(value)}`;
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

/** One problem with a recurrent setting, phrased for the banner. */
export interface RnnProblem {
  key: RnnFieldKey;
  message: string;
}

type Typed = Partial<Record<RnnFieldKey, string>>;

/** The token counts the splits must fill; null checks the fields alone. */
export type CorpusSize = Pick<
  PtbSummary,
  'trainTokens' | 'validTokens' | 'testTokens'
>;

export const SEARCH_PREFIX = 'Recurrent search';
export const RETRAIN_PREFIX = 'Recurrent retrain';

/**
 * Every field out of range, then whether each split the run cuts into
 * columns gives at least 2 rows (an input row and its target) at the chosen
 * batch sizes: otherwise the worker could not build the run.
 */
export function validateRnnConfig(
  config: RnnSearchConfig | RnnRetrainConfig,
  kind: 'search' | 'retrain',
  corpus: CorpusSize | null,
  typed: Typed = {},
): RnnProblem[] {
  const fields = kind === 'search' ? RNN_SEARCH_FIELDS : RNN_RETRAIN_FIELDS;
  const prefix = kind === 'search' ? SEARCH_PREFIX : RETRAIN_PREFIX;
  const problems: RnnProblem[] = [];
  for (const field of fields) {
    const value = readRnnField(config, field.key);
    const problem = checkRnnField(field, value, prefix, typed[field.key]);
    if (problem) problems.push({ key: field.key, message: problem });
  }
  if (!corpus) return problems;

  // Only a field's own fault silences the corpus checks on it.
  const faulty = new Set(problems.map((p) => p.key));
  const ok = (key: RnnFieldKey) => !faulty.has(key);
  const rows = (
    key: RnnFieldKey,
    tokens: number,
    split: string,
    fix: string,
  ) => {
    const batch = readRnnField(config, key) as number;
    if (!ok(key) || Math.floor(tokens / batch) >= 2) return;
    const label = fields.find((f) => f.key === key)!.label;
    problems.push({
      key,
      message:
        `${prefix}: ${label} ${batch} cuts the ${tokens.toLocaleString('en-US')} ` +
        `${split} tokens into ${Math.floor(tokens / batch)} rows; at least 2 ` +
        `are needed — set it to at most ${Math.max(1, Math.floor(tokens / 2))}${fix}`,
    });
  };

  const cap = ok('maxTokens') && config.maxTokens > 0 ? config.maxTokens : 0;
  const train =
    cap > 0 ? Math.min(cap, corpus.trainTokens) : corpus.trainTokens;
  rows(
    'batchSize',
    train,
    'training',
    cap > 0 ? ' or raise the token cap' : '',
  );
  // The search takes its architecture batches from the validation split.
  if (kind === 'search') {
    rows('batchSize', corpus.validTokens, 'validation', '');
  }
  rows('evalBatchSize', corpus.validTokens, 'validation', '');
  if (kind === 'retrain' && corpus.testTokens > 0) {
    rows('testBatchSize', corpus.testTokens, 'test', '');
  }
  return problems;
}

/** The preset `config` equals in every field, or 'Custom'. */
export function rnnPresetOf(
  config: RnnSearchConfig | RnnRetrainConfig,
  kind: 'search' | 'retrain',
): RnnPresetName | 'Custom' {
  const presets = kind === 'search' ? RNN_PRESETS : RNN_RETRAIN_PRESETS;
  const fields = kind === 'search' ? RNN_SEARCH_FIELDS : RNN_RETRAIN_FIELDS;
  const names = Object.keys(presets) as RnnPresetName[];
  return (
    names.find((name) =>
      fields.every(
        (f) =>
          readRnnField(config, f.key) === readRnnField(presets[name], f.key),
      ),
    ) ?? 'Custom'
  );
}

/** The reference's value of a field (train_search.py or train.py). */
export function paperRnnValue(
  key: RnnFieldKey,
  kind: 'search' | 'retrain',
): string {
  return String(
    readRnnField(kind === 'search' ? RNN_PAPER_CONFIG : RNN_PAPER_RETRAIN, key),
  );
}

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
  if (next.length <= cap) return next;
  const half = Math.floor(next.length / 2);
  const older = next.slice(0, half).filter((_, i) => i % 2 === 0);
  return [...older, ...next.slice(half)];
}

/** Names that belong to CIFAR-10: its batches, its meta file and its archives. */
export function isCifarName(name: string): boolean {
  const base = (name.split(/[\\/]/).pop() ?? name).toLowerCase();
  return (
    /\.(bin|tar|tgz|tar\.gz|gz)$/.test(base) || base === 'batches.meta.txt'
  );
}

/**
 * Which loader each dropped file goes to: PTB names to the PTB reader, CIFAR
 * names to the CIFAR reader, and anything else to the reader of the space
 * in view, so its report says what that space expects.
 */
export function routeDrop<F extends { name: string }>(
  files: F[],
  space: Space,
): { ptb: F[]; cifar: F[] } {
  const ptb: F[] = [];
  const cifar: F[] = [];
  for (const file of files) {
    if (classifyPtbName(file.name) !== null) ptb.push(file);
    else if (isCifarName(file.name) || space === 'cnn') cifar.push(file);
    else ptb.push(file);
  }
  return { ptb, cifar };
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
    ? { genotype: latest.genotype, name: `search, step ${latest.step}` }
    : null;
}

export interface RnnState {
  space: Space;
  corpus: PtbSummary | null;
  /** True while PTB files or the demo corpus are being read. */
  loadingPtb: boolean;

  config: RnnSearchConfig;
  /** Text typed into fields that is not a number, echoed in the messages. */
  typed: Typed;
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
  retrainTyped: Typed;
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
}

export const useRnn = create<RnnState>()((set, get) => {
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

  /** Takes a corpus summary; each newly rejected file gets a banner line naming it. */
  const takeCorpus = (summary: PtbSummary | null) => {
    if (!summary) return;
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
      const summary = await call((api) => api.loadPtb(files));
      set({ loadingPtb: false });
      takeCorpus(summary);
    },

    async loadPtbDemo(baseUrl) {
      set({ loadingPtb: true, space: 'rnn' });
      const summary = await call((api) => api.loadPtbDemo(baseUrl));
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
      const built = await call((api) => api.rnnStart(runConfig));
      set({ building: false, params: built?.params ?? null });
    },

    async togglePause() {
      const { searchState, request } = get();
      if (request !== null) return;
      if (searchState === 'running') {
        set({ request: 'pausing' });
        if ((await call((api) => api.rnnPause())) === null) {
          set({ request: null });
        }
      } else if (searchState === 'paused') {
        await call((api) => api.rnnResume());
      }
    },

    async step() {
      if (get().stepping) return;
      set({ stepping: true });
      try {
        await call((api) => api.rnnStep());
      } finally {
        set({ stepping: false });
      }
    },

    async stop() {
      if (!isLive(get().searchState)) return;
      set({ request: 'stopping' });
      if ((await call((api) => api.rnnStop())) === null) set({ request: null });
    },

    async exportGenotype() {
      return call((api) => api.rnnExportGenotype());
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
      if (file.size > GENOTYPE_MAX_BYTES) {
        pushError({
          name: 'GenotypeTooLarge',
          message:
            `${file.name}: ${file.size.toLocaleString('en-US')} bytes is too ` +
            'big for a genotype; choose the JSON the studio exported or a ' +
            'Python Genotype(recurrent=..., concat=...) line',
        });
        return;
      }
      try {
        const text = await file.text();
        const python =
          /\.(py|txt)$/i.test(file.name) || /^\s*Genotype\s*\(/.test(text);
        const genotype = python
          ? parseRnnGenotypePython(text, file.name)
          : parseRnnGenotypeJson(text, file.name).genotype;
        set({
          retrainImported: { file: file.name, genotype },
          retrainSource: 'imported',
        });
      } catch (error) {
        pushError(asNamed(error));
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
      const built = await call((api) =>
        api.rnnRetrainStart(config, chosen.genotype),
      );
      set({ retrainBuilding: false });
      if (built) {
        set((s) => ({
          retrainRun: s.retrainRun && { ...s.retrainRun, params: built.params },
        }));
      }
    },

    async retrainTogglePause() {
      const { retrainState, retrainRequest } = get();
      if (retrainRequest !== null) return;
      if (retrainState === 'running') {
        set({ retrainRequest: 'pausing' });
        if ((await call((api) => api.rnnRetrainPause())) === null) {
          set({ retrainRequest: null });
        }
      } else if (retrainState === 'paused') {
        await call((api) => api.rnnRetrainResume());
      }
    },

    async retrainStop() {
      if (!isLive(get().retrainState)) return;
      set({ retrainRequest: 'stopping' });
      if ((await call((api) => api.rnnRetrainStop())) === null) {
        set({ retrainRequest: null });
      }
    },

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
  };
});

/** The typed-text map after a field change: kept only while it is not a number. */
function typedAfter(
  typed: Typed,
  key: RnnFieldKey,
  value: number | string,
  text: string | undefined,
): Typed {
  const next = { ...typed };
  if (
    text !== undefined &&
    typeof value === 'number' &&
    !Number.isFinite(value)
  ) {
    next[key] = text;
  } else {
    delete next[key];
  }
  return next;
}

/** The report's error, naming the file if the reader's message does not. */
export function ptbRejectMessage(report: PtbFileReport): string {
  const error = report.error ?? 'rejected';
  const base = report.file.split(/[\\/]/).pop() ?? report.file;
  return error.includes(base) ? error : `${report.file}: ${error}`;
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
