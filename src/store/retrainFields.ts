/**
 * The retrain settings without the store: how each RetrainConfig field is
 * edited and checked, and which preset a config matches. It imports neither
 * the worker nor zustand, so the Node runner (scripts/retrain.ts) checks its
 * options with the same table as the studio.
 */
import {
  PAPER_RETRAIN,
  RETRAIN_PRESETS,
  type RetrainConfig,
  type RetrainPresetName,
} from '../core/retrainConfig';

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

/** How a message names a field: the studio by its label, the CLI by its flag. */
export type RetrainFieldNamer = (field: RetrainFieldSpec) => string;

/** "Retrain: Gradient clip", as the settings and the banner name a field. */
export const studioFieldName: RetrainFieldNamer = (field) =>
  `Retrain: ${field.label}`;

/** Why `value` does not fit `field`, naming it with `nameOf`; null if it fits. */
export function checkRetrainField(
  field: RetrainFieldSpec,
  value: unknown,
  typed?: string,
  nameOf: RetrainFieldNamer = studioFieldName,
): string | null {
  const name = nameOf(field);
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

/**
 * Every field out of range, a schedule that rises, and classes too few for
 * the data; `nameOf` names the fields (the CLI passes its flags).
 */
export function validateRetrainConfig(
  config: RetrainConfig,
  classesInData?: number,
  typed: Partial<Record<keyof RetrainConfig, string>> = {},
  nameOf: RetrainFieldNamer = studioFieldName,
): RetrainProblem[] {
  const problems: RetrainProblem[] = [];
  const name = (key: keyof RetrainConfig) =>
    nameOf(RETRAIN_FIELDS.find((f) => f.key === key)!);

  for (const field of RETRAIN_FIELDS) {
    const problem = checkRetrainField(
      field,
      config[field.key],
      typed[field.key],
      nameOf,
    );
    if (problem) problems.push({ key: field.key, message: problem });
  }
  const ok = (key: keyof RetrainConfig) => !problems.some((p) => p.key === key);
  if (ok('lr') && ok('lrMin') && config.lrMin > config.lr) {
    problems.push({
      key: 'lrMin',
      message: `${name('lrMin')} is ${config.lrMin}, above the learning rate ${config.lr}; set it lower`,
    });
  }
  if (
    ok('numClasses') &&
    classesInData !== undefined &&
    config.numClasses < classesInData
  ) {
    problems.push({
      key: 'numClasses',
      message: `${name('numClasses')} is ${config.numClasses} but the data has ${classesInData}; set it to ${classesInData}`,
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
