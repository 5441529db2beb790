import { beforeEach, describe, expect, it } from 'vitest';
import { PRESETS } from '../core/config';
import type { Snapshot } from '../core/snapshot';
import { appendSnapshot, historyOf, useStudio } from './studio';

const initial = useStudio.getState();

function snapshot(step: number): Snapshot {
  return { step } as Snapshot;
}

describe('snapshot history', () => {
  it('keeps every snapshot up to the cap', () => {
    let history: Snapshot[] = [];
    for (let step = 1; step <= 10; step++)
      history = appendSnapshot(history, snapshot(step), 10);
    expect(history.map((s) => s.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('thins the older half past the cap, keeping the first and the newest', () => {
    let history: Snapshot[] = [];
    for (let step = 1; step <= 1000; step++)
      history = appendSnapshot(history, snapshot(step), 100);
    const steps = history.map((s) => s.step);

    expect(steps.length).toBeLessThanOrEqual(100);
    expect(steps[0]).toBe(1);
    expect(steps.slice(-20)).toEqual(
      Array.from({ length: 20 }, (_, i) => 981 + i),
    );
    expect([...steps].sort((a, b) => a - b)).toEqual(steps);
  });
});

describe('restored history', () => {
  it('is the history appendSnapshot builds, one snapshot at a time', () => {
    const snapshots = Array.from({ length: 1000 }, (_, i) => snapshot(i + 1));
    const stepwise = snapshots.reduce<Snapshot[]>(
      (history, s) => appendSnapshot(history, s, 100),
      [],
    );

    expect(historyOf(snapshots, 100)).toEqual(stepwise);
  });
});

describe('the studio store without a worker', () => {
  beforeEach(() => useStudio.setState(initial, true));

  it('starts from the paper settings', () => {
    expect(useStudio.getState().config).toEqual(PRESETS.Paper);
  });

  it('switches presets but keeps the network while a run is live', () => {
    useStudio.setState({ runState: 'running' });
    useStudio.getState().setPreset('Demo');
    const { config } = useStudio.getState();

    expect(config.channels).toBe(PRESETS.Paper.channels);
    expect(config.batchSize).toBe(PRESETS.Demo.batchSize);
  });

  it('refuses to start without data, saying what to do', async () => {
    await useStudio.getState().start();
    const [error] = useStudio.getState().errors;

    expect(error.name).toBe('NoData');
    expect(error.message).toContain('Try the demo data');
  });

  it('names each bad setting in the banner instead of starting', async () => {
    useStudio.setState({
      dataset: {
        source: 'files',
        name: 'data_batch_1.bin',
        trainImages: 64,
        testImages: 0,
        classNames: Array.from({ length: 10 }, (_, i) => `c${i}`),
        perClass: new Array(10).fill(6),
        files: [],
      },
    });
    useStudio.getState().setField('batchSize', 0);
    await useStudio.getState().start();

    expect(useStudio.getState().errors.map((e) => [e.name, e.message])).toEqual(
      [['Settings', 'Batch size must be at least 1; got 0']],
    );
    expect(useStudio.getState().runConfig).toBeNull();
  });

  it('shows a repeated error once and dismisses it by id', () => {
    const { pushError } = useStudio.getState();
    pushError({ name: 'FileRejected', message: 'a.bin: bad' });
    pushError({ name: 'FileRejected', message: 'a.bin: bad' });
    const { errors } = useStudio.getState();
    expect(errors).toHaveLength(1);

    useStudio.getState().dismissError(errors[0].id);
    expect(useStudio.getState().errors).toEqual([]);
  });

  it('reports a broken genotype file by name and keeps a good one', async () => {
    await useStudio
      .getState()
      .importGenotype(new File(['{"normal": ['], 'broken.json'));
    const [error] = useStudio.getState().errors;
    expect(error.name).toBe('GenotypeFormatError');
    expect(error.message).toMatch(/^broken\.json: not valid JSON/);

    const python =
      "Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('skip_connect', 0), " +
      "('sep_conv_3x3', 1), ('skip_connect', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), " +
      "('skip_connect', 2)], normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), " +
      "('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 0), ('max_pool_3x3', 0), " +
      "('skip_connect', 2), ('skip_connect', 2), ('avg_pool_3x3', 0)], reduce_concat=[2, 3, 4, 5])";
    await useStudio
      .getState()
      .importGenotype(new File([python], 'darts_v1.txt'));
    expect(useStudio.getState().imported?.file).toBe('darts_v1.txt');
    expect(useStudio.getState().imported?.genotype.normal[7]).toEqual([
      'skip_connect',
      2,
    ]);
  });
});
