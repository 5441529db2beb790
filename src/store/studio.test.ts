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

  it('starts from the Demo settings, which any machine runs in minutes', () => {
    expect(useStudio.getState().config).toEqual(PRESETS.Demo);
  });

  it('switches presets but keeps the network while a run is live', () => {
    useStudio.setState({ runState: 'running' });
    useStudio.getState().setPreset('Paper');
    const { config } = useStudio.getState();

    expect(config.channels).toBe(PRESETS.Demo.channels);
    expect(config.batchSize).toBe(PRESETS.Paper.batchSize);
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

  it('echoes a typed setting and names Image cap when it leaves too few images', async () => {
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
    useStudio.getState().setPreset('Demo');
    useStudio.getState().setField('seed', Number.NaN, 'abc');
    useStudio.getState().setField('maxImages', 1, '1');
    await useStudio.getState().start();

    expect(useStudio.getState().errors.map((e) => e.message)).toEqual([
      'Seed must be a number; got "abc"',
      expect.stringMatching(/^Image cap is 1: .*raise Image cap to at least 2/),
    ]);
    expect(useStudio.getState().runConfig).toBeNull();
  });

  it('refuses a genotype file over 5 MB before reading it, naming it and its size', async () => {
    const huge = new File([new Uint8Array(6 * 1024 * 1024)], 'huge.json');
    huge.text = () => Promise.reject(new Error('read'));
    await useStudio.getState().importGenotype(huge);

    const [error] = useStudio.getState().errors;
    expect(error.name).toBe('GenotypeTooLarge');
    expect(error.message).toMatch(/^huge\.json: 6 MB is too big/);
  });

  it('does not queue a step while one is in flight', async () => {
    useStudio.setState({ stepping: true });
    await useStudio.getState().step();
    expect(useStudio.getState().errors).toEqual([]);
    expect(useStudio.getState().stepping).toBe(true);

    // Without a worker the step fails, and Step is free again.
    useStudio.setState({ stepping: false });
    await useStudio.getState().step();
    expect(useStudio.getState().stepping).toBe(false);
    expect(useStudio.getState().errors[0].name).toBe('NotReady');
  });

  it('dismisses every error at once', () => {
    const { pushError } = useStudio.getState();
    for (let i = 0; i < 5; i++)
      pushError({ name: 'FileRejected', message: `${i}` });
    useStudio.getState().dismissAllErrors();
    expect(useStudio.getState().errors).toEqual([]);
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
