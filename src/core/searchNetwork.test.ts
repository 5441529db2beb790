import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadFixture, useBackend } from '../testing/fixtures';
import { Rng } from './random';
import { reductionLayers, SearchNetwork } from './searchNetwork';

const counts = loadFixture('param_counts.json').cnn;

describe('SearchNetwork structure', () => {
  beforeAll(() => useBackend('cpu'));

  it('puts reductions at layers/3 and 2·layers/3', () => {
    expect(reductionLayers(8)).toEqual([2, 5]);
    expect(reductionLayers(5)).toEqual([1, 3]);
    expect(reductionLayers(20)).toEqual([6, 13]);
  });

  it('has exactly 1,930,618 weights and 224 alphas at C=16, 8 layers, 10 classes', () => {
    const ref = counts.search_Network_C16_classes10_layers8;
    const net = new SearchNetwork(
      { channels: 16, numClasses: 10, layers: 8 },
      new Rng(2),
    );
    expect(net.store.count).toBe(ref.params_excluding_alphas);
    expect(net.alphasNormal.size + net.alphasReduce.size).toBe(ref.alphas);

    // Per module, as the reference counts them.
    const per = (prefix: string) =>
      net.store.params
        .filter((p) => p.name.startsWith(prefix))
        .reduce((s, p) => s + p.variable.size, 0);
    expect(per('stem.')).toBe(ref.per_module.stem);
    expect(per('cells.2.')).toBe(ref.per_module.cell2_reduce);
    expect(per('cells.5.')).toBe(ref.per_module.cell5_reduce);
    expect(per('cells.7.')).toBe(ref.per_module.cell7);
    expect(per('classifier.')).toBe(ref.per_module.classifier);
    net.dispose();
  });

  it('has exactly 394,210 weights at C=8, 5 layers', () => {
    const net = new SearchNetwork(
      { channels: 8, numClasses: 10, layers: 5 },
      new Rng(2),
    );
    expect(net.store.count).toBe(
      counts.search_Network_C8_classes10_layers5.params_excluding_alphas,
    );
    net.dispose();
  });

  it('initialises alphas as 1e-3·N(0,1)', async () => {
    const net = new SearchNetwork(
      { channels: 2, numClasses: 10, layers: 3 },
      new Rng(7),
    );
    const a = Array.from(await net.alphasNormal.data());
    const sd = Math.sqrt(a.reduce((s, v) => s + v * v, 0) / a.length);
    expect(sd).toBeGreaterThan(0.6e-3);
    expect(sd).toBeLessThan(1.5e-3);
    net.dispose();
  });

  it('gives logits of shape [N, classes] for 32x32 input', () => {
    const net = new SearchNetwork(
      { channels: 2, numClasses: 10, layers: 3 },
      new Rng(7),
    );
    const y = tf.tidy(() =>
      net.forward(tf.randomNormal([2, 32, 32, 3]) as tf.Tensor4D),
    );
    expect(y.shape).toEqual([2, 10]);
    y.dispose();
    net.dispose();
  });
});
