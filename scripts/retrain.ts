/**
 * The command-line retrain: a genotype trained from scratch on Node with the
 * same core as the studio's Retrain tab (REFERENCE.md §5.5).
 *
 *   npm run retrain -- --genotype <file|name> --data <files|folder|archive>
 *
 * Prints one fixed-format line per interval and a test line per epoch, and
 * writes the model files, the genotype and results.json to --out (also on
 * Ctrl-C, with what has been trained so far).
 */
import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { cellToDot, cellToSvg } from '../src/core/cellDrawing';
import type { Genotype } from '../src/core/genotype';
import {
  GenotypeFormatError,
  parseGenotypeJson,
} from '../src/core/genotypeJson';
import {
  genotypeToPython,
  pickPythonGenotype,
} from '../src/core/genotypePython';
import { formatParamCount } from '../src/core/metrics';
import { encodeModelFiles } from '../src/core/modelFiles';
import { NAMED_GENOTYPES } from '../src/core/namedGenotypes';
import {
  RetrainRun,
  type RetrainSnapshot,
  type TestResult,
} from '../src/core/retrain';
import {
  RETRAIN_PRESETS,
  type RetrainConfig,
  type RetrainPresetName,
} from '../src/core/retrainConfig';
import type { CifarData } from '../src/data/types';
import {
  RETRAIN_FIELDS,
  validateRetrainConfig,
  type RetrainFieldSpec,
} from '../src/store/retrainFields';
import {
  DEMO_FILES,
  loadCifarOrExit,
  numberOption,
  parseOptions,
  usageError,
} from './cli';
import { useNodeBackend, type NodeBackend } from './nodeBackend';

const NAMES = Object.keys(NAMED_GENOTYPES).join(', ');

const USAGE = `usage: npm run retrain -- --genotype <file|name> --data <path>... [options]

  --genotype SPEC    a genotype .json file, a .py/.txt file with a
                     Genotype(...) line (FILE:NAME picks NAME = Genotype(...)),
                     or a name: ${NAMES}
  --data PATH        CIFAR-10 .bin batches, a folder of them, or
                     cifar-10-binary.tar.gz (repeatable); default: the demo set
  --preset NAME      Demo | Quick | Paper (default Demo)
  --channels N  --layers N  --classes N  --batch-size N  --epochs N
  --lr X  --lr-min X  --momentum X  --weight-decay X  --grad-clip X
  --auxiliary | --no-auxiliary  --aux-weight X
  --cutout N         cutout side in pixels, 0 for none
  --drop-path X      drop path probability reached at the last epoch
  --max-images N  --max-test-images N   (0 = all)
  --seed N
  --snapshot-every N print a line every N steps (default: the preset's)
  --backend wasm|cpu (default wasm)
  --out DIR          where the model files and results go (default retrain-out)`;

const values = parseOptions('retrain', USAGE, {
  genotype: { type: 'string' },
  data: { type: 'string', multiple: true },
  preset: { type: 'string', default: 'Demo' },
  channels: { type: 'string' },
  layers: { type: 'string' },
  classes: { type: 'string' },
  'batch-size': { type: 'string' },
  epochs: { type: 'string' },
  lr: { type: 'string' },
  'lr-min': { type: 'string' },
  momentum: { type: 'string' },
  'weight-decay': { type: 'string' },
  'grad-clip': { type: 'string' },
  auxiliary: { type: 'boolean' },
  'no-auxiliary': { type: 'boolean' },
  'aux-weight': { type: 'string' },
  cutout: { type: 'string' },
  'drop-path': { type: 'string' },
  'max-images': { type: 'string' },
  'max-test-images': { type: 'string' },
  seed: { type: 'string' },
  'snapshot-every': { type: 'string' },
  backend: { type: 'string', default: 'wasm' },
  out: { type: 'string', default: 'retrain-out' },
  help: { type: 'boolean', default: false },
});

function fail(message: string): never {
  return usageError('retrain', message);
}

/**
 * The option behind each field; the ranges are the studio's, checked by
 * validateRetrainConfig (src/store/retrainFields.ts).
 */
const FLAGS: Record<keyof RetrainConfig, string> = {
  channels: 'channels',
  layers: 'layers',
  numClasses: 'classes',
  auxiliary: 'auxiliary',
  epochs: 'epochs',
  batchSize: 'batch-size',
  lr: 'lr',
  lrMin: 'lr-min',
  momentum: 'momentum',
  weightDecay: 'weight-decay',
  gradClip: 'grad-clip',
  auxWeight: 'aux-weight',
  cutout: 'cutout',
  dropPath: 'drop-path',
  maxImages: 'max-images',
  maxTestImages: 'max-test-images',
  seed: 'seed',
  snapshotEvery: 'snapshot-every',
};

/** The preset with every option given applied; all problems at once. */
function buildConfig(): RetrainConfig {
  const preset = values.preset as RetrainPresetName;
  if (!(preset in RETRAIN_PRESETS)) {
    fail(`unknown --preset '${preset}'; use Demo, Quick or Paper`);
  }
  const c: RetrainConfig = { ...RETRAIN_PRESETS[preset] };
  const problems: string[] = [];

  for (const field of RETRAIN_FIELDS) {
    if (field.kind === 'bool') continue;
    const key = field.key as Exclude<keyof RetrainConfig, 'auxiliary'>;
    const given = (values as Record<string, unknown>)[FLAGS[key]] as
      string | undefined;
    const n = numberOption('retrain', FLAGS[key], given);
    if (n !== undefined) c[key] = n;
  }
  if (values.auxiliary) c.auxiliary = true;
  if (values['no-auxiliary']) c.auxiliary = false;
  const flagOf = (field: RetrainFieldSpec) => `--${FLAGS[field.key]}:`;
  for (const problem of validateRetrainConfig(c, undefined, {}, flagOf)) {
    problems.push(problem.message);
  }
  if (values.auxiliary && values['no-auxiliary']) {
    problems.push('--auxiliary and --no-auxiliary: give one of them, not both');
  }

  if (problems.length > 0) fail(problems.join('\n         '));
  return c;
}

/** A named genotype, or one read from a .json or Python file. */
function loadGenotype(spec: string | undefined): {
  genotype: Genotype;
  from: string;
} {
  if (spec === undefined) {
    fail(
      '--genotype is required: give a genotype .json file, a .py/.txt file ' +
        `with a Genotype(...) line, or one of ${NAMES}`,
    );
  }
  if (Object.hasOwn(NAMED_GENOTYPES, spec)) {
    return { genotype: NAMED_GENOTYPES[spec], from: spec };
  }

  // FILE:NAME picks one of several genotypes in a file like genotypes.py.
  let [path, name] = [spec, undefined as string | undefined];
  const named = /^(.*):([A-Za-z_]\w*)$/.exec(spec);
  if (!existsSync(spec) && named && existsSync(named[1])) {
    [path, name] = [named[1], named[2]];
  }
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st || !st.isFile()) {
    fail(
      `--genotype: '${spec}' is neither a file nor a named genotype; give ` +
        `a .json file, a .py/.txt file with a Genotype(...) line, or one ` +
        `of ${NAMES}`,
    );
  }

  const text = readFileSync(path, 'utf8');
  try {
    if (/\.json$/i.test(path) || text.trimStart().startsWith('{')) {
      if (name) {
        fail(`--genotype: ${path} is a JSON file; drop ':${name}'`);
      }
      return { genotype: parseGenotypeJson(text, path).genotype, from: path };
    }
    return pickFromPython(text, path, name);
  } catch (e) {
    if (e instanceof GenotypeFormatError) fail(`--genotype: ${e.message}`);
    throw e;
  }
}

/** The core picker, with the runner's note when the file holds several. */
function pickFromPython(
  text: string,
  path: string,
  name: string | undefined,
): { genotype: Genotype; from: string } {
  const pick = pickPythonGenotype(text, path, name);
  if (name === undefined && pick.count > 1) {
    process.stdout.write(
      `genotype: the last of ${pick.count} Genotype(...) in ${path} ` +
        `(line ${pick.line}${pick.name ? `, ${pick.name}` : ''}); pick ` +
        `another with --genotype ${path}:NAME\n`,
    );
  }
  const label = pick.name ? `${path}:${pick.name}` : path;
  return { genotype: pick.genotype, from: label };
}

/** Fails now, not after training, if --out cannot be created or written. */
function checkOutDir(dir: string): void {
  let at = resolve(dir);
  while (!existsSync(at) && dirname(at) !== at) at = dirname(at);
  const ok = statSync(at).isDirectory();
  if (at === resolve(dir) && !ok) {
    fail(`--out: ${dir} is a file; give a folder for the model files`);
  }
  try {
    if (!ok) throw new Error();
    accessSync(at, constants.W_OK);
  } catch {
    fail(`--out: cannot create ${dir}: ${at} is not a writable folder`);
  }
}

/** Enough classes in the network for the labels in the training and test data. */
function checkClasses(config: RetrainConfig, data: CifarData): void {
  const classes = [data.train, data.test].reduce(
    (m, set) => set.labels.reduce((k, v) => Math.max(k, v + 1), m),
    0,
  );
  if (classes > config.numClasses) {
    fail(
      `--classes: the data has labels up to ${classes - 1} but the network ` +
        `has ${config.numClasses} classes; set --classes ${classes}`,
    );
  }
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  const [h, m] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60)];
  const two = (n: number) => String(n).padStart(2, '0');
  if (h > 0) return `${h}h${two(m)}m`;
  return m > 0 ? `${m}m${two(s % 60)}s` : `${s}s`;
}

function line(s: RetrainSnapshot, epochs: number): string {
  const f = (x: number, d: number) =>
    Number.isFinite(x) ? x.toFixed(d) : 'nan';
  const left = (s.elapsedSec / s.step) * (s.totalSteps - s.step);
  return (
    `step ${String(s.step).padStart(6)}/${s.totalSteps} ` +
    `epoch ${String(s.epoch).padStart(3)}/${epochs} ` +
    `loss ${f(s.trainLoss, 4)} train_acc ${f(s.trainAcc * 100, 2)} ` +
    `lr ${s.lr.toExponential(4)} drop_path ${s.dropPath.toFixed(3)} ` +
    `img/s ${f(s.imagesPerSec, 2)} left ${duration(left)}`
  );
}

function testLine(t: TestResult, classNames: string[]): string {
  const perClass = Array.from(t.perClass, (a, k) => {
    const name = (classNames[k] ?? `class${k}`).replace(/\s+/g, '_');
    return `${name}=${Number.isNaN(a) ? 'n/a' : (a * 100).toFixed(1)}`;
  });
  return (
    `test epoch ${t.epochs} top1 ${(t.accuracy * 100).toFixed(2)} ` +
    `loss ${t.loss.toFixed(4)} images ${t.images} ` +
    `per_class ${perClass.join(' ')}`
  );
}

/** "3.35 M parameters (3.82 M with the auxiliary head)", as the reference counts. */
function paramLine(run: RetrainRun): string {
  const total = run.net.paramCount;
  const aux = run.net.auxParamCount;
  const withAux = formatParamCount(total).replace(/ parameters$/, '');
  return (
    formatParamCount(total - aux) +
    (aux > 0 ? ` (${withAux} with the auxiliary head)` : '')
  );
}

/** The importable Python form, as the reference's genotypes.py writes it. */
function genotypePy(g: Genotype): string {
  return (
    'from collections import namedtuple\n\n' +
    "Genotype = namedtuple('Genotype', " +
    "'normal normal_concat reduce reduce_concat')\n\n" +
    `genotype = ${genotypeToPython(g)}\n`
  );
}

/** Everything the run has produced so far, written into `dir`. */
async function writeOutputs(
  dir: string,
  run: RetrainRun,
  info: { backend: string; data: string[]; from: string; stopped: boolean },
): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const meta = run.modelMeta();
  const { modelJson, weightsBin } = encodeModelFiles(
    meta,
    await run.namedWeights(),
  );
  const g = run.genotype;
  const last = run.tests[run.tests.length - 1];
  const results = {
    config: run.config,
    genotype: {
      source: info.from,
      python: genotypeToPython(g),
      normal: g.normal,
      normalConcat: g.normalConcat,
      reduce: g.reduce,
      reduceConcat: g.reduceConcat,
    },
    params: {
      total: run.net.paramCount,
      auxiliary: run.net.auxParamCount,
      withoutAuxiliary: run.net.paramCount - run.net.auxParamCount,
    },
    backend: info.backend,
    data: info.data,
    steps: run.step,
    epochsTrained: meta.trainedEpochs,
    stopped: info.stopped,
    testAccuracy: last ? last.accuracy : null,
    test: last
      ? {
          epochs: last.epochs,
          images: last.images,
          accuracy: last.accuracy,
          loss: last.loss,
          // NaN (a class the test set lacks) becomes null in JSON.
          perClass: Object.fromEntries(
            Array.from(last.perClass, (a, k) => [
              meta.classNames[k] ?? `class${k}`,
              a,
            ]),
          ),
          classNames: meta.classNames,
          confusion: Array.from({ length: run.config.numClasses }, (_, r) =>
            Array.from(
              last.confusion.subarray(
                r * run.config.numClasses,
                (r + 1) * run.config.numClasses,
              ),
            ),
          ),
        }
      : null,
    history: run.tests.map((t) => ({
      epochs: t.epochs,
      accuracy: t.accuracy,
      loss: t.loss,
    })),
  };
  const files: Record<string, string | Uint8Array> = {
    'model.json': modelJson,
    'weights.bin': new Uint8Array(weightsBin),
    'genotype.py': genotypePy(g),
    'normal.dot': cellToDot(g, 'normal'),
    'reduce.dot': cellToDot(g, 'reduce'),
    'normal.svg': cellToSvg(g, 'normal'),
    'reduce.svg': cellToSvg(g, 'reduce'),
    'results.json': JSON.stringify(results, null, 2) + '\n',
  };

  for (const [name, content] of Object.entries(files)) {
    writeFileSync(join(dir, name), content);
  }
  process.stdout.write(
    `wrote ${Object.keys(files).join(', ')} to ${dir}` +
      (info.stopped ? ` (stopped after ${run.step} steps)` : '') +
      '\n',
  );
}

async function main(): Promise<void> {
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const config = buildConfig();
  const backend = values.backend as NodeBackend;
  if (backend !== 'wasm' && backend !== 'cpu') {
    fail(`--backend must be wasm or cpu, got '${backend}'`);
  }
  const { genotype, from } = loadGenotype(values.genotype);
  checkOutDir(values.out);
  const paths = values.data ?? DEMO_FILES;

  const data = await loadCifarOrExit('retrain', paths);
  checkClasses(config, data);

  await useNodeBackend(backend);
  const run = RetrainRun.create(config, genotype, data, {
    backend,
    dataset: paths.join(', '),
    source: values.data ? 'files' : 'demo',
  });
  process.stdout.write(
    `retrain: ${from}, C=${config.channels}, ${config.layers} cells, ` +
      `batch ${config.batchSize}, ${plural(config.epochs, 'epoch')}, ` +
      `${run.stepsPerEpoch} steps/epoch, backend ${backend}\n` +
      `genotype = ${genotypeToPython(genotype)}\n` +
      `params: ${paramLine(run)}\n`,
  );
  if (!run.hasTestSet) {
    process.stdout.write(
      'no test_batch.bin among the data: no test accuracy will be reported\n',
    );
  }

  // Ctrl-C: finish the step in flight and write what exists; a second
  // Ctrl-C quits at once.
  let stopping = false;
  process.on('SIGINT', () => {
    if (stopping) process.exit(130);
    stopping = true;
    process.stdout.write(
      'stopping after this step (Ctrl-C again to quit now)\n',
    );
  });

  while (!run.done && !stopping) {
    run.runStep();
    // A macrotask boundary, so a pending SIGINT handler gets to run.
    await new Promise((r) => setImmediate(r));
    if (run.step % config.snapshotEvery === 0 || run.epochEnded) {
      process.stdout.write(`${line(await run.snapshot(), config.epochs)}\n`);
    }
    if (run.epochEnded) {
      const t = await run.test();
      if (t) process.stdout.write(`${testLine(t, data.classNames)}\n`);
    }
  }

  const last = run.tests[run.tests.length - 1];
  if (last) {
    process.stdout.write(
      `final test top1 ${(last.accuracy * 100).toFixed(2)} after ` +
        `${plural(last.epochs, 'epoch')}, ${paramLine(run)}\n`,
    );
  }
  await writeOutputs(values.out, run, {
    backend,
    data: paths,
    from,
    stopped: !run.done,
  });
  run.dispose();
}

main().catch((e: Error) => fail(e.message));
