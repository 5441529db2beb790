/**
 * Retraining a recurrent genotype on the command line:
 *
 *   npm run retrain -- --space rnn --genotype <file | DARTS_V2> --data <ptb>
 *
 * One line per interval, the validation perplexity after each epoch (and
 * the switch to averaged SGD when it happens), the test perplexity with the
 * best weights at the end; results.json and genotype.py in --out.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import {
  RNN_NAMED_GENOTYPES,
  rnnGenotypeToPython,
  type RnnGenotype,
} from '../src/core/rnnGenotype';
import {
  parseRnnGenotypeJson,
  parseRnnGenotypePython,
} from '../src/core/rnnGenotypeJson';
import {
  RNN_RETRAIN_PRESETS,
  RnnRetrainRun,
  type RnnRetrainConfig,
} from '../src/core/rnnRetrain';
import { numberOption, parseOptions, usageError, wholeOption } from './cli';
import { useNodeBackend, type NodeBackend } from './nodeBackend';
import { DEMO_CORPUS, loadPtbOrExit, RNN_RUN_OPTIONS } from './ptbCli';

const TOOL = 'retrain --space rnn';
const USAGE = `usage: npm run retrain -- --space rnn --genotype <file|NAME> [options]

  --genotype G       a recurrent genotype JSON, a .py/.txt file with a
                     Genotype(recurrent=...) line, or ${Object.keys(RNN_NAMED_GENOTYPES).join(' | ')}
  --data PATH        ptb.train.txt, ptb.valid.txt, ptb.test.txt or their
                     folder; default: the demo corpus
  --preset NAME      Demo | Quick | Paper (default Demo)
  --hidden N  --batch N  --bptt N  --epochs N  --seed N  --lr X
  --max-tokens N  --every N
  --backend wasm|cpu (default wasm)
  --out DIR          results.json and genotype.py (default rnn-retrain-out)`;

const values = parseOptions(TOOL, USAGE, {
  ...RNN_RUN_OPTIONS,
  genotype: { type: 'string' },
  out: { type: 'string', default: 'rnn-retrain-out' },
});

const fail = (message: string): never => usageError(TOOL, message);

function readGenotype(spec: string | undefined): RnnGenotype {
  if (spec === undefined) fail('--genotype is required (a file or a name)');
  if (spec! in RNN_NAMED_GENOTYPES) return RNN_NAMED_GENOTYPES[spec!];
  if (!existsSync(spec!)) {
    fail(
      `--genotype: ${spec} is neither a file nor a named genotype ` +
        `(${Object.keys(RNN_NAMED_GENOTYPES).join(', ')})`,
    );
  }
  const text = readFileSync(spec!, 'utf8');
  try {
    return spec!.toLowerCase().endsWith('.json')
      ? parseRnnGenotypeJson(text, basename(spec!)).genotype
      : parseRnnGenotypePython(text, basename(spec!));
  } catch (e) {
    return fail(`--genotype: ${(e as Error).message}`);
  }
}

function buildConfig(): RnnRetrainConfig {
  const preset = values.preset as keyof typeof RNN_RETRAIN_PRESETS;
  if (!(preset in RNN_RETRAIN_PRESETS)) {
    fail(`unknown --preset '${preset}'; use Demo, Quick or Paper`);
  }
  const c: RnnRetrainConfig = { ...RNN_RETRAIN_PRESETS[preset] };
  const int = (flag: string, key: keyof RnnRetrainConfig, min: number) => {
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
  const lr = numberOption(TOOL, 'lr', values.lr);
  if (lr !== undefined) {
    if (!(lr > 0)) fail(`--lr must be above 0, got ${lr}`);
    c.lr = lr;
  }
  return c;
}

async function main(): Promise<void> {
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const genotype = readGenotype(values.genotype);
  const config = buildConfig();
  const backend = values.backend as NodeBackend;
  if (backend !== 'wasm' && backend !== 'cpu') {
    fail(`--backend must be wasm or cpu, got '${backend}'`);
  }
  const out = values.out!;
  try {
    mkdirSync(out, { recursive: true });
  } catch (e) {
    fail(`--out: cannot create ${out} (${(e as Error).message})`);
  }
  const corpus = loadPtbOrExit(TOOL, values.data ?? DEMO_CORPUS);

  await useNodeBackend(backend);
  let run: RnnRetrainRun;
  try {
    run = new RnnRetrainRun(config, genotype, corpus);
  } catch (e) {
    return fail((e as Error).message);
  }
  process.stdout.write(
    `retrain: recurrent ${rnnGenotypeToPython(genotype)}\n` +
      `retrain: hidden ${config.hidden}, batch ${config.batchSize}, ` +
      `${config.epochs} epochs, ${run.model.paramCount.toLocaleString('en-US')} weights, ` +
      `backend ${backend}\n`,
  );

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
    if (run.step % config.snapshotEvery === 0) {
      const s = await run.snapshot();
      process.stdout.write(
        `epoch ${String(s.epoch).padStart(4)} step ${String(s.step).padStart(6)} ` +
          `progress ${f(s.epochProgress * 100, 1)}% train_ppl ${f(s.trainPpl, 2)} ` +
          `lr ${s.lr.toExponential(3)} ${s.optimiser} tokens/s ${f(s.tokensPerSec, 1)}\n`,
      );
    }
    if (run.epochEnded) {
      const before = run.optimiser;
      const ppl = await run.endEpoch();
      process.stdout.write(
        Number.isFinite(ppl)
          ? `epoch ${run.validLoss.length - 1} valid_ppl ${f(ppl, 2)}` +
              (before !== run.optimiser ? ' (switching to ASGD)' : '') +
              '\n'
          : 'the weights diverged: back to the best weights so far\n',
      );
    }
  }
  const test = await run.runTest();
  if (test !== null) process.stdout.write(`test_ppl ${f(test, 2)}\n`);
  const s = await run.snapshot();
  writeFileSync(
    join(out, 'results.json'),
    JSON.stringify(
      {
        genotype,
        config,
        params: run.model.paramCount,
        validPpl: s.validPpl,
        bestValidPpl: s.bestValidPpl,
        testPpl: s.testPpl,
        optimiser: s.optimiser,
        stopped: stopping,
      },
      null,
      1,
    ) + '\n',
  );
  writeFileSync(
    join(out, 'genotype.py'),
    `from collections import namedtuple\n\n` +
      `Genotype = namedtuple('Genotype', 'recurrent concat')\n\n` +
      `genotype = ${rnnGenotypeToPython(genotype)}\n`,
  );
  process.stdout.write(`results written to ${out}/\n`);
  run.dispose();
}

main().catch((e: Error) => fail(e.message));
