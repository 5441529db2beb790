import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../testing/fixtures';
import { Asgd, shouldSwitchToAsgd } from './asgd';

describe('Asgd as torch.optim.ASGD(t0=0, lambd=0)', () => {
  beforeAll(() => useBackend('cpu'));

  it('steps with the previous lr and averages the weights after steps 2…n', async () => {
    const w = tf.variable(tf.tensor1d([1, 2]));
    const opt = new Asgd(0.5, 0);
    const seen: number[][] = [];
    const lrs = [0.1, 0.2, 0.3, 0.4];
    for (const lr of lrs) {
      const g = tf.tensor1d([1, -1]);
      opt.update([w], [g], lr);
      g.dispose();
      seen.push(Array.from(await w.data()));
    }
    // Step sizes: 0.5 (the initial lr), then 0.1, 0.2, 0.3.
    expect(seen.map((s) => s[0])).toEqual(
      [0.5, 0.5 - 0.1, 0.5 - 0.1 - 0.2, 0.5 - 0.1 - 0.2 - 0.3].map((v) =>
        expect.closeTo(v, 6),
      ),
    );
    const mean = (seen[1][0] + seen[2][0] + seen[3][0]) / 3;
    expect((await opt.averages![0].data())[0]).toBeCloseTo(mean, 6);
    opt.dispose();
    w.dispose();
  });

  it('applies L2 inside the update', async () => {
    const w = tf.variable(tf.tensor1d([2]));
    const opt = new Asgd(1, 0.5);
    const g = tf.tensor1d([0]);
    opt.update([w], [g], 1);
    expect((await w.data())[0]).toBeCloseTo(1, 6);
    tf.dispose([w, g]);
    opt.dispose();
  });
});

describe('shouldSwitchToAsgd', () => {
  it('waits for more than nonmono losses, then compares with the older best', () => {
    expect(shouldSwitchToAsgd([5, 4, 3, 2, 1], 9, 5)).toBe(false);
    expect(shouldSwitchToAsgd([5, 4, 3, 2, 1, 0.5], 4.5, 5)).toBe(false);
    expect(shouldSwitchToAsgd([5, 4, 3, 2, 1, 0.5], 5.5, 5)).toBe(true);
    expect(shouldSwitchToAsgd([3, 5, 4, 4, 4, 4, 4], 3.5, 5)).toBe(true);
  });
});
