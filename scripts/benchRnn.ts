/**
 * The recurrent rows of `npm run bench`: one recurrent search step
 * (architecture step on a validation chunk, then the weight step) on a
 * random token stream, first and second order, at a small size and at the
 * reference's (300 hidden, batch 256, bptt 35, 10,000 words).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { PtbCorpus } from '../src/data/ptb';
import { Rng } from '../src/core/random';
import { RNN_PAPER_CONFIG, type RnnSearchConfig } from '../src/core/rnnConfig';
import { RnnSearchRun } from '../src/core/rnnSearch';
import { useNodeBackend, type NodeBackend } from './nodeBackend';

interface RnnCase {
  name: 'rnn-small' | 'rnn-paper';
  hidden: number;
  batch: number;
  vocabulary: number;
}

export const RNN_CASES: RnnCase[] = [
  { name: 'rnn-small', hidden: 64, batch: 32, vocabulary: 2000 },
  { name: 'rnn-paper', hidden: 300, batch: 256, vocabulary: 10000 },
];

export interface RnnResult {
  secondsPerStep: number;
  tokensPerSec: number;
  maxRssMb: number;
}

/** Child mode: steps of one case on `backend`; chunks of exactly bptt. */
export async function measureRnn(
  backend: NodeBackend,
  name: string,
  order: 'first' | 'second',
  steps: number,
): Promise<RnnResult> {
  await useNodeBackend(backend);
  const c = RNN_CASES.find((x) => x.name === name)!;
  const rng = new Rng(1);
  const stream = (n: number) =>
    Int32Array.from({ length: n }, () => rng.int(c.vocabulary));
  const bptt = RNN_PAPER_CONFIG.bptt;
  // Enough rows for the measured steps without reaching an epoch's end.
  const rows = bptt * (steps + 3);
  const corpus: PtbCorpus = {
    vocab: Array.from({ length: c.vocabulary }, (_, i) => `w${i}`),
    train: stream(rows * c.batch),
    valid: stream(rows * c.batch),
    test: null,
  };
  const config: RnnSearchConfig = {
    ...RNN_PAPER_CONFIG,
    hidden: c.hidden,
    batchSize: c.batch,
    order,
  };
  const run = RnnSearchRun.create(config, corpus);
  const oneStep = async () => {
    run.runStep();
    await run.snapshot();
  };

  const quick = c.name === 'rnn-paper' || backend === 'cpu';
  if (!quick) await oneStep();
  const start = performance.now();
  for (let i = 0; i < steps; i++) await oneStep();
  const seconds = (performance.now() - start) / 1000 / steps;
  run.dispose();
  tf.disposeVariables();

  return {
    secondsPerStep: seconds,
    // A step trains on one chunk: seqLen (35, or 17 one time in 20) × batch.
    tokensPerSec: (bptt * c.batch) / seconds,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
  };
}

/** The recurrent table, each case measured in a fresh process by `child`. */
export function rnnTable(
  backends: NodeBackend[],
  quick: boolean,
  child: (spec: string, limitS?: number) => RnnResult | string,
): void {
  const widths = [7, 30, 6, 8, 8, 9, 9];
  const cases = quick ? RNN_CASES.slice(0, 1) : RNN_CASES;
  const row = (cells: string[]) =>
    cells.map((s, i) => s.padStart(widths[i])).join('  ');
  process.stdout.write(
    `\nRecurrent search step (random token stream, bptt 35), Node ${process.version}\n\n` +
      row([
        'backend',
        'config',
        'order',
        's/step',
        'steps/s',
        'tokens/s',
        'peak MB',
      ]) +
      '\n',
  );
  for (const backend of backends) {
    for (const c of cases) {
      const label = `H=${c.hidden} B=${c.batch} V=${c.vocabulary} (${c.name.slice(4)})`;
      for (const order of ['first', 'second'] as const) {
        if (backend === 'cpu' && c.name === 'rnn-paper') {
          process.stdout.write(
            row([backend, label, order, 'skipped: cpu too slow at this size']) +
              '\n',
          );
          continue;
        }
        const r = child(`rnn:${backend}:${c.name}:${order}`, 1200);
        process.stdout.write(
          (typeof r === 'string'
            ? row([backend, label, order, r])
            : row([
                backend,
                label,
                order,
                r.secondsPerStep.toFixed(2),
                (1 / r.secondsPerStep).toFixed(3),
                r.tokensPerSec.toFixed(0),
                r.maxRssMb.toFixed(0),
              ])) + '\n',
        );
      }
    }
  }
  process.stdout.write(
    '\nsteps/s: search steps (one architecture step and one weight step on ' +
      'a 35-row chunk) per second; the reference runs this on a GPU and ' +
      'gives no CPU figure to compare with.\n',
  );
}
