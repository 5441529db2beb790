/**
 * The recurrent settings without the store: how each field of the search and
 * retrain configs is edited and checked, which preset a config matches, and
 * which reader a dropped file goes to. Plain functions, so tests and other
 * modules use them without the worker or zustand.
 */
import {
  RNN_PAPER_CONFIG,
  RNN_PRESETS,
  type RnnPresetName,
  type RnnSearchConfig,
} from '../core/rnnConfig';
import {
  RNN_PAPER_RETRAIN,
  RNN_RETRAIN_PRESETS,
  type RnnRetrainConfig,
} from '../core/rnnRetrain';
import type { RnnDropouts } from '../core/rnnSearchModel';
import { classifyPtbName, type PtbFileReport } from '../data/ptb';
import type { PtbSummary } from '../../workers/api';

/** The search space the page shows: CIFAR-10 cells or the PTB recurrent cell. */
export type Space = 'cnn' | 'rnn';

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

/** Text typed into fields that is not a number, by field. */
export type RnnTyped = Partial<Record<RnnFieldKey, string>>;

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
  typed: RnnTyped = {},
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

/** The report's error, naming the file if the reader's message does not. */
export function ptbRejectMessage(report: PtbFileReport): string {
  const error = report.error ?? 'rejected';
  const base = report.file.split(/[\\/]/).pop() ?? report.file;
  return error.includes(base) ? error : `${report.file}: ${error}`;
}

/** The typed-text map after a field change: kept only while it is not a number. */
export function typedAfter(
  typed: RnnTyped,
  key: RnnFieldKey,
  value: number | string,
  text: string | undefined,
): RnnTyped {
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
