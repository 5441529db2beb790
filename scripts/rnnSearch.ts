/**
 * The recurrent search on the command line:
 *
 *   npm run search -- --space rnn --data <ptb files|folder> [options]
 *
 * One fixed-format line per interval, the validation perplexity and the
 * genotype each epoch, and the genotype JSON at the end or on Ctrl-C.
 */
import { writeFileSync } from 'node:fs';
import {
  RNN_PRESETS,
  type RnnPresetName,
  type RnnSearchConfig,
} from '../src/core/rnnConfig';
import {
  deriveRnnGenotype,
  rnnGenotypeToPython,
} from '../src/core/rnnGenotype';
import { toRnnGenotypeJson } from '../src/core/rnnGenotypeJson';
import { RnnSearchRun } from '../src/core/rnnSearch';
import { numberOption, parseOptions, usageError, wholeOption } from './cli';
import { useNodeBackend, type NodeBackend } from './nodeBackend';
import { DEMO_CORPUS, loadPtbOrExit, RNN_RUN_OPTIONS } from './ptbCli';

const TOOL = 'search --space rnn';
const USAGE = `usage: npm run search -- --space rnn --data <path>... [options]

  --data PATH        ptb.train.txt, ptb.valid.txt (and ptb.test.txt) or
                     their folder; default: the demo corpus
  --preset NAME      Demo | Quick | Paper (default Demo)
  --order first|second
  --hidden N  --batch N  --bptt N  --epochs N  --seed N
  --lr X  --arch-lr X  --max-tokens N
  --every N          print a line every N steps (default: the preset's)
  --backend wasm|cpu (default wasm)
  --out FILE         genotype JSON path (default rnn-genotype.json)`;

const values = parseOptions(TOOL, USAGE, {
  ...RNN_RUN_OPTIONS,
  order: { type: 'string' },
  'arch-lr': { type: 'string' },
  out: { type: 'string', default: 'rnn-genotype.json' },
});

const fail = (message: string): never => usageError(TOOL, message);

function buildConfig(): RnnSearchConfig {
  const preset = values.preset as RnnPresetName;
  if (!(preset in RNN_PRESETS)) {
    fail(`unknown --preset '${preset}'; use Demo, Quick or Paper`);
  }
  const c: RnnSearchConfig = { ...RNN_PRESETS[preset] };
  const int = (flag: string, key: keyof RnnSearchConfig, min: number) => {
    const raw = values[flag as keyof typeof values] as string | undefined;
    const v = wholeOption(TOOL, flag, raw, min);
    if (v !== undefined) (c[key] as number) = v;
  };
  int('hidden', 'hidden', 1);
  int('batch', 'batchSize', 1);
  int('bptt', 'bptt', 2);
  int('epochs', 'epochs', 1);
  int('seed', 'seed', 0);
  int('max-tokens', 'maxTokens', 0);
  int('every', 'snapshotEvery', 1);
  for (const [flag, key] of [
    ['lr', 'lr'],
    ['arch-lr', 'archLr'],
  ] as const) {
    const v = numberOption(TOOL, flag, values[flag]);
    if (v === undefined) continue;
    if (!(v > 0)) fail(`--${flag} must be above 0, got ${v}`);
    c[key] = v;
  }
  if (values.order !== undefined) {
    if (values.order !== 'first' && values.order !== 'second') {
      fail(`--order must be first or second, got '${values.order}'`);
    }
    c.order = values.order as RnnSearchConfig['order'];
  }
  return c;
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
  const paths = values.data ?? DEMO_CORPUS;
  const corpus = loadPtbOrExit(TOOL, paths);

  await useNodeBackend(backend);
  let run: RnnSearchRun;
  try {
    run = RnnSearchRun.create(config, corpus);
  } catch (e) {
    return fail((e as Error).message);
  }
  process.stdout.write(
    `search: recurrent, ${config.order} order, hidden ${config.hidden}, ` +
      `batch ${config.batchSize}, bptt ${config.bptt}, ${config.epochs} epochs, ` +
      `${run.model.paramCount.toLocaleString('en-US')} weights, backend ${backend}\n`,
  );

  const save = async () => {
    const weights = await run.opWeights();
    const rows = Array.from({ length: 36 }, (_, e) =>
      Array.from(weights.subarray(e * 5, e * 5 + 5)),
    );
    const text = toRnnGenotypeJson(deriveRnnGenotype(weights), {
      config,
      seed: config.seed,
      backend,
      dataset: {
        name: paths.join(', '),
        trainTokens: corpus.train.length,
        vocabulary: corpus.vocab.length,
      },
      epoch: run.epoch,
      step: run.step,
      createdAt: new Date().toISOString(),
      opWeights: rows,
    });
    writeFileSync(values.out!, text);
    process.stdout.write(`genotype written to ${values.out}\n`);
  };

  let stopping = false;
  process.on('SIGINT', () => {
    if (stopping) process.exit(130);
    stopping = true;
    process.stdout.write(
      'stopping after this step (Ctrl-C again to quit now)\n',
    );
  });

  const f = (x: number, d: number) =>
    Number.isFinite(x) ? x.toFixed(d) : 'nan';
  while (!run.done && !stopping) {
    run.runStep();
    await new Promise((r) => setImmediate(r));
    if (run.step % config.snapshotEvery === 0 || run.epochEnded) {
      const s = await run.snapshot();
      process.stdout.write(
        `epoch ${String(s.epoch).padStart(3)} step ${String(s.step).padStart(6)} ` +
          `progress ${f(s.epochProgress * 100, 1)}% train_ppl ${f(s.trainPpl, 2)} ` +
          `arch_ppl ${f(s.archPpl, 2)} lr ${s.lr.toExponential(3)} ` +
          `tokens/s ${f(s.tokensPerSec, 1)}\n`,
      );
    }
    if (run.epochEnded) {
      const ppl = await run.validate();
      const weights = await run.opWeights();
      process.stdout.write(
        `epoch ${run.validPpl.length - 1} valid_ppl ${f(ppl, 2)} genotype = ` +
          `${rnnGenotypeToPython(deriveRnnGenotype(weights))}\n`,
      );
    }
  }
  await save();
  run.dispose();
}

main().catch((e: Error) => fail(e.message));
