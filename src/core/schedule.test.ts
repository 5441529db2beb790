import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cosineLr } from './schedule';

interface ScheduleFixture {
  T_max: number;
  lr0: number;
  eta_min: number;
  pytorch031_lr_per_epoch: number[] | null;
  torch113_optimizer_lr_per_epoch: number[] | null;
  torch113_get_lr_per_epoch: number[] | null;
  first_last: Record<string, [number, number]>;
}

const url = new URL('../../test-fixtures/lr_schedule.json', import.meta.url);
const fixture = JSON.parse(readFileSync(url, 'utf8')) as Record<
  'cnn_search' | 'cnn_train',
  ScheduleFixture
>;

const search = fixture.cnn_search;
const lr = (e: number, f = search) => cosineLr(e, f.T_max, f.lr0, f.eta_min);

describe('cosineLr', () => {
  it('equals the PyTorch 0.3.1 per-epoch lr of the search', () => {
    search.pytorch031_lr_per_epoch!.forEach((want, e) => {
      expect(Math.abs(lr(e) - want)).toBeLessThan(1e-12);
    });
  });

  it('starts at lr0 and ends one step above lrMin, as first_last says', () => {
    const [first, last] = search.first_last.pytorch031;

    expect(lr(0)).toBe(first);
    expect(Math.abs(lr(search.T_max - 1) - last)).toBeLessThan(1e-12);
    expect(lr(search.T_max - 1)).toBeGreaterThan(search.eta_min);
  });

  it('gives the values REFERENCE.md quotes for epochs 24 and 49', () => {
    expect(lr(24)).toBeCloseTo(0.0137535, 7);
    expect(lr(49)).toBeCloseTo(0.00102368, 8);
  });

  it('is the torch >= 1.1 optimizer lr shifted back by one epoch', () => {
    // Why the fixture has a second list: newer torch runs our epoch e + 1.
    search.torch113_optimizer_lr_per_epoch!.forEach((want, e) => {
      expect(Math.abs(lr(e + 1) - want)).toBeLessThan(1e-12);
    });
  });

  it('differs from torch >= 1.1 get_lr, the chainable form applied twice', () => {
    // get_lr() re-applies the chainable ratio to an lr already at epoch e + 1.
    const { T_max: T, eta_min: min } = search;
    search.torch113_get_lr_per_epoch!.forEach((want, e) => {
      const ratio =
        (1 + Math.cos((Math.PI * (e + 1)) / T)) /
        (1 + Math.cos((Math.PI * e) / T));
      expect(Math.abs(min + ratio * (lr(e + 1) - min) - want)).toBeLessThan(
        1e-12,
      );
    });
    expect(lr(0)).not.toBeCloseTo(search.torch113_get_lr_per_epoch![0], 6);
  });

  it('gives the eval schedule (T = 600, lrMin = 0) of first_last too', () => {
    const train = fixture.cnn_train;
    const [first, last] = train.first_last.pytorch031;

    expect(lr(0, train)).toBe(first);
    expect(Math.abs(lr(599, train) - last)).toBeLessThan(1e-15);
  });

  it('rejects a non-positive epoch count and a negative epoch', () => {
    expect(() => cosineLr(0, 0, 0.025, 0.001)).toThrow(
      /cosineLr: epochs must be a positive number, got 0/,
    );
    expect(() => cosineLr(-1, 50, 0.025, 0.001)).toThrow(
      /cosineLr: epoch must be a finite number >= 0, got -1/,
    );
  });
});
