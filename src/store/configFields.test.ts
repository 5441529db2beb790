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

  it('recognise the presets and call anything else Custom', () => {
    expect(presetOf({ ...PRESETS.Demo })).toBe('Demo');
    expect(presetOf({ ...PRESETS.Paper })).toBe('Paper');
    expect(presetOf({ ...PRESETS.Demo, channels: 2 })).toBe('Custom');
  });
});
