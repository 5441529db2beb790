import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { CIFAR_MEAN, CIFAR_STD } from '../data/augment';
import {
  MODEL_FORMAT,
  ModelFileError,
  decodeModelFiles,
  encodeModelFiles,
  modelArtifacts,
  type EvalModelMeta,
  type NamedWeight,
} from './modelFiles';
import { useBackend } from '../testing/fixtures';
import { DARTS_V2 } from './namedGenotypes';

const META: EvalModelMeta = {
  genotype: DARTS_V2,
  channels: 16,
  layers: 8,
  numClasses: 3,
  auxiliary: true,
  classNames: ['cat', 'dog', 'frog'],
  normalisation: { mean: [...CIFAR_MEAN], std: [...CIFAR_STD] },
  trainedEpochs: 12,
  testAccuracy: 0.8125,
};

/** Values chosen to catch any lossy step: subnormals, -0, NaN, extremes. */
function weights(): NamedWeight[] {
  const special = new Float32Array([
    Math.PI,
    -0,
    1.4e-45,
    3.4028234663852886e38,
    NaN,
    -Infinity,
  ]);
  return [
    { name: 'stem/conv', shape: [3, 2], data: special },
    { name: 'classifier/bias', shape: [3], data: new Float32Array([1, 2, 3]) },
    { name: 'empty', shape: [0, 4], data: new Float32Array(0) },
    { name: 'scalar', shape: [], data: new Float32Array([0.1]) },
  ];
}

/** model.json as an object, for editing one field before decoding. */
function encodedDoc() {
  const { modelJson, weightsBin } = encodeModelFiles(META, weights());
  return { doc: JSON.parse(modelJson), weightsBin };
}

function decodeDoc(doc: unknown, bin: ArrayBuffer) {
  return () => decodeModelFiles(JSON.stringify(doc), bin);
}

/** Asserts a ModelFileError whose message matches every pattern. */
function expectFault(fn: () => unknown, ...patterns: RegExp[]) {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(ModelFileError);
  const message = (caught as Error).message;
  for (const p of patterns) expect(message).toMatch(p);
  expect((caught as Error).name).toBe('ModelFileError');
}

describe('encodeModelFiles and decodeModelFiles', () => {
  it('round-trip the metadata, names, shapes and bit-exact values', () => {
    const { modelJson, weightsBin } = encodeModelFiles(META, weights());
    const { meta, tensors } = decodeModelFiles(modelJson, weightsBin);

    expect(meta).toEqual(META);
    expect(tensors.map((t) => [t.name, t.shape])).toEqual(
      weights().map((t) => [t.name, t.shape]),
    );
    tensors.forEach((t, i) => {
      const want = new Uint32Array(weights()[i].data.buffer);
      expect(new Uint32Array(t.data.slice().buffer)).toEqual(want);
    });
  });

  it('write the tf.io model.json layout with float32 in manifest order', () => {
    const { doc, weightsBin } = encodedDoc();

    expect(doc.format).toBe(MODEL_FORMAT);
    expect(doc.generatedBy).toBe('DARTS Studio');
    expect(doc.convertedBy).toBeNull();
    expect(doc.modelTopology.schemaVersion).toBe(1);
    expect(doc.modelTopology.testAccuracy).toBe(0.8125);
    expect(doc.weightsManifest).toEqual([
      {
        paths: ['weights.bin'],
        weights: [
          { name: 'stem/conv', shape: [3, 2], dtype: 'float32' },
          { name: 'classifier/bias', shape: [3], dtype: 'float32' },
          { name: 'empty', shape: [0, 4], dtype: 'float32' },
          { name: 'scalar', shape: [], dtype: 'float32' },
        ],
      },
    ]);
    expect(weightsBin.byteLength).toBe(4 * 10);
    expect(Array.from(new Float32Array(weightsBin, 24, 4))).toEqual([
      1,
      2,
      3,
      Math.fround(0.1),
    ]);
  });

  it('keep a null test accuracy', () => {
    const meta = { ...META, testAccuracy: null };
    const { modelJson, weightsBin } = encodeModelFiles(meta, weights());

    expect(decodeModelFiles(modelJson, weightsBin).meta.testAccuracy).toBe(
      null,
    );
  });

  it('read the pair tf.io.browserDownloads writes, by the given names', () => {
    const { doc, weightsBin } = encodedDoc();
    doc.weightsManifest[0].paths = ['./net.weights.bin'];
    const names = { json: 'net.json', bin: 'net.weights.bin' };

    const { tensors } = decodeModelFiles(
      JSON.stringify(doc),
      weightsBin,
      names,
    );
    expect(tensors).toHaveLength(4);
  });

  it('refuse to encode data that does not fill its shape', () => {
    const bad = weights();
    bad[1] = { ...bad[1], data: new Float32Array(2) };

    expectFault(
      () => encodeModelFiles(META, bad),
      /encodeModelFiles/,
      /'classifier\/bias' has 2 values but shape \[3\] holds 3/,
    );
  });
});

describe('modelArtifacts', () => {
  it('gives tf.io the topology, specs and one weight buffer', () => {
    const artifacts = modelArtifacts(META, weights());

    expect(artifacts.format).toBe(MODEL_FORMAT);
    expect(artifacts.convertedBy).toBeNull();
    expect(artifacts.weightSpecs?.map((s) => s.name)).toEqual([
      'stem/conv',
      'classifier/bias',
      'empty',
      'scalar',
    ]);
    expect((artifacts.weightData as ArrayBuffer).byteLength).toBe(40);
  });
});

describe('the files and tf.io', () => {
  beforeAll(() => useBackend('cpu'));

  it('agree with tf.io.encodeWeights on the weights.bin bytes', async () => {
    const named = weights().map((w) => tf.tensor(w.data, w.shape));
    const { weightsBin } = encodeModelFiles(META, weights());

    const { data, specs } = await tf.io.encodeWeights(
      named.map((tensor, i) => ({ name: weights()[i].name, tensor })),
    );
    expect(new Uint8Array(weightsBin)).toEqual(
      new Uint8Array(data as ArrayBuffer),
    );
    expect(specs).toEqual(modelArtifacts(META, weights()).weightSpecs);
    tf.dispose(named);
  });

  it('load through tf.io as its loaders read model.json', async () => {
    const { modelJson, weightsBin } = encodeModelFiles(META, weights());

    // What tf.io.browserFiles and tf.io.http do once both files are read.
    const artifacts = await tf.io.getModelArtifactsForJSON(
      JSON.parse(modelJson),
      async (manifest) => [manifest[0].weights, weightsBin],
    );
    const loaded = tf.io.decodeWeights(
      artifacts.weightData!,
      artifacts.weightSpecs!,
    );
    expect(artifacts.format).toBe(MODEL_FORMAT);
    expect(artifacts.modelTopology).toEqual(
      JSON.parse(modelJson).modelTopology,
    );
    expect(Object.keys(loaded)).toEqual(weights().map((w) => w.name));
    expect(Array.from(loaded['classifier/bias'].dataSync())).toEqual([1, 2, 3]);
    tf.dispose(Object.values(loaded));
  });
});

describe('decodeModelFiles rejects', () => {
  it('text that is not JSON, naming model.json', () => {
    const { weightsBin } = encodedDoc();

    expectFault(
      () => decodeModelFiles('{"format": ', weightsBin),
      /^model\.json: not valid JSON/,
    );
  });

  it('a JSON file of another format', () => {
    const { doc, weightsBin } = encodedDoc();
    doc.format = 'layers-model';

    expectFault(
      decodeDoc(doc, weightsBin),
      /^model\.json: format is "layers-model"/,
      /darts-studio\.eval-network/,
    );
  });

  it('a manifest with no paths', () => {
    const { doc, weightsBin } = encodedDoc();
    delete doc.weightsManifest[0].paths;

    expectFault(
      decodeDoc(doc, weightsBin),
      /^model\.json: weightsManifest\[0\]\.paths is missing/,
    );
  });

  it('a manifest naming a different weights file', () => {
    const { doc, weightsBin } = encodedDoc();
    doc.weightsManifest[0].paths = ['group1-shard1of1.bin'];

    expectFault(
      decodeDoc(doc, weightsBin),
      /^model\.json: .*"group1-shard1of1\.bin"/,
      /weights file given is 'weights\.bin'/,
    );
  });

  it('a manifest sharded over several files', () => {
    const { doc, weightsBin } = encodedDoc();
    doc.weightsManifest[0].paths = ['weights.bin', 'weights2.bin'];

    expectFault(decodeDoc(doc, weightsBin), /^model\.json: .*weights2\.bin/);
  });

  it('a weights.bin of the wrong size, with expected and actual bytes', () => {
    const { modelJson, weightsBin } = encodeModelFiles(META, weights());

    expectFault(
      () => decodeModelFiles(modelJson, weightsBin.slice(0, 36)),
      /^weights\.bin: the file is 36 bytes/,
      /model\.json describes 10 float32 values, 40 bytes/,
    );
  });

  it('a weight whose dtype is not float32', () => {
    const { doc, weightsBin } = encodedDoc();
    doc.weightsManifest[0].weights[1].dtype = 'int32';

    expectFault(
      decodeDoc(doc, weightsBin),
      /^model\.json: weightsManifest\[0\]\.weights\[1\]/,
      /'classifier\/bias'\) has dtype "int32"/,
    );
  });

  it('a quantized weight', () => {
    const { doc, weightsBin } = encodedDoc();
    doc.weightsManifest[0].weights[0].quantization = { dtype: 'uint8' };

    expectFault(decodeDoc(doc, weightsBin), /^model\.json: .*quantized/);
  });

  it.each([[[3, -2]], [[1.5, 4]], ['3x2'], [[3, '2']]])(
    'a shape of %j',
    (shape) => {
      const { doc, weightsBin } = encodedDoc();
      doc.weightsManifest[0].weights[0].shape = shape;

      expectFault(
        decodeDoc(doc, weightsBin),
        /^model\.json: weightsManifest\[0\]\.weights\[0\]/,
        /has shape .*; expected an array of integers >= 0/,
      );
    },
  );

  it('two weights with the same name', () => {
    const { doc, weightsBin } = encodedDoc();
    doc.weightsManifest[0].weights[1].name = 'stem/conv';

    expectFault(
      decodeDoc(doc, weightsBin),
      /^model\.json: .*'stem\/conv' appears twice/,
    );
  });

  it('a missing genotype', () => {
    const { doc, weightsBin } = encodedDoc();
    delete doc.modelTopology.genotype;

    expectFault(
      decodeDoc(doc, weightsBin),
      /^model\.json: modelTopology\.genotype is missing/,
    );
  });

  it('a genotype with an unknown op, through the genotype reader', () => {
    const { doc, weightsBin } = encodedDoc();
    doc.modelTopology.genotype.reduce[2][0] = 'conv_9x9';

    expectFault(
      decodeDoc(doc, weightsBin),
      /^model\.json: modelTopology\.genotype: reduce\[2\] has op "conv_9x9"/,
    );
  });

  it('a genotype without concat indices', () => {
    const { doc, weightsBin } = encodedDoc();
    delete doc.modelTopology.genotype.normalConcat;

    expectFault(
      decodeDoc(doc, weightsBin),
      /^model\.json: modelTopology\.genotype: missing field 'normalConcat'/,
    );
  });

  it.each([
    ['schemaVersion', 2, /schemaVersion 2 is not understood/],
    ['channels', 0, /channels is 0; expected an integer >= 1/],
    ['layers', 2.5, /layers is 2\.5/],
    ['auxiliary', 'yes', /auxiliary is "yes"; expected a boolean/],
    ['classNames', ['cat'], /classNames is an array of 1; expected 3/],
    ['normalisation', { mean: [0], std: [0] }, /normalisation is malformed/],
    ['trainedEpochs', -1, /trainedEpochs is -1/],
    ['testAccuracy', 81.25, /testAccuracy is 81\.25; expected a fraction/],
  ])('modelTopology.%s = %j', (key, value, pattern) => {
    const { doc, weightsBin } = encodedDoc();
    doc.modelTopology[key] = value;

    expectFault(decodeDoc(doc, weightsBin), /^model\.json: /, pattern);
  });

  it('names the files it was given in each message', () => {
    const { doc, weightsBin } = encodedDoc();
    doc.format = 'x';
    const names = { json: 'my-net.json', bin: 'my-net.bin' };

    expectFault(
      () => decodeModelFiles(JSON.stringify(doc), weightsBin, names),
      /^my-net\.json: format/,
    );
    expectFault(
      () =>
        decodeModelFiles(
          encodeModelFiles(META, weights()).modelJson.replace(
            '"weights.bin"',
            '"my-net.bin"',
          ),
          new ArrayBuffer(8),
          names,
        ),
      /^my-net\.bin: the file is 8 bytes/,
      /my-net\.json describes/,
    );
  });
});
