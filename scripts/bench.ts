/**
 * npm run bench: speed and memory of one search step, first and second
 * order, at the small config (C=8, 5 cells, batch 16) and the paper config
 * (C=16, 8 cells, batch 64), on each backend Node offers, beside the PyTorch
 * reference on this kind of machine (REFERENCE.md §10).
 *
 * Each measurement runs in its own process, so a backend that runs out of
 * memory fails alone. Random 32x32 inputs; data loading is excluded, as in
 * the reference's figures.
 *
 * Then one retrain step (forward, backward and SGD of the DARTS_V2
 * evaluation network with the auxiliary head, cutout and drop path, as
 * train.py) at C=16, 8 cells and at the paper's C=36, 20 cells, batch 96 or
 * the largest smaller batch that fits in memory.
 *
 *   npm run bench                 # everything
 *   npm run bench -- --quick      # small configs only
 *   npm run bench -- --backend wasm
 *   npm run bench -- --only retrain   # or --only search, --only rnn
 */
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { Architect } from '../src/core/architect';
import { PAPER_CONFIG, type SearchConfig } from '../src/core/config';
import { DARTS_V2 } from '../src/core/namedGenotypes';
import { Sgd } from '../src/core/optimizers';
import { Rng } from '../src/core/random';
import { RetrainRun } from '../src/core/retrain';
import { measureRnn, rnnTable, type RnnResult } from './benchRnn';
import { PAPER_RETRAIN } from '../src/core/retrainConfig';
import { SearchNetwork } from '../src/core/searchNetwork';
import { searchStep } from '../src/core/searchStep';
import { syntheticCifar } from '../src/testing/syntheticCifar';
import { useNodeBackend, type NodeBackend } from './nodeBackend';

interface Case {
  name: 'small' | 'paper';
  channels: number;
  layers: number;
  batch: number;
  /** Multiply-adds of one forward pass per image (REFERENCE.md §9). */
  macs: number;
  /** PyTorch CPU img/s for first and second order (REFERENCE.md §10). */
  reference: { first: number; second: number };
  referencePeakGb: { first: number; second: number };
}

const CASES: Case[] = [
  {
    name: 'small',
    channels: 8,
    layers: 5,
    batch: 16,
    macs: 61_629_696,
    reference: { first: 8.0, second: 3.6 },
    referencePeakGb: { first: 1.2, second: 1.7 },
  },
  {
    name: 'paper',
    channels: 16,
    layers: 8,
    batch: 64,
    macs: 300_255_744,
    reference: { first: 2.9, second: 1.2 },
    referencePeakGb: { first: 10, second: 18 },
  },
];

/** A search step costs about this many forward passes per image (§9). */
const PASSES = { first: 6, second: 13 };

interface RetrainCase {
  name: 'retrain-small' | 'retrain-paper';
  channels: number;
  layers: number;
  /** Batches to try on wasm, in order: the reference's 96, then smaller. */
  batches: number[];
  /** The one batch cpu runs, under CPU_LIMIT_S; null: cpu is skipped. */
  cpuBatch: number | null;
  /** Multiply-adds of one forward pass per image, where known (§9). */
  macs: number | null;
}

const RETRAIN_CASES: RetrainCase[] = [
  {
    name: 'retrain-small',
    channels: 16,
    layers: 8,
    batches: [96, 64, 32, 16],
    cpuBatch: 16,
    macs: null,
  },
  {
    name: 'retrain-paper',
    channels: 36,
    layers: 20,
    batches: [96, 48, 32, 16, 8, 4],
    cpuBatch: null,
    macs: 528_359_040,
  },
];

/** A retrain step: a forward pass and a backward pass of about twice its cost. */
const RETRAIN_PASSES = 3;

/** cpu retrain rows give up after this long: cpu is 30-300x slower than wasm. */
const CPU_LIMIT_S = 120;

interface Result {
  secondsPerStep: number;
  imagesPerSec: number;
  /** Peak resident memory of the measuring process (wasm's heap never shrinks). */
  maxRssMb: number;
}

const { values } = parseArgs({
  options: {
    one: { type: 'string' },
    quick: { type: 'boolean', default: false },
    backend: { type: 'string', multiple: true },
    steps: { type: 'string' },
    only: { type: 'string' },
  },
});

/** Child mode: one backend, case and order; prints a JSON result line. */
async function measure(
  backend: NodeBackend,
  c: Case,
  order: 'first' | 'second',
): Promise<Result> {
  await useNodeBackend(backend);
  const config: SearchConfig = { ...PAPER_CONFIG, order };
  const net = new SearchNetwork(
    { channels: c.channels, numClasses: 10, layers: c.layers },
    new Rng(2),
  );
  const sgd = new Sgd(config.momentum, config.weightDecay);
  const architect = new Architect(net, sgd, config);
  const rng = new Rng(5);
  const images = () =>
    tf.tensor4d(
      rng.fill(c.batch * 32 * 32 * 3, () => rng.normal()),
      [c.batch, 32, 32, 3],
    );
  const labels = () =>
    tf.tensor1d(
      Int32Array.from({ length: c.batch }, () => rng.int(10)),
      'int32',
    );
  const batch = {
    xTrain: images(),
    yTrain: labels(),
    xVal: images(),
    yVal: labels(),
  };
  const oneStep = async () => {
    const r = searchStep(
      net,
      architect,
      sgd,
      batch,
      config.lr,
      config.gradClip,
    );
    await r.trainLoss.data();
    tf.dispose([r.trainLoss, r.trainLogits, r.valLoss, r.valLogits]);
  };

  // The first step creates optimiser slots and warms the kernels; at the
  // paper size or on cpu it is too slow to spare (minutes), and costs about
  // the same as the others.
  const quick = c.name === 'paper' || backend === 'cpu';
  if (!quick) await oneStep();
  const steps = Number(values.steps ?? (quick ? 1 : 3));
  const start = performance.now();
  for (let i = 0; i < steps; i++) await oneStep();
  const seconds = (performance.now() - start) / 1000 / steps;

  return {
    secondsPerStep: seconds,
    imagesPerSec: c.batch / seconds,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
  };
}

/**
 * Child mode: one retrain step as RetrainRun takes it (augmentation and
 * cutout on the CPU included), on random-pattern images.
 */
async function measureRetrain(
  backend: NodeBackend,
  c: RetrainCase,
  batch: number,
): Promise<Result> {
  await useNodeBackend(backend);
  // One batch per epoch; starting halfway through 100 epochs makes drop
  // path 0.1 (>0, so the masks are drawn and applied: their cost does not
  // depend on the probability).
  const run = RetrainRun.create(
    {
      ...PAPER_RETRAIN,
      channels: c.channels,
      layers: c.layers,
      batchSize: batch,
      epochs: 100,
    },
    DARTS_V2,
    syntheticCifar(batch),
    { backend, dataset: 'synthetic' },
  );
  run.step = 50;
  const oneStep = async () => {
    run.runStep();
    await run.snapshot();
  };

  // As for search: the first step is too slow to spare at the paper size
  // or on cpu, and costs about the same as the others.
  const quick = c.name === 'retrain-paper' || backend === 'cpu';
  if (!quick) await oneStep();
  const steps = Number(values.steps ?? (quick ? 1 : 3));
  const start = performance.now();
  for (let i = 0; i < steps; i++) await oneStep();
  const seconds = (performance.now() - start) / 1000 / steps;
  run.dispose();

  return {
    secondsPerStep: seconds,
    imagesPerSec: batch / seconds,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
  };
}

/** Runs `--one spec` in a fresh process: its result, or why it failed. */
function child(spec: string, limitS?: number): Result | string {
  const r = spawnSync(
    process.execPath,
    [
      ...process.execArgv,
      process.argv[1],
      '--one',
      spec,
      ...(values.steps ? ['--steps', values.steps] : []),
    ],
    {
      encoding: 'utf8',
      maxBuffer: 1 << 24,
      timeout: limitS === undefined ? undefined : limitS * 1000,
    },
  );
  const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (line) return JSON.parse(line.slice(7)) as Result;
  if (r.signal === 'SIGTERM') return `stopped after ${limitS} s`;
  return (
    r.stderr
      .trim()
      .split('\n')
      .find((l) => /Error|Abort|memory/i.test(l)) ?? `exit ${r.status}`
  ).slice(0, 80);
}

/** The retrain rows: per backend and case, the first batch that runs. */
function retrainTable(backends: NodeBackend[]): void {
  const widths = [7, 24, 22, 8, 7, 8, 9];
  const cases = values.quick ? RETRAIN_CASES.slice(0, 1) : RETRAIN_CASES;
  process.stdout.write(
    '\nDARTS_V2 retrain step (auxiliary head, cutout 16, drop path), ' +
      `random-pattern 32x32 input, Node ${process.version}, ` +
      `tfjs ${tf.version_core}\n\n` +
      row(
        ['backend', 'config', 'batch', 's/step', 'img/s', 'GFLOP/s', 'peak MB'],
        widths,
      ) +
      '\n',
  );

  for (const backend of backends) {
    for (const c of cases) {
      const label = `C=${c.channels} L=${c.layers} (${c.name.slice(8)})`;
      if (backend === 'cpu' && c.cpuBatch === null) {
        process.stdout.write(
          row(
            [backend, label, 'skipped: cpu too slow at this size'],
            widths.slice(0, 3),
          ) + '\n',
        );
        continue;
      }
      const refused: { batch: number; why: string }[] = [];
      let measured = false;
      const cpu = backend === 'cpu';
      const batches = cpu ? [c.cpuBatch!] : c.batches;
      for (const batch of batches) {
        const spec = `${backend}:${c.name}:${batch}`;
        const r = child(spec, cpu ? CPU_LIMIT_S : undefined);
        if (typeof r === 'string') {
          refused.push({ batch, why: r });
          continue;
        }
        const gflops =
          c.macs === null
            ? '-'
            : ((c.macs * 2 * RETRAIN_PASSES * r.imagesPerSec) / 1e9).toFixed(1);
        const note = refused.length
          ? `${batch} (${refused.map((f) => f.batch).join(', ')} failed)`
          : String(batch);
        process.stdout.write(
          row(
            [
              backend,
              label,
              note,
              r.secondsPerStep.toFixed(2),
              r.imagesPerSec.toFixed(2),
              gflops,
              r.maxRssMb.toFixed(0),
            ],
            widths,
          ) + '\n',
        );
        measured = true;
        break;
      }
      for (const f of refused) {
        process.stdout.write(`        batch ${f.batch}: ${f.why}\n`);
      }
      if (!measured) {
        process.stdout.write(
          row([backend, label, 'failed at every batch'], widths.slice(0, 3)) +
            '\n',
        );
      }
    }
  }
  process.stdout.write(
    '\nbatch: 96 as train.py where it fits, else the largest smaller batch ' +
      "that ran (wasm32's heap stops at 4 GB; each failure is listed under " +
      `its row). cpu runs batch 16 only, for at most ${CPU_LIMIT_S} s. ` +
      "peak MB: the measuring process's peak resident memory. " +
      'GFLOP/s: 2 FLOPs per multiply-add, a step as 3 forward passes per ' +
      'image, where the forward cost is known (REFERENCE.md §9).\n',
  );
}

function row(cells: string[], widths: number[]): string {
  return cells.map((s, i) => s.padStart(widths[i])).join('  ');
}

async function main(): Promise<void> {
  if (values.one?.startsWith('rnn:')) {
    const [, backend, name, order] = values.one.split(':');
    const r = await measureRnn(
      backend as NodeBackend,
      name,
      order as 'first' | 'second',
      Number(values.steps ?? (name === 'rnn-paper' ? 1 : 3)),
    );
    process.stdout.write(`RESULT ${JSON.stringify(r)}\n`);
    return;
  }
  if (values.one?.includes(':retrain-')) {
    const [backend, name, batch] = values.one.split(':');
    const c = RETRAIN_CASES.find((x) => x.name === name)!;
    const r = await measureRetrain(backend as NodeBackend, c, Number(batch));
    process.stdout.write(`RESULT ${JSON.stringify(r)}\n`);
    return;
  }
  if (values.one) {
    const [backend, name, order] = values.one.split(':');
    const c = CASES.find((x) => x.name === name)!;
    const r = await measure(
      backend as NodeBackend,
      c,
      order as 'first' | 'second',
    );
    process.stdout.write(`RESULT ${JSON.stringify(r)}\n`);
    return;
  }

  const backends = (values.backend ?? ['wasm', 'cpu']) as NodeBackend[];
  const only = values.only;
  if (only !== undefined && !/^(search|retrain|rnn)$/.test(only)) {
    throw new Error(`--only must be search, retrain or rnn, got '${only}'`);
  }
  if (only === undefined || only === 'search') searchTable(backends);
  if (only === undefined || only === 'retrain') retrainTable(backends);
  if (only === undefined || only === 'rnn') {
    rnnTable(
      backends,
      values.quick!,
      (spec, limit) => child(spec, limit) as RnnResult | string,
    );
  }
}

function searchTable(backends: NodeBackend[]): void {
  const cases = values.quick ? CASES.slice(0, 1) : CASES;
  const widths = [7, 26, 6, 8, 7, 8, 9, 10, 8, 8];
  process.stdout.write(
    `DARTS search step, random 32x32 input, Node ${process.version}, ` +
      `tfjs ${tf.version_core}\n\n`,
  );
  process.stdout.write(
    row(
      [
        'backend',
        'config',
        'order',
        's/step',
        'img/s',
        'GFLOP/s',
        'peak MB',
        'ref img/s',
        'ref GB',
        'vs ref',
      ],
      widths,
    ) + '\n',
  );

  for (const backend of backends) {
    for (const c of cases) {
      for (const order of ['first', 'second'] as const) {
        const label = `C=${c.channels} L=${c.layers} B=${c.batch} (${c.name})`;
        // The cpu backend is 30-300x slower than wasm on convolutions: a
        // paper-size step would take the better part of an hour.
        if (backend === 'cpu' && c.name === 'paper') {
          process.stdout.write(
            row(
              [backend, label, order, 'skipped: cpu too slow at this size'],
              widths.slice(0, 4),
            ) + '\n',
          );
          continue;
        }
        const child = spawnSync(
          process.execPath,
          [
            ...process.execArgv,
            process.argv[1],
            '--one',
            `${backend}:${c.name}:${order}`,
            ...(values.steps ? ['--steps', values.steps] : []),
          ],
          { encoding: 'utf8', maxBuffer: 1 << 24 },
        );
        const line = child.stdout
          .split('\n')
          .find((l) => l.startsWith('RESULT '));
        if (!line) {
          const why = (
            child.stderr
              .trim()
              .split('\n')
              .find((l) => /Error|Abort/.test(l)) ?? `exit ${child.status}`
          ).slice(0, 80);
          process.stdout.write(
            row([backend, label, order, `failed: ${why}`], widths.slice(0, 4)) +
              '\n',
          );
          continue;
        }
        const r: Result = JSON.parse(line.slice(7));
        const gflops = (c.macs * 2 * PASSES[order] * r.imagesPerSec) / 1e9;
        const ref = c.reference[order];
        process.stdout.write(
          row(
            [
              backend,
              label,
              order,
              r.secondsPerStep.toFixed(2),
              r.imagesPerSec.toFixed(2),
              gflops.toFixed(1),
              r.maxRssMb.toFixed(0),
              ref.toFixed(1),
              c.referencePeakGb[order].toFixed(1),
              `${(r.imagesPerSec / ref).toFixed(2)}x`,
            ],
            widths,
          ) + '\n',
        );
      }
    }
  }
  process.stdout.write(
    '\nref: PyTorch 1.13 CPU, 2 threads, same machine kind (REFERENCE.md §10). ' +
      "peak MB: the measuring process's peak resident memory.\n" +
      'GFLOP/s counts 2 FLOPs per multiply-add, a step as 6 (first order) or 13 ' +
      '(second order) forward passes per training image (REFERENCE.md §9).\n',
  );
}

main().catch((e: Error) => {
  process.stderr.write(`bench: ${e.stack ?? e.message}\n`);
  process.exit(1);
});
