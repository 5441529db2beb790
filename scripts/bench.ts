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
 *   npm run bench                 # everything
 *   npm run bench -- --quick      # small config only
 *   npm run bench -- --backend wasm
 */
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { Architect } from '../src/core/architect';
import { PAPER_CONFIG, type SearchConfig } from '../src/core/config';
import { Sgd } from '../src/core/optimizers';
import { Rng } from '../src/core/random';
import { SearchNetwork } from '../src/core/searchNetwork';
import { searchStep } from '../src/core/searchStep';
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

function row(cells: string[], widths: number[]): string {
  return cells.map((s, i) => s.padStart(widths[i])).join('  ');
}

async function main(): Promise<void> {
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
