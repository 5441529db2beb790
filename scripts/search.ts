/**
 * The command-line runner: the same search core as the studio, on Node.
 *
 *   npm run search -- --data <files|folder|archive> [options]
 *
 * Prints one fixed-format line per interval and the genotype each epoch,
 * and writes the genotype JSON (also on Ctrl-C).
 */
import { accessSync, constants, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import {
  PRESETS,
  type PresetName,
  type SearchConfig,
} from '../src/core/config';
import { deriveGenotype } from '../src/core/genotype';
import { genotypeToPython } from '../src/core/genotypePython';
import { SearchRun } from '../src/core/search';
import type { Snapshot } from '../src/core/snapshot';
import { validateConfig } from '../src/store/configFields';
import {
  DEMO_FILES,
  loadCifarOrExit,
  numberOption,
  parseOptions,
  usageError,
} from './cli';
import { edgeKernelsLine } from '../src/core/fused/edgeWasm';
import { useNodeBackend, type NodeBackend } from './nodeBackend';

const USAGE = `usage: npm run search -- --data <path>... [options]

  --data PATH        CIFAR-10 .bin batches, a folder of them, or
                     cifar-10-binary.tar.gz (repeatable); default: the demo set
  --preset NAME      Demo | Quick | Paper (default Demo)
  --order first|second
  --channels N  --layers N  --batch N  --epochs N  --seed N
  --lr X  --arch-lr X  --max-images N  --train-portion X
  --every N          print a line every N steps (default: the preset's)
  --backend wasm|cpu (default wasm)
  --out FILE         genotype JSON path (default genotype.json)

The recurrent search on Penn Treebank: npm run search -- --space rnn --help`;

const values = parseOptions('search', USAGE, {
  data: { type: 'string', multiple: true },
  preset: { type: 'string', default: 'Demo' },
  order: { type: 'string' },
  channels: { type: 'string' },
  layers: { type: 'string' },
  batch: { type: 'string' },
  epochs: { type: 'string' },
  seed: { type: 'string' },
  lr: { type: 'string' },
  'arch-lr': { type: 'string' },
  'max-images': { type: 'string' },
  'train-portion': { type: 'string' },
  every: { type: 'string' },
  backend: { type: 'string', default: 'wasm' },
  out: { type: 'string', default: 'genotype.json' },
  help: { type: 'boolean', default: false },
});

function fail(message: string): never {
  return usageError('search', message);
}

function num(name: string, value: string | undefined): number | undefined {
  return numberOption('search', name, value);
}

function buildConfig(): SearchConfig {
  const preset = values.preset as PresetName;
  if (!(preset in PRESETS))
    fail(`unknown --preset '${preset}'; use Demo, Quick or Paper`);
  const c: SearchConfig = { ...PRESETS[preset] };
  const set = <K extends keyof SearchConfig>(
    k: K,
    v: SearchConfig[K] | undefined,
  ) => {
    if (v !== undefined) c[k] = v;
  };
  if (
    values.order !== undefined &&
    values.order !== 'first' &&
    values.order !== 'second'
  ) {
    fail(`--order must be first or second, got '${values.order}'`);
  }
  set('order', values.order as SearchConfig['order'] | undefined);
  set('channels', num('channels', values.channels));
  set('layers', num('layers', values.layers));
  set('batchSize', num('batch', values.batch));
  set('epochs', num('epochs', values.epochs));
  set('seed', num('seed', values.seed));
  set('lr', num('lr', values.lr));
  set('archLr', num('arch-lr', values['arch-lr']));
  set('maxImages', num('max-images', values['max-images']));
  set('trainPortion', num('train-portion', values['train-portion']));
  set('snapshotEvery', num('every', values.every));

  const problems = validateConfig(c);
  if (problems.length > 0) {
    fail(
      problems
        .map((p) => `${FLAGS[p.key] ?? p.key}: ${p.message}`)
        .join('\n        '),
    );
  }
  return c;
}

/** The option that sets each config field, for messages. */
const FLAGS: Partial<Record<keyof SearchConfig, string>> = {
  order: '--order',
  channels: '--channels',
  layers: '--layers',
  batchSize: '--batch',
  epochs: '--epochs',
  seed: '--seed',
  lr: '--lr',
  archLr: '--arch-lr',
  maxImages: '--max-images',
  trainPortion: '--train-portion',
  snapshotEvery: '--every',
};

/** Fails now, not after the search, if the genotype cannot be written. */
function checkWritable(path: string): void {
  const dir = dirname(resolve(path));
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    fail(
      `--out: cannot write ${path}: folder ${dir} does not exist or is not writable`,
    );
  }
}

function line(s: Snapshot, msPerStep: number): string {
  const f = (x: number, d: number) =>
    Number.isFinite(x) ? x.toFixed(d) : 'nan';
  return (
    `epoch ${String(s.epoch).padStart(3)} ` +
    `step ${String(s.step).padStart(6)}/${s.totalSteps} ` +
    `train_loss ${f(s.trainLoss, 4)} train_acc ${f(s.trainAcc * 100, 2)} ` +
    `arch_loss ${f(s.archLoss, 4)} arch_acc ${f(s.archAcc * 100, 2)} ` +
    `lr ${s.lr.toExponential(4)} img/s ${f(s.imagesPerSec, 2)} ` +
    `ms/step ${f(msPerStep, 0)}`
  );
}

async function main(): Promise<void> {
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const config = buildConfig();
  checkWritable(values.out!);
  const backend = values.backend as NodeBackend;
  if (backend !== 'wasm' && backend !== 'cpu') {
    fail(`--backend must be wasm or cpu, got '${backend}'`);
  }
  const paths = values.data ?? DEMO_FILES;
  const source = values.data ? 'files' : 'demo';

  const data = await loadCifarOrExit('search', paths);

  // Now that the data is known: enough classes, and images for both halves.
  const classes = data.train.labels.reduce((m, v) => Math.max(m, v + 1), 0);
  const problems = validateConfig(config, classes, {
    trainImages: data.train.count,
  });
  if (problems.length > 0) {
    fail(
      problems
        .map((p) => `${FLAGS[p.key] ?? p.key}: ${p.message}`)
        .join('\n        '),
    );
  }

  await useNodeBackend(backend);
  const run = SearchRun.create(config, data, {
    backend,
    dataset: paths.join(', '),
    source,
  });
  process.stdout.write(
    `search: ${config.order} order, C=${config.channels}, ${config.layers} cells, ` +
      `batch ${config.batchSize}, ${config.epochs} epoch${config.epochs === 1 ? '' : 's'}, ${run.stepsPerEpoch} steps/epoch, ` +
      `${run.net.store.count.toLocaleString('en-US')} weights, backend ${backend}\n` +
      `${edgeKernelsLine()}\n`,
  );

  const save = async () => {
    writeFileSync(values.out!, await run.exportGenotype());
    process.stdout.write(`genotype written to ${values.out}\n`);
  };
  // Ctrl-C: finish the step in flight and write the genotype; a second
  // Ctrl-C quits at once.
  let stopping = false;
  process.on('SIGINT', () => {
    if (stopping) process.exit(130);
    stopping = true;
    process.stdout.write(
      'stopping after this step (Ctrl-C again to quit now)\n',
    );
  });

  let lastEpoch = -1;
  let lastTime = performance.now();
  let lastStep = 0;
  while (!run.done && !stopping) {
    if (run.epoch !== lastEpoch && run.step % run.stepsPerEpoch === 0) {
      lastEpoch = run.epoch;
      const [n, r] = await run.opWeights();
      process.stdout.write(
        `epoch ${run.epoch} lr ${run.lr.toExponential(6)} genotype = ` +
          `${genotypeToPython(deriveGenotype(n, r))}\n`,
      );
    }
    await run.runStep();
    // A macrotask boundary, so a pending SIGINT handler gets to run.
    await new Promise((r) => setImmediate(r));
    if (run.step % config.snapshotEvery === 0 || run.done) {
      const snap = await run.snapshot();
      const now = performance.now();
      process.stdout.write(
        `${line(snap, (now - lastTime) / (run.step - lastStep))}\n`,
      );
      lastTime = now;
      lastStep = run.step;
    }
  }

  const final = await run.snapshot();
  process.stdout.write(
    `final genotype = ${genotypeToPython(final.genotype)}\n`,
  );
  await save();
  run.dispose();
}

main().catch((e: Error) => fail(e.message));
