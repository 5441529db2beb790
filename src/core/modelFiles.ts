import type { io } from '@tensorflow/tfjs-core';
import type { Genotype } from './genotype';
import {
  GENOTYPE_FORMAT,
  GENOTYPE_SCHEMA_VERSION,
  GenotypeFormatError,
  parseGenotypeJson,
} from './genotypeJson';
import { PRIMITIVES } from './primitives';

/**
 * A trained evaluation network as TF.js model files: `model.json` in the
 * tf.io ModelArtifacts layout, with our own description of the network as its
 * `modelTopology`, and `weights.bin` holding every weight as float32 in
 * manifest order. tf.io's handlers (browserDownloads, browserFiles, http)
 * save and load the pair unchanged; only this module reads the topology.
 */

/** The `format` tag of a DARTS Studio evaluation network's model.json. */
export const MODEL_FORMAT = 'darts-studio.eval-network';

/** The `modelTopology.schemaVersion` this code writes and the only one it reads. */
export const MODEL_SCHEMA_VERSION = 1;

/** The `generatedBy` field every model.json we write carries. */
export const MODEL_GENERATED_BY = 'DARTS Studio';

/** What a trained evaluation network is, beyond its weights. */
export interface EvalModelMeta {
  genotype: Genotype;
  /** Initial channels C (36 in the reference). */
  channels: number;
  /** Cells in the network (20 in the reference). */
  layers: number;
  numClasses: number;
  /** Whether the weights include the auxiliary head. */
  auxiliary: boolean;
  /** One display name per class, in class-id order. */
  classNames: string[];
  /** Per-channel mean and std the inputs were normalised with. */
  normalisation: { mean: number[]; std: number[] };
  trainedEpochs: number;
  /** Top-1 accuracy on the test set in [0, 1], or null if never tested. */
  testAccuracy: number | null;
}

/** One weight tensor as plain data; `data` is row-major with `shape`. */
export interface NamedWeight {
  name: string;
  shape: number[];
  data: Float32Array;
}

/** The names the two files go by in error messages and the manifest. */
export interface ModelFileNames {
  json: string;
  bin: string;
}

/** A model file pair that cannot be read; the message names the file and fault. */
export class ModelFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelFileError';
  }
}

const DEFAULT_NAMES: ModelFileNames = {
  json: 'model.json',
  bin: 'weights.bin',
};

/** The model.json text and weights.bin bytes for a network and its weights. */
export function encodeModelFiles(
  meta: EvalModelMeta,
  tensors: NamedWeight[],
): { modelJson: string; weightsBin: ArrayBuffer } {
  const artifacts = modelArtifacts(meta, tensors);
  const doc = {
    format: artifacts.format,
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy,
    modelTopology: artifacts.modelTopology,
    weightsManifest: [
      { paths: [DEFAULT_NAMES.bin], weights: artifacts.weightSpecs },
    ],
  };

  return {
    modelJson: JSON.stringify(doc, null, 2) + '\n',
    weightsBin: artifacts.weightData as ArrayBuffer,
  };
}

/**
 * The same network as tf.io ModelArtifacts, e.g. for
 * `tf.io.browserDownloads('model')`, which names the files model.json and
 * model.weights.bin; `decodeModelFiles` reads that pair too.
 */
export function modelArtifacts(
  meta: EvalModelMeta,
  tensors: NamedWeight[],
): io.ModelArtifacts {
  // Never write files that decodeModelFiles would refuse.
  const checked = readTopology(toTopology(meta), new Fault('encodeModelFiles'));
  const specs = tensors.map(({ name, shape }) => ({
    name,
    shape: [...shape],
    dtype: 'float32' as const,
  }));
  const sizes = readSpecs(specs, new Fault('encodeModelFiles'));
  const weightData = new ArrayBuffer(4 * sizes.reduce((a, n) => a + n, 0));
  const all = new Float32Array(weightData);
  let at = 0;

  tensors.forEach((t, i) => {
    if (t.data.length !== sizes[i]) {
      throw new ModelFileError(
        `encodeModelFiles: weight '${t.name}' has ${t.data.length} values ` +
          `but shape [${t.shape.join(', ')}] holds ${sizes[i]}.`,
      );
    }
    all.set(t.data, at);
    at += sizes[i];
  });

  return {
    format: MODEL_FORMAT,
    generatedBy: MODEL_GENERATED_BY,
    convertedBy: null,
    modelTopology: toTopology(checked),
    weightSpecs: specs,
    weightData,
  };
}

/**
 * Reads a model.json and weights.bin pair back, checking every field; each
 * fault throws a ModelFileError that names the file and what to do.
 */
export function decodeModelFiles(
  modelJsonText: string,
  weightsBin: ArrayBuffer,
  fileNames: ModelFileNames = DEFAULT_NAMES,
): { meta: EvalModelMeta; tensors: NamedWeight[] } {
  const fault = new Fault(fileNames.json);
  const root = parseJson(modelJsonText, fault);
  if (root.format !== MODEL_FORMAT) {
    fault.fail(
      `format is ${show(root.format)}; expected '${MODEL_FORMAT}', so this ` +
        'is not a DARTS Studio evaluation network. Pick a model.json ' +
        'that DARTS Studio exported after training a network',
    );
  }
  const meta = readTopology(root.modelTopology, fault);
  const specs = readManifest(root.weightsManifest, fileNames, fault);
  const sizes = readSpecs(specs, fault);

  const values = sizes.reduce((a, n) => a + n, 0);
  if (weightsBin.byteLength !== 4 * values) {
    throw new ModelFileError(
      `${fileNames.bin}: the file is ${weightsBin.byteLength} bytes, but ` +
        `${fileNames.json} describes ${values} float32 values, ` +
        `${4 * values} bytes. Pick the ${fileNames.bin} saved together ` +
        `with this ${fileNames.json}.`,
    );
  }

  // Copies, so each tensor owns its buffer and can be transferred alone.
  let offset = 0;
  const tensors = specs.map((spec, i) => {
    const data = new Float32Array(
      weightsBin.slice(offset, offset + 4 * sizes[i]),
    );
    offset += 4 * sizes[i];
    return { name: spec.name, shape: [...spec.shape], data };
  });

  return { meta, tensors };
}

// ---------------------------------------------------------------------------
// Validation.

/** Prefixes every message with the file (or function) being read. */
class Fault {
  constructor(readonly file: string) {}

  fail(message: string): never {
    throw new ModelFileError(`${this.file}: ${message}.`);
  }
}

function toTopology(meta: EvalModelMeta): Record<string, unknown> {
  return {
    schemaVersion: MODEL_SCHEMA_VERSION,
    genotype: meta.genotype,
    channels: meta.channels,
    layers: meta.layers,
    numClasses: meta.numClasses,
    auxiliary: meta.auxiliary,
    classNames: meta.classNames,
    normalisation: meta.normalisation,
    trainedEpochs: meta.trainedEpochs,
    testAccuracy: meta.testAccuracy,
  };
}

function parseJson(text: string, fault: Fault): Record<string, unknown> {
  let root: unknown;
  try {
    // Editors on Windows may save a byte-order mark, which JSON.parse rejects.
    root = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    fault.fail(
      `not valid JSON (${(err as Error).message}). Pick the model.json ` +
        'exported from DARTS Studio, unedited',
    );
  }
  if (!isObject(root)) {
    fault.fail(`the top level is ${show(root)}; expected an object`);
  }
  return root;
}

function readTopology(value: unknown, fault: Fault): EvalModelMeta {
  if (!isObject(value)) {
    fault.fail(`modelTopology is ${show(value)}; expected an object`);
  }
  const t = value;
  if (t.schemaVersion !== MODEL_SCHEMA_VERSION) {
    fault.fail(
      `modelTopology.schemaVersion ${show(t.schemaVersion)} is not ` +
        `understood; this version of DARTS Studio reads schemaVersion ` +
        `${MODEL_SCHEMA_VERSION} only`,
    );
  }
  const count = (key: string, min: number): number => {
    const v = t[key];
    if (!Number.isInteger(v) || (v as number) < min) {
      fault.fail(
        `modelTopology.${key} is ${show(v)}; expected an integer >= ${min}`,
      );
    }
    return v as number;
  };

  const numClasses = count('numClasses', 1);
  return {
    genotype: readGenotype(t.genotype, fault),
    channels: count('channels', 1),
    layers: count('layers', 1),
    numClasses,
    auxiliary: readBoolean(t.auxiliary, fault),
    classNames: readClassNames(t.classNames, numClasses, fault),
    normalisation: readNormalisation(t.normalisation, fault),
    trainedEpochs: count('trainedEpochs', 0),
    testAccuracy: readAccuracy(t.testAccuracy, fault),
  };
}

function readGenotype(value: unknown, fault: Fault): Genotype {
  if (!isObject(value) || !('normal' in value)) {
    fault.fail(
      `modelTopology.genotype is ${show(value)}; expected an object with ` +
        `normal, normalConcat, reduce and reduceConcat`,
    );
  }
  // Wrapped as a genotype file so the genotype reader checks ops, inputs and
  // concats and names fields as we write them (camelCase).
  const doc = {
    format: GENOTYPE_FORMAT,
    schemaVersion: GENOTYPE_SCHEMA_VERSION,
    searchSpace: 'darts-cnn',
    primitives: PRIMITIVES,
    normal: value.normal,
    normalConcat: value.normalConcat,
    reduce: value.reduce,
    reduceConcat: value.reduceConcat,
  };
  try {
    return parseGenotypeJson(
      JSON.stringify(doc),
      `${fault.file}: modelTopology.genotype`,
    ).genotype;
  } catch (err) {
    if (err instanceof GenotypeFormatError) {
      throw new ModelFileError(err.message);
    }
    throw err;
  }
}

function readBoolean(value: unknown, fault: Fault): boolean {
  if (typeof value !== 'boolean') {
    fault.fail(`modelTopology.auxiliary is ${show(value)}; expected a boolean`);
  }
  return value;
}

function readClassNames(
  value: unknown,
  numClasses: number,
  fault: Fault,
): string[] {
  if (
    !Array.isArray(value) ||
    value.length !== numClasses ||
    !value.every((v) => typeof v === 'string')
  ) {
    fault.fail(
      `modelTopology.classNames is ${show(value)}; expected ${numClasses} ` +
        'strings, one per class',
    );
  }
  return [...value];
}

function readNormalisation(
  value: unknown,
  fault: Fault,
): { mean: number[]; std: number[] } {
  const mean = isObject(value) ? value.mean : undefined;
  const std = isObject(value) ? value.std : undefined;
  if (
    !isNumbers(mean) ||
    !isNumbers(std) ||
    mean.length !== std.length ||
    !std.every((s) => s > 0)
  ) {
    fault.fail(
      'modelTopology.normalisation is malformed; expected {mean, std} as ' +
        'equal-length arrays of per-channel numbers, every std > 0',
    );
  }
  return { mean: [...mean], std: [...std] };
}

function readAccuracy(value: unknown, fault: Fault): number | null {
  if (value === null) return null;
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
    fault.fail(
      `modelTopology.testAccuracy is ${show(value)}; expected a fraction ` +
        'in [0, 1] or null',
    );
  }
  return value;
}

/** The weight specs of a manifest whose one group points at the bin file. */
function readManifest(
  value: unknown,
  names: ModelFileNames,
  fault: Fault,
): io.WeightsManifestEntry[] {
  if (!Array.isArray(value) || value.length !== 1 || !isObject(value[0])) {
    fault.fail(
      `weightsManifest is ${show(value)}; expected one group, ` +
        `{paths: ['${names.bin}'], weights: [...]}`,
    );
  }
  const group = value[0];
  const paths = group.paths;
  if (!Array.isArray(paths) || paths.length === 0) {
    fault.fail(
      `weightsManifest[0].paths is ${show(paths)}; expected ` +
        `['${names.bin}'], the file that holds the weights`,
    );
  }

  // tf.io.browserDownloads writes './name'; tf.io.browserFiles matches on
  // the base name, so we do too.
  const base = (p: unknown) => String(p).replace(/^.*\//, '');
  if (paths.length !== 1 || base(paths[0]) !== names.bin) {
    fault.fail(
      `weightsManifest[0].paths is ${JSON.stringify(paths)}, but the ` +
        `weights file given is '${names.bin}'; pick the weights file named ` +
        `in ${names.json}, or rename it to match`,
    );
  }
  if (!Array.isArray(group.weights)) {
    fault.fail(
      `weightsManifest[0].weights is ${show(group.weights)}; expected an ` +
        'array of {name, shape, dtype}',
    );
  }
  return group.weights as io.WeightsManifestEntry[];
}

/** Checks each spec and returns its element count, in order. */
function readSpecs(specs: unknown[], fault: Fault): number[] {
  const seen = new Set<string>();

  return specs.map((spec, i) => {
    const at = `weightsManifest[0].weights[${i}]`;
    if (!isObject(spec))
      fault.fail(`${at} is ${show(spec)}; expected an object`);
    const { name, shape, dtype } = spec;
    if (typeof name !== 'string' || name === '') {
      fault.fail(`${at}.name is ${show(name)}; expected a non-empty string`);
    }
    if (seen.has(name)) {
      fault.fail(
        `${at}: weight name '${name}' appears twice; names must be unique`,
      );
    }
    seen.add(name);
    if (dtype !== 'float32') {
      fault.fail(
        `${at} ('${name}') has dtype ${show(dtype)}; DARTS Studio stores ` +
          `every weight as 'float32'`,
      );
    }
    if ('quantization' in spec) {
      fault.fail(
        `${at} ('${name}') is quantized, which DARTS Studio does not read; ` +
          'export the weights unquantized',
      );
    }
    if (
      !Array.isArray(shape) ||
      !shape.every((d) => Number.isInteger(d) && d >= 0)
    ) {
      fault.fail(
        `${at} ('${name}') has shape ${JSON.stringify(shape)}; expected an ` +
          'array of integers >= 0',
      );
    }
    return (shape as number[]).reduce((a, d) => a * d, 1);
  });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isNumbers(v: unknown): v is number[] {
  return (
    Array.isArray(v) &&
    v.length > 0 &&
    v.every((x) => typeof x === 'number' && Number.isFinite(x))
  );
}

/** A short description of a value for error messages. */
function show(v: unknown): string {
  if (v === undefined) return 'missing';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (isObject(v)) return 'an object';
  const text = JSON.stringify(v);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
