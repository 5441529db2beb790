/**
 * Trained models the worker can classify with: one loaded back from its
 * TF.js model files, or the network of the live retrain. Images are decoded
 * and resized to 32x32 here, in the worker, with OffscreenCanvas.
 */
import * as tf from '@tensorflow/tfjs-core';
import { EvalNetwork } from '../src/core/evalNetwork';
import {
  decodeModelFiles,
  ModelFileError,
  type EvalModelMeta,
  type NamedWeight,
} from '../src/core/modelFiles';
import { Rng } from '../src/core/random';
import { IMAGE_SIDE, normaliseRgba } from '../src/data/image';
import type { Classification, LoadedModelInfo } from './api';
import { namedError } from './datasets';

/** A network in eval mode with what it was trained on. */
export interface Classifier {
  net: EvalNetwork;
  meta: EvalModelMeta;
}

/** Model files past this size are refused before they are read. */
const MAX_MODEL_BYTES = 512 * 1024 * 1024;

/** Reads model.json + weights.bin (any order) into an eval-mode network. */
export async function loadModelFiles(
  files: File[],
): Promise<{ classifier: Classifier; info: LoadedModelInfo }> {
  const json = files.filter((f) => f.name.toLowerCase().endsWith('.json'));
  const bin = files.filter((f) => f.name.toLowerCase().endsWith('.bin'));
  if (json.length !== 1 || bin.length !== 1) {
    const names = files.map((f) => f.name).join(', ') || 'nothing';
    throw new ModelFileError(
      `Load model: drop the two files a model download gives, one .json ` +
        `and one .bin (got ${names})`,
    );
  }
  for (const f of [json[0], bin[0]]) {
    if (f.size > MAX_MODEL_BYTES) {
      throw new ModelFileError(
        `${f.name}: ${Math.round(f.size / 2 ** 20)} MB is larger than any ` +
          'model the studio writes; pick its own model.json and weights.bin',
      );
    }
  }
  const names = { json: json[0].name, bin: bin[0].name };
  const { meta, tensors } = decodeModelFiles(
    await json[0].text(),
    await bin[0].arrayBuffer(),
    names,
  );

  const net = new EvalNetwork(
    {
      genotype: meta.genotype,
      channels: meta.channels,
      layers: meta.layers,
      numClasses: meta.numClasses,
      auxiliary: meta.auxiliary,
    },
    new Rng(0),
  );
  try {
    assignWeights(net, tensors, names.json);
  } catch (error) {
    net.dispose();
    throw error;
  }
  net.setTraining(false);

  return {
    classifier: { net, meta },
    info: { file: names.json, meta, params: net.paramCount },
  };
}

function assignWeights(
  net: EvalNetwork,
  tensors: NamedWeight[],
  file: string,
): void {
  const byName = new Map(tensors.map((t) => [t.name, t]));
  const wanted = [...net.store.params, ...net.store.buffers];
  for (const p of wanted) {
    const t = byName.get(p.name);
    const shape = p.variable.shape;
    if (!t) {
      throw new ModelFileError(
        `${file}: weight '${p.name}' is missing, so the file does not ` +
          'match the network its genotype and sizes describe',
      );
    }
    if (t.shape.join('x') !== shape.join('x')) {
      throw new ModelFileError(
        `${file}: weight '${p.name}' has shape [${t.shape}] where the ` +
          `network needs [${shape}]`,
      );
    }
  }
  if (byName.size !== wanted.length) {
    throw new ModelFileError(
      `${file}: it holds ${byName.size} weights, the network has ` +
        `${wanted.length}; the file was not written for this network`,
    );
  }
  tf.tidy(() => {
    for (const p of wanted) {
      const t = byName.get(p.name)!;
      p.variable.assign(tf.tensor(t.data, t.shape));
    }
  });
}

/** Decodes `image`, resizes it to 32x32 and classifies it. */
export async function classifyImage(
  classifier: Classifier,
  image: File,
): Promise<Classification> {
  const rgba = await imagePixels(image);
  const { net, meta } = classifier;
  const { mean, std } = meta.normalisation;
  const x = normaliseRgba(rgba, mean, std);

  const wasTraining = net.training;
  net.setTraining(false);
  const probs = tf.tidy(() =>
    tf.softmax(
      net.forward(tf.tensor4d(x, [1, IMAGE_SIDE, IMAGE_SIDE, 3])).logits,
    ),
  );
  net.setTraining(wasTraining);
  const probabilities = (await probs.data()) as Float32Array;
  probs.dispose();

  return { file: image.name, probabilities, classNames: meta.classNames, rgba };
}

async function imagePixels(image: File): Promise<Uint8ClampedArray> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(image);
  } catch {
    throw namedError(
      'ImageUnreadable',
      `${image.name}: the browser cannot decode it as an image; drop a ` +
        'PNG, JPEG, GIF, WebP or BMP file',
    );
  }
  const canvas = new OffscreenCanvas(IMAGE_SIDE, IMAGE_SIDE);
  const context = canvas.getContext('2d');
  if (!context) {
    bitmap.close();
    throw namedError(
      'NoCanvas',
      'Classify: this browser gives workers no 2D canvas; update it',
    );
  }
  context.imageSmoothingQuality = 'high';
  context.drawImage(bitmap, 0, 0, IMAGE_SIDE, IMAGE_SIDE);
  bitmap.close();
  return context.getImageData(0, 0, IMAGE_SIDE, IMAGE_SIDE).data;
}
