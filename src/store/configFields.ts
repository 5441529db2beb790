import {
  PAPER_CONFIG,
  PRESETS,
  type PresetName,
  type SearchConfig,
} from '../core/config';

export type FieldGroup = 'network' | 'weights' | 'arch' | 'data';

/** How one SearchConfig field is edited, checked and explained. */
export interface FieldSpec {
  key: keyof SearchConfig;
  label: string;
  group: FieldGroup;
  /** One line under the input; the paper's value is shown beside it. */
  hint: string;
  kind: 'int' | 'float' | 'order';
  min?: number;
  max?: number;
  /** Whether changing it changes the network, so it is locked while a run is live. */
  shapesNetwork?: boolean;
}

export const GROUP_TITLES: Record<FieldGroup, string> = {
  network: 'Network',
  weights: 'Weights optimiser (SGD)',
  arch: 'Architecture optimiser (Adam)',
  data: 'Data',
};

export const FIELDS: FieldSpec[] = [
  {
    key: 'channels',
    label: 'Initial channels C',
    group: 'network',
    hint: 'Channels of the first cells; doubled at each reduction',
    kind: 'int',
    min: 1,
    max: 64,
    shapesNetwork: true,
  },
  {
    key: 'layers',
    label: 'Cells',
    group: 'network',
    hint: 'Stacked cells; reduction cells sit at 1/3 and 2/3 of the depth',
    kind: 'int',
    min: 3,
    max: 20,
    shapesNetwork: true,
  },
  {
    key: 'numClasses',
    label: 'Classes',
    group: 'network',
    hint: 'Outputs of the classifier; at least the classes in the data',
    kind: 'int',
    min: 2,
    max: 256,
    shapesNetwork: true,
  },
  {
    key: 'epochs',
    label: 'Epochs',
    group: 'weights',
    hint: 'Passes over the weight half of the data; the cosine schedule spans them',
    kind: 'int',
    min: 1,
    max: 1000,
  },
  {
    key: 'lr',
    label: 'Learning rate',
    group: 'weights',
    hint: 'SGD learning rate at the start of the cosine schedule',
    kind: 'float',
    min: 0,
    max: 10,
  },
  {
    key: 'lrMin',
    label: 'Minimum learning rate',
    group: 'weights',
    hint: 'Where the cosine schedule ends',
    kind: 'float',
    min: 0,
    max: 10,
  },
  {
    key: 'momentum',
    label: 'Momentum',
    group: 'weights',
    hint: 'SGD momentum',
    kind: 'float',
    min: 0,
    max: 0.999,
  },
  {
    key: 'weightDecay',
    label: 'Weight decay',
    group: 'weights',
    hint: 'L2 on the network weights, added to the gradient',
    kind: 'float',
    min: 0,
    max: 1,
  },
  {
    key: 'gradClip',
    label: 'Gradient clip',
    group: 'weights',
    hint: 'Global norm the weight gradient is clipped to',
    kind: 'float',
    min: 0,
    max: 1000,
  },
  {
    key: 'order',
    label: 'Order',
    group: 'arch',
    hint: 'First order: dL_val/dα at w; second order unrolls one virtual step (about 2.5x slower)',
    kind: 'order',
  },
  {
    key: 'archLr',
    label: 'Learning rate',
    group: 'arch',
    hint: 'Adam learning rate of the alphas',
    kind: 'float',
    min: 0,
    max: 1,
  },
  {
    key: 'archWeightDecay',
    label: 'Weight decay',
    group: 'arch',
    hint: 'L2 on the alphas',
    kind: 'float',
    min: 0,
    max: 1,
  },
  {
    key: 'archBeta1',
    label: 'β1',
    group: 'arch',
    hint: 'Adam first-moment decay',
    kind: 'float',
    min: 0,
    max: 0.9999,
  },
  {
    key: 'archBeta2',
    label: 'β2',
    group: 'arch',
    hint: 'Adam second-moment decay',
    kind: 'float',
    min: 0,
    max: 0.99999,
  },
  {
    key: 'batchSize',
    label: 'Batch size',
    group: 'data',
    hint: 'Images per step, for the weight batch and the architecture batch each',
    kind: 'int',
    min: 1,
    max: 1024,
  },
  {
    key: 'trainPortion',
    label: 'Train portion',
    group: 'data',
    hint: 'Share of the training images for the weights; the rest train the alphas',
    kind: 'float',
    min: 0.05,
    max: 0.95,
  },
  {
    key: 'maxImages',
    label: 'Image cap',
    group: 'data',
    hint: 'Use at most this many training images (0 = all), for quick runs',
    kind: 'int',
    min: 0,
    max: 1_000_000,
  },
  {
    key: 'seed',
    label: 'Seed',
    group: 'data',
    hint: 'Seeds initialisation, shuffling and augmentation',
    kind: 'int',
    min: 0,
    max: 2 ** 32 - 1,
  },
  {
    key: 'snapshotEvery',
    label: 'Snapshot every',
    group: 'data',
    hint: 'Steps between updates of the cells and charts (a studio setting)',
    kind: 'int',
    min: 1,
    max: 10_000,
  },
];

/** One problem with a setting, phrased for the banner. */
export interface ConfigProblem {
  key: keyof SearchConfig;
  message: string;
}

/** What validateConfig may also check against, when known. */
export interface ConfigContext {
  /** Training images loaded: Image cap and Train portion must leave images for both halves. */
  trainImages?: number;
  /** Text typed into fields that are not numbers, echoed in the messages. */
  typed?: Partial<Record<keyof SearchConfig, string>>;
}

/** Every out-of-range or non-integer field, classes too few for the data, and a split that leaves a half empty. */
export function validateConfig(
  config: SearchConfig,
  classesInData?: number,
  context: ConfigContext = {},
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];

  for (const field of FIELDS) {
    const problem = checkField(
      field,
      config[field.key],
      context.typed?.[field.key],
    );
    if (problem) problems.push({ key: field.key, message: problem });
  }
  if (config.lrMin > config.lr) {
    problems.push({
      key: 'lrMin',
      message: `Minimum learning rate is ${config.lrMin}, above the learning rate ${config.lr}; set it lower`,
    });
  }
  if (classesInData !== undefined && config.numClasses < classesInData) {
    problems.push({
      key: 'numClasses',
      message: `Classes is ${config.numClasses} but the data has ${classesInData}; set it to ${classesInData}`,
    });
  }
  const fieldOk = (key: keyof SearchConfig) =>
    !problems.some((problem) => problem.key === key);
  if (
    context.trainImages !== undefined &&
    context.trainImages > 0 &&
    fieldOk('maxImages') &&
    fieldOk('trainPortion')
  ) {
    const problem = splitProblem(config, context.trainImages);
    if (problem) problems.push(problem);
  }
  return problems;
}

/**
 * Train portion splits the used images (Image cap of them, or all) into a
 * weight half and an architecture half; each needs at least one image.
 */
function splitProblem(
  config: SearchConfig,
  trainImages: number,
): ConfigProblem | null {
  const { maxImages: cap, trainPortion: portion } = config;
  const used = cap > 0 ? Math.min(cap, trainImages) : trainImages;
  const weights = Math.floor(portion * used);
  const arch = used - weights;
  if (weights > 0 && arch > 0) return null;

  const leaves =
    `Train portion ${portion} of ${used} image${used === 1 ? '' : 's'} ` +
    `leaves ${weights} for the weights and ${arch} for the architecture, ` +
    'and each needs at least one';
  const need = fewestImages(portion);
  if (cap > 0 && cap < trainImages && need <= trainImages) {
    return {
      key: 'maxImages',
      message:
        `Image cap is ${cap}: ${leaves}; raise Image cap to at least ` +
        `${need} (or 0 to use all ${trainImages})`,
    };
  }
  return {
    key: 'trainPortion',
    message: `${leaves}; ${
      used >= 2
        ? `set Train portion between ${(1 / used).toFixed(2)} and ${(1 - 1 / used).toFixed(2)}, or load more training images`
        : 'load more training images'
    }`,
  };
}

/** The fewest images that Train portion `portion` splits into two non-empty halves. */
function fewestImages(portion: number): number {
  for (let n = 2; n < 1_000_000; n++) {
    const weights = Math.floor(portion * n);
    if (weights > 0 && weights < n) return n;
  }
  return Infinity;
}

/** Why `value` is not acceptable for `field`, or null; `typed` is the text as typed, if known. */
export function checkField(
  field: FieldSpec,
  value: unknown,
  typed?: string,
): string | null {
  if (field.kind === 'order') {
    return value === 'first' || value === 'second'
      ? null
      : `${field.label} must be 'first' or 'second'`;
  }
  const n = value as number;
  const name = groupedLabel(field);
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
  if (field.min !== undefined && n < field.min) {
    return `${name} must be at least ${field.min}; got ${n}`;
  }
  if (field.max !== undefined && n > field.max) {
    return `${name} must be at most ${field.max}; got ${n}`;
  }
  return null;
}

/** "Architecture optimiser: Learning rate": labels repeat across groups. */
export function groupedLabel(field: FieldSpec): string {
  return field.group === 'network' || field.group === 'data'
    ? field.label
    : `${GROUP_TITLES[field.group].replace(/ \(.*\)/, '')}: ${field.label.toLowerCase()}`;
}

/** The preset `config` equals, or 'Custom'. */
export function presetOf(config: SearchConfig): PresetName | 'Custom' {
  const names = Object.keys(PRESETS) as PresetName[];
  const same = (a: SearchConfig, b: SearchConfig) =>
    FIELDS.every((field) => a[field.key] === b[field.key]);
  return names.find((name) => same(config, PRESETS[name])) ?? 'Custom';
}

/** The paper's value of a field, as shown beside its hint. */
export function paperValue(key: keyof SearchConfig): string {
  return String(PAPER_CONFIG[key]);
}
