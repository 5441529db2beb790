/**
 * `npm run search` and `npm run retrain`: the convolutional runners by
 * default, the recurrent ones with `--space rnn`.
 */
import { takeSpace } from './ptbCli';

const tool = process.argv[2];
process.argv.splice(2, 1);
const space = takeSpace(process.argv);
if (space !== 'cnn' && space !== 'rnn') {
  process.stderr.write(`${tool}: --space must be cnn or rnn, got '${space}'\n`);
  process.exit(2);
}
const scripts: Record<string, Record<string, string>> = {
  search: { cnn: './search.ts', rnn: './rnnSearch.ts' },
  retrain: { cnn: './retrain.ts', rnn: './rnnRetrain.ts' },
};
await import(scripts[tool][space]);
