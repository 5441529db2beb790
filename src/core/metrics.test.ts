import { describe, expect, it } from 'vitest';
import {
  accuracyFromConfusion,
  argmaxRows,
  confusionMatrix,
  formatParamCount,
  perClassAccuracy,
} from './metrics';

describe('confusionMatrix', () => {
  it('counts true classes by row and predictions by column', () => {
    const labels = new Int32Array([0, 0, 1, 1, 1, 2]);
    const predictions = [0, 1, 1, 1, 2, 0];

    expect(Array.from(confusionMatrix(labels, predictions, 3))).toEqual([
      1, 1, 0, 0, 2, 1, 1, 0, 0,
    ]);
  });

  it('rejects mismatched lengths and out-of-range class ids', () => {
    expect(() => confusionMatrix([0, 1], [0], 2)).toThrow(/2 labels but 1/);
    expect(() => confusionMatrix([0, 3], [0, 1], 3)).toThrow(
      /sample 1 has label 3.*0\.\.2/,
    );
    expect(() => confusionMatrix([0], [1.5], 3)).toThrow(/prediction 1.5/);
    expect(() => confusionMatrix([], [], 0)).toThrow(/classes is 0/);
  });
});

describe('accuracyFromConfusion', () => {
  it('is the diagonal over the total', () => {
    const m = confusionMatrix([0, 0, 1, 1, 1, 2], [0, 1, 1, 1, 2, 0], 3);

    expect(accuracyFromConfusion(m, 3)).toBe(3 / 6);
  });

  it('is NaN for an empty matrix and rejects a wrong size', () => {
    expect(accuracyFromConfusion(new Int32Array(4), 2)).toBeNaN();
    expect(() => accuracyFromConfusion(new Int32Array(4), 3)).toThrow(
      /4 entries; a 3-class confusion matrix has 9/,
    );
  });
});

describe('perClassAccuracy', () => {
  it('gives each row its recall, and NaN for a class with no samples', () => {
    const m = confusionMatrix([0, 0, 1, 1, 1, 0], [0, 1, 1, 1, 2, 0], 3);

    const acc = perClassAccuracy(m, 3);
    expect(acc[0]).toBeCloseTo(2 / 3, 15);
    expect(acc[1]).toBeCloseTo(2 / 3, 15);
    expect(acc[2]).toBeNaN();
  });
});

describe('argmaxRows', () => {
  it('picks the largest column of each row', () => {
    const logits = new Float32Array([0.1, 2, -1, -5, -4, -3]);

    expect(Array.from(argmaxRows(logits, 2, 3))).toEqual([1, 2]);
  });

  it('takes the first column on a tie', () => {
    const logits = new Float32Array([1, 3, 3, 7, 7, 7]);

    expect(Array.from(argmaxRows(logits, 2, 3))).toEqual([1, 0]);
  });

  it('rejects logits of the wrong length', () => {
    expect(() => argmaxRows(new Float32Array(5), 2, 3)).toThrow(
      /2x3 = 6 logits.*got 5/,
    );
  });
});

describe('formatParamCount', () => {
  it.each([
    [0, '0 parameters'],
    [512, '512 parameters'],
    [999, '999 parameters'],
    [1000, '1.00 k parameters'],
    [12_345, '12.3 k parameters'],
    [476_426, '476 k parameters'],
    [999_499, '999 k parameters'],
    [999_500, '1.00 M parameters'],
    [3_349_342, '3.35 M parameters'],
    [1_930_000, '1.93 M parameters'],
    [17_200_000, '17.2 M parameters'],
    [1_234_567_890, '1235 M parameters'],
  ])('writes %i as %s', (n, text) => {
    expect(formatParamCount(n)).toBe(text);
  });

  it('rejects a count that is not a non-negative integer', () => {
    expect(() => formatParamCount(-1)).toThrow(/-1 is not a parameter count/);
    expect(() => formatParamCount(1.5)).toThrow(/1.5/);
  });
});
