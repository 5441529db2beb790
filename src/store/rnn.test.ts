import { beforeEach, describe, expect, it } from 'vitest';
import { RNN_PRESETS } from '../core/rnnConfig';
import { RNN_DARTS_V2 } from '../core/rnnGenotype';
import { RNN_RETRAIN_PRESETS } from '../core/rnnRetrain';
import type { RnnSnapshot } from '../core/rnnSearch';
import { RNN_NUM_EDGES, RNN_NUM_OPS, rnnEdgeIndex } from '../core/rnnSpace';
import {
  appendCapped,
  chosenRnnGenotype,
  discreteOpWeights,
  useRnn,
} from './rnn';
import {
  ptbRejectMessage,
  readRnnField,
  routeDrop,
  rnnPresetOf,
  validateRnnConfig,
  withRnnField,
} from './rnnFields';
import { useStudio } from './studio';

const initialRnn = useRnn.getState();
const initialStudio = useStudio.getState();

beforeEach(() => {
  useRnn.setState(initialRnn, true);
  useStudio.setState(initialStudio, true);
});

const CORPUS = { trainTokens: 40_000, validTokens: 4_000, testTokens: 4_000 };

describe('validateRnnConfig', () => {
  it('accepts every preset, with and without a corpus', () => {
    for (const preset of Object.values(RNN_PRESETS)) {
      expect(validateRnnConfig(preset, 'search', null)).toEqual([]);
    }
    for (const preset of Object.values(RNN_RETRAIN_PRESETS)) {
      expect(validateRnnConfig(preset, 'retrain', null)).toEqual([]);
    }
    expect(validateRnnConfig(RNN_PRESETS.Demo, 'search', CORPUS)).toEqual([]);
  });

  it('names the field, the run and what arrived', () => {
    const config = withRnnField(RNN_PRESETS.Demo, 'hidden', 0);
    const messages = validateRnnConfig(config, 'search', null, {}).map(
      (p) => p.message,
    );
    expect(messages).toEqual([
      'Recurrent search: Hidden size must be at least 1; got 0',
    ]);
  });

  it('echoes text that is not a number, and says when a field is empty', () => {
    const config = withRnnField(
      withRnnField(RNN_RETRAIN_PRESETS.Demo, 'lr', Number.NaN),
      'dropouts.output',
      Number.NaN,
    );
    const messages = validateRnnConfig(config, 'retrain', null, {
      lr: 'fast',
      'dropouts.output': ' ',
    }).map((p) => p.message);
    expect(messages).toEqual([
      'Recurrent retrain: Learning rate must be a number; got "fast"',
      'Recurrent retrain: Output dropout is empty; enter a number',
    ]);
  });

  it('refuses a batch size that leaves fewer than 2 rows of a split', () => {
    const config = { ...RNN_PRESETS.Demo, batchSize: 3000, maxTokens: 5000 };
    const problems = validateRnnConfig(config, 'search', CORPUS);
    expect(problems.map((p) => p.key)).toEqual(['batchSize', 'batchSize']);
    expect(problems[0].message).toBe(
      'Recurrent search: Batch size 3000 cuts the 5,000 training tokens ' +
        'into 1 rows; at least 2 are needed — set it to at most 2500 or ' +
        'raise the token cap',
    );
    expect(problems[1].message).toContain('4,000 validation tokens');
  });

  it('checks the test split of a retrain only when there is one', () => {
    const config = { ...RNN_RETRAIN_PRESETS.Demo, testBatchSize: 3000 };
    expect(
      validateRnnConfig(config, 'retrain', CORPUS).map((p) => p.key),
    ).toEqual(['testBatchSize']);
    expect(
      validateRnnConfig(config, 'retrain', { ...CORPUS, testTokens: 0 }),
    ).toEqual([]);
  });

  it('refuses an order other than first or second', () => {
    const config = withRnnField(RNN_PRESETS.Demo, 'order', 'third');
    expect(validateRnnConfig(config, 'search', null)[0].message).toBe(
      'Recurrent search: Order must be first or second; got third',
    );
  });
});

describe('fields and presets', () => {
  it('reads and writes dropouts without touching the preset', () => {
    const next = withRnnField(RNN_PRESETS.Demo, 'dropouts.hidden', 0.1);
    expect(readRnnField(next, 'dropouts.hidden')).toBe(0.1);
    expect(RNN_PRESETS.Demo.dropouts.hidden).toBe(0.25);
    expect(rnnPresetOf(next, 'search')).toBe('Custom');
  });

  it('recognises each preset', () => {
    for (const name of ['Demo', 'Quick', 'Paper'] as const) {
      expect(rnnPresetOf(RNN_PRESETS[name], 'search')).toBe(name);
      expect(rnnPresetOf(RNN_RETRAIN_PRESETS[name], 'retrain')).toBe(name);
    }
  });

  it('setField keeps typed text only while it is not a number', () => {
    const { setField } = useRnn.getState();
    setField('bptt', Number.NaN, 'ten');
    expect(useRnn.getState().typed).toEqual({ bptt: 'ten' });
    setField('bptt', 10, '10');
    expect(useRnn.getState().typed).toEqual({});
    expect(useRnn.getState().config.bptt).toBe(10);
  });
});

describe('routeDrop', () => {
  const names = (files: { name: string }[]) => files.map((f) => f.name);

  it('sends PTB names to the PTB reader and CIFAR names to the CIFAR reader', () => {
    const files = [
      { name: 'ptb.train.txt' },
      { name: 'valid.txt' },
      { name: 'data_batch_1.bin' },
      { name: 'batches.meta.txt' },
      { name: 'cifar-10-binary.tar.gz' },
    ];
    for (const space of ['cnn', 'rnn'] as const) {
      const { ptb, cifar } = routeDrop(files, space);
      expect(names(ptb)).toEqual(['ptb.train.txt', 'valid.txt']);
      expect(names(cifar)).toEqual([
        'data_batch_1.bin',
        'batches.meta.txt',
        'cifar-10-binary.tar.gz',
      ]);
    }
  });

  it('sends other names to the reader of the space in view', () => {
    const files = [{ name: 'notes.txt' }];
    expect(names(routeDrop(files, 'cnn').cifar)).toEqual(['notes.txt']);
    expect(names(routeDrop(files, 'rnn').ptb)).toEqual(['notes.txt']);
  });
});

describe('discreteOpWeights', () => {
  it('puts weight 1 on each kept op and on none elsewhere', () => {
    const w = discreteOpWeights(RNN_DARTS_V2);
    expect(w).toHaveLength(RNN_NUM_EDGES * RNN_NUM_OPS);
    for (let e = 0; e < RNN_NUM_EDGES; e++) {
      const row = Array.from(
        w.subarray(e * RNN_NUM_OPS, (e + 1) * RNN_NUM_OPS),
      );
      expect(row.reduce((a, b) => a + b)).toBe(1);
    }
    // DARTS_V2 node 1 is sigmoid(0): row of edge 0 → node 1, column 3.
    expect(w[rnnEdgeIndex(1, 0) * RNN_NUM_OPS + 3]).toBe(1);
    const none = Array.from(
      { length: RNN_NUM_EDGES },
      (_, e) => w[e * RNN_NUM_OPS],
    ).filter((v) => v === 1);
    expect(none).toHaveLength(RNN_NUM_EDGES - 8);
  });
});

describe('the retrain genotype', () => {
  it('comes from the latest snapshot, a named genotype or a file', () => {
    const snapshot = { step: 7, genotype: RNN_DARTS_V2 } as RnnSnapshot;
    const base = {
      retrainSource: 'derived' as const,
      retrainNamed: 'DARTS_V1',
      retrainImported: null,
      latest: null,
    };
    expect(chosenRnnGenotype(base)).toBeNull();
    expect(chosenRnnGenotype({ ...base, latest: snapshot })?.name).toBe(
      'search, step 7',
    );
    expect(chosenRnnGenotype({ ...base, retrainSource: 'named' })?.name).toBe(
      'DARTS_V1',
    );
    expect(
      chosenRnnGenotype({ ...base, retrainSource: 'imported' }),
    ).toBeNull();
  });

  it('a start without a corpus names what to drop in the banner', async () => {
    await useRnn.getState().retrainStart();
    expect(useStudio.getState().errors.map((e) => e.message)).toEqual([
      expect.stringContaining('ptb.train.txt'),
    ]);
  });
});

describe('small helpers', () => {
  it('appendCapped thins the older half past the cap', () => {
    let history: number[] = [];
    for (let i = 0; i < 5; i++) history = appendCapped(history, i, 4);
    expect(history).toEqual([0, 2, 3, 4]);
  });

  it('ptbRejectMessage names the file once', () => {
    expect(
      ptbRejectMessage({
        file: 'a/ptb.valid.txt',
        ok: false,
        error: 'ptb.valid.txt: bad',
      }),
    ).toBe('ptb.valid.txt: bad');
    expect(ptbRejectMessage({ file: 'x.txt', ok: false, error: 'bad' })).toBe(
      'x.txt: bad',
    );
  });
});
