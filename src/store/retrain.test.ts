import { beforeEach, describe, expect, it } from 'vitest';
import { DARTS_V2 } from '../core/namedGenotypes';
import type { RetrainSnapshot, TestResult } from '../core/retrain';
import { RETRAIN_PRESETS } from '../core/retrainConfig';
import {
  appendRetrainSnapshot,
  epochPoints,
  chosenGenotype,
  latestTest,
  useRetrain,
} from './retrain';
import { retrainPresetOf, validateRetrainConfig } from './retrainFields';
import { useStudio } from './studio';

const initialRetrain = useRetrain.getState();
const initialStudio = useStudio.getState();

beforeEach(() => {
  useRetrain.setState(initialRetrain, true);
  useStudio.setState(initialStudio, true);
});

function messages(config = RETRAIN_PRESETS.Demo, classes?: number) {
  return validateRetrainConfig(config, classes).map((p) => p.message);
}

describe('validateRetrainConfig', () => {
  it('accepts every preset', () => {
    for (const preset of Object.values(RETRAIN_PRESETS)) {
      expect(validateRetrainConfig(preset, 10)).toEqual([]);
    }
  });

  it('wants at least three cells, naming the field', () => {
    expect(messages({ ...RETRAIN_PRESETS.Demo, layers: 2 })).toEqual([
      'Retrain: Cells must be at least 3; got 2',
    ]);
  });

  it('wants positive whole numbers for counts', () => {
    const config = { ...RETRAIN_PRESETS.Demo, batchSize: 0, epochs: 2.5 };
    expect(messages(config)).toEqual([
      'Retrain: Epochs must be a whole number; got 2.5',
      'Retrain: Batch size must be at least 1; got 0',
    ]);
  });

  it('echoes text typed into a number field', () => {
    const config = { ...RETRAIN_PRESETS.Demo, channels: Number.NaN };
    const problems = validateRetrainConfig(config, 10, { channels: '8x' });
    expect(problems).toEqual([
      {
        key: 'channels',
        message: 'Retrain: Initial channels C must be a number; got "8x"',
      },
    ]);
  });

  it('refuses a learning rate of zero and a schedule that rises', () => {
    expect(messages({ ...RETRAIN_PRESETS.Demo, lr: 0 })).toEqual([
      'Retrain: Learning rate must be above 0; got 0',
    ]);
    expect(messages({ ...RETRAIN_PRESETS.Demo, lr: 0.01, lrMin: 0.1 })).toEqual(
      [
        'Retrain: Minimum learning rate is 0.1, above the learning rate 0.01; set it lower',
      ],
    );
  });

  it('wants as many classes as the data has', () => {
    expect(messages({ ...RETRAIN_PRESETS.Demo, numClasses: 5 }, 10)).toEqual([
      'Retrain: Classes is 5 but the data has 10; set it to 10',
    ]);
  });
});

describe('retrain presets and fields', () => {
  it('names the preset a config equals, else Custom', () => {
    expect(retrainPresetOf(RETRAIN_PRESETS.Quick)).toBe('Quick');
    expect(retrainPresetOf({ ...RETRAIN_PRESETS.Quick, seed: 3 })).toBe(
      'Custom',
    );
  });

  it('remembers what was typed into a field until it is a number again', () => {
    const { setField } = useRetrain.getState();
    setField('layers', Number.NaN, 'x');
    expect(useRetrain.getState().typed).toEqual({ layers: 'x' });
    setField('layers', 4, '4');
    expect(useRetrain.getState().typed).toEqual({});
    expect(useRetrain.getState().config.layers).toBe(4);
  });
});

describe('the genotype to retrain', () => {
  it('follows the search, then a file, then a named genotype', () => {
    expect(chosenGenotype(useRetrain.getState())).toBeNull();

    useStudio.setState({ genotype: DARTS_V2 });
    expect(chosenGenotype(useRetrain.getState())?.genotype).toBe(DARTS_V2);

    useRetrain.getState().setNamed('NASNet');
    expect(chosenGenotype(useRetrain.getState())?.name).toBe('NASNet');
  });

  it('imports a Python genotype line and names it by its file', async () => {
    const line =
      "Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), " +
      "('skip_connect', 0), ('sep_conv_3x3', 1), ('skip_connect', 0), " +
      "('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('skip_connect', 2)], " +
      'normal_concat=[2, 3, 4, 5], ' +
      "reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), " +
      "('max_pool_3x3', 0), ('max_pool_3x3', 0), ('skip_connect', 2), " +
      "('skip_connect', 2), ('avg_pool_3x3', 0)], reduce_concat=[2, 3, 4, 5])";
    await useRetrain
      .getState()
      .importGenotype(new File([line], 'best.py', { type: 'text/plain' }));

    const chosen = chosenGenotype(useRetrain.getState());
    expect(chosen?.name).toBe('best.py');
    expect(chosen?.genotype.normal[0]).toEqual(['sep_conv_3x3', 0]);
  });

  it('puts a malformed file in the banner with its name', async () => {
    await useRetrain
      .getState()
      .importGenotype(new File(['{"normal": 3'], 'broken.json'));

    const errors = useStudio.getState().errors;
    expect(errors).toHaveLength(1);
    expect(errors[0].message).toContain('broken.json');
    expect(useRetrain.getState().imported).toBeNull();
  });
});

describe('retrain snapshots', () => {
  const test = { epochs: 1, accuracy: 0.5 } as TestResult;
  const snap = (step: number, tests: TestResult[] = []) =>
    ({ step, tests }) as unknown as RetrainSnapshot;

  it('thins the older half past the cap', () => {
    let history: RetrainSnapshot[] = [];
    for (let step = 1; step <= 100; step++) {
      history = appendRetrainSnapshot(history, snap(step), 20);
    }
    expect(history.length).toBeLessThanOrEqual(20);
    expect(history[history.length - 1].step).toBe(100);
  });

  it('gives the comparison row the latest test accuracy', () => {
    useRetrain.setState({
      runs: [
        {
          id: 1,
          genotype: 'DARTS_V2',
          source: 'named',
          params: 100,
          auxParams: 10,
          epochs: 2,
          epochsTested: 0,
          accuracy: null,
        },
      ],
    });
    useRetrain.getState().receiveSnapshot(snap(5, [test]));

    expect(useRetrain.getState().runs[0].accuracy).toBe(0.5);
    expect(latestTest(useRetrain.getState().latest)).toBe(test);
  });
});

describe('epochPoints', () => {
  const snap = (step: number, trainAcc: number, tests: TestResult[] = []) =>
    ({
      step,
      stepsPerEpoch: 4,
      trainLoss: 1 - trainAcc,
      trainAcc,
      tests,
    }) as unknown as RetrainSnapshot;

  it('averages each finished epoch, tests beside it, and lists the one in progress', () => {
    const test = { epochs: 1, accuracy: 0.4, loss: 1.5 } as TestResult;
    const points = epochPoints([
      snap(2, 0.2),
      snap(4, 0.4),
      snap(5, 0.5, [test]),
      snap(6, 0.6, [test]),
    ]);

    const rounded = points.map((p) =>
      Object.values(p).map((v) => Math.round(v * 1000) / 1000),
    );

    expect(rounded).toEqual([
      [1, 0.7, 0.3, 1.5, 0.4],
      [1.25, 0.5, 0.5, Number.NaN, Number.NaN],
      [1.5, 0.4, 0.6, Number.NaN, Number.NaN],
    ]);
  });
});
