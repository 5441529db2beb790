import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeModelFiles } from '../src/core/modelFiles';
import { DARTS_V2 } from '../src/core/namedGenotypes';
import { RetrainRun } from '../src/core/retrain';
import { RETRAIN_PRESETS } from '../src/core/retrainConfig';
import { useBackend } from '../src/testing/fixtures';
import {
  syntheticCifar,
  syntheticImageSet,
} from '../src/testing/syntheticCifar';
import { loadModelFiles } from './models';

describe('model files written by a retrain', () => {
  beforeAll(() => useBackend('wasm'));

  async function trainedFiles() {
    const data = { ...syntheticCifar(32), test: syntheticImageSet(10, 10, 3) };
    const run = RetrainRun.create(
      {
        ...RETRAIN_PRESETS.Demo,
        channels: 4,
        layers: 3,
        batchSize: 8,
        epochs: 1,
      },
      DARTS_V2,
      data,
      { backend: 'wasm', dataset: 'synthetic' },
    );
    while (!run.done) run.runStep();
    await run.test();
    const files = encodeModelFiles(run.modelMeta(), await run.namedWeights());
    return { run, files };
  }

  it('load back into a network with the same eval-mode logits', async () => {
    const { run, files } = await trainedFiles();
    const { classifier, info } = await loadModelFiles([
      new File([files.weightsBin], 'weights.bin'),
      new File([files.modelJson], 'model.json'),
    ]);
    expect(info.params).toBe(run.net.paramCount);
    expect(info.meta.testAccuracy).toBe(run.tests[0].accuracy);

    const x = tf.randomNormal([3, 32, 32, 3], 0, 1, 'float32', 4);
    run.net.setTraining(false);
    const a = tf.tidy(() => run.net.forward(x as tf.Tensor4D).logits);
    const b = tf.tidy(() => classifier.net.forward(x as tf.Tensor4D).logits);
    expect(await b.data()).toEqual(await a.data());

    tf.dispose([x, a, b]);
    classifier.net.dispose();
    run.dispose();
  });

  it('name the file when the pair is wrong', async () => {
    const { run, files } = await trainedFiles();
    run.dispose();
    await expect(
      loadModelFiles([new File([files.modelJson], 'model.json')]),
    ).rejects.toThrow(/one \.json and one \.bin \(got model\.json\)/);

    const meta = JSON.parse(files.modelJson);
    meta.modelTopology.channels = 6;
    await expect(
      loadModelFiles([
        new File([JSON.stringify(meta)], 'model.json'),
        new File([files.weightsBin], 'weights.bin'),
      ]),
    ).rejects.toThrow(/model\.json: weight '.*' has shape/);
  });
});
