import { describe, expect, it } from 'vitest';
import { PAPER_CONFIG, PRESETS, type PresetName } from '../core/config';
import { FIELDS, presetOf, validateConfig } from './configFields';

describe('config fields', () => {
  it('cover every SearchConfig field exactly once', () => {
    const keys = FIELDS.map((f) => f.key).sort();
    expect(keys).toEqual(Object.keys(PAPER_CONFIG).sort());
  });

  it('accept every preset as it ships', () => {
    for (const name of Object.keys(PRESETS) as PresetName[]) {
      expect(validateConfig(PRESETS[name], 10), name).toEqual([]);
    }
  });

  it('name the setting and the value when one is out of range', () => {
    const problems = validateConfig({
      ...PAPER_CONFIG,
      batchSize: 0,
      layers: 2.5,
    });
    expect(problems.map((p) => p.key)).toEqual(['layers', 'batchSize']);
    expect(problems[1].message).toBe('Batch size must be at least 1; got 0');
    expect(problems[0].message).toBe('Cells must be a whole number; got 2.5');
  });

  it('say which optimiser a repeated label belongs to', () => {
    const [problem] = validateConfig({ ...PAPER_CONFIG, archLr: Number.NaN });
    expect(problem.message).toBe(
      'Architecture optimiser: learning rate must be a number; got NaN',
    );
  });

  it('ask for as many classes as the data has', () => {
    const [problem] = validateConfig({ ...PAPER_CONFIG, numClasses: 5 }, 10);
    expect(problem.key).toBe('numClasses');
    expect(problem.message).toContain('set it to 10');
  });

  it('refuse a minimum learning rate above the learning rate', () => {
    const [problem] = validateConfig({ ...PAPER_CONFIG, lrMin: 0.1 });
    expect(problem.key).toBe('lrMin');
  });

  it('echo what was typed when a field is not a number', () => {
    const [problem] = validateConfig(
      { ...PAPER_CONFIG, maxImages: Number.NaN },
      10,
      { typed: { maxImages: 'abc' } },
    );
    expect(problem.message).toBe('Image cap must be a number; got "abc"');
    const [empty] = validateConfig({ ...PAPER_CONFIG, seed: Number.NaN }, 10, {
      typed: { seed: '  ' },
    });
    expect(empty.message).toBe('Seed is empty; enter a number');
  });

  it('name Image cap and the fix when the cap leaves a half of the split empty', () => {
    const [problem] = validateConfig(
      { ...PRESETS.Demo, maxImages: 1, trainPortion: 0.5 },
      10,
      { trainImages: 1000 },
    );
    expect(problem.key).toBe('maxImages');
    expect(problem.message).toBe(
      'Image cap is 1: Train portion 0.5 of 1 image leaves 0 for the ' +
        'weights and 1 for the architecture, and each needs at least one; ' +
        'raise Image cap to at least 2 (or 0 to use all 1000)',
    );
    expect(
      validateConfig({ ...PRESETS.Demo, maxImages: 2 }, 10, {
        trainImages: 1000,
      }),
    ).toEqual([]);
  });

  it('name Train portion when too few images are loaded for it', () => {
    const [problem] = validateConfig(
      { ...PRESETS.Demo, maxImages: 0, trainPortion: 0.1 },
      10,
      { trainImages: 5 },
    );
    expect(problem.key).toBe('trainPortion');
    expect(problem.message).toContain(
      'Train portion 0.1 of 5 images leaves 0 for the weights and 5',
    );
    expect(problem.message).toContain(
      'set Train portion between 0.20 and 0.80',
    );
  });

  it('recognise the presets and call anything else Custom', () => {
    expect(presetOf({ ...PRESETS.Demo })).toBe('Demo');
    expect(presetOf({ ...PRESETS.Paper })).toBe('Paper');
    expect(presetOf({ ...PRESETS.Demo, channels: 2 })).toBe('Custom');
  });
});
