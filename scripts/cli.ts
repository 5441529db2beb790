/**
 * What the command-line runners (search, retrain) share: parsing options
 * with a usage message, bad-input exits, number options and loading the
 * CIFAR-10 files with one report line per file.
 */
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { classifyCifarName } from '../src/data/cifar';
import { loadCifarFiles } from '../src/data/load';
import type { CifarData } from '../src/data/types';
import { openFiles } from './files';

/** The embedded demo set, used when no --data is given. */
export const DEMO_FILES = [
  'data_batch_1.bin',
  'test_batch.bin',
  'batches.meta.txt',
].map((f) => `public/demo/${f}`);

/** Prints `tool: message` on stderr and exits with status 2 (bad input). */
export function usageError(tool: string, message: string): never {
  process.stderr.write(`${tool}: ${message}\n`);
  process.exit(2);
}

/** The parsed option values; an unknown or malformed option prints `usage`. */
export function parseOptions<const O extends ParseArgsOptionsConfig>(
  tool: string,
  usage: string,
  options: O,
) {
  try {
    return parseArgs({ options }).values;
  } catch (e) {
    const message = (e as Error).message;
    const hint = /argument missing|ambiguous/.test(message)
      ? ' (for a negative number write --lr=-1)'
      : '';
    return usageError(tool, `${message}${hint}\n\n${usage}`);
  }
}

/** The number an option holds, undefined when it was not given. */
export function numberOption(
  tool: string,
  name: string,
  value: string | undefined,
): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) {
    usageError(tool, `--${name} must be a number, got '${value}'`);
  }
  return n;
}

/**
 * Loads CIFAR-10 batches from files, folders or archives, printing a line
 * per file. Stops when no training images were found, or when a file named
 * as CIFAR data was rejected: the run would otherwise use part of the data.
 */
export async function loadCifarOrExit(
  tool: string,
  paths: string[],
): Promise<CifarData> {
  const { data, reports } = await loadCifarFiles(await openFiles(paths));
  for (const r of reports) {
    const what = r.ok
      ? r.role === 'meta'
        ? 'meta (class names)'
        : `${r.role}, ${r.images ?? 0} images`
      : `rejected: ${r.error}`;
    process.stdout.write(`data ${r.file}: ${what}\n`);
  }
  if (!data) {
    usageError(
      tool,
      'no training images found; give CIFAR-10 data_batch_N.bin files',
    );
  }
  // Files with other names were only reported.
  const bad = reports.filter(
    (r) => !r.ok && classifyCifarName(r.file) !== null,
  );
  if (bad.length > 0) {
    usageError(
      tool,
      `${bad.map((r) => r.file).join(', ')} rejected (see above); fix or leave out, then run again`,
    );
  }
  return data;
}

/**
 * The whole number an option holds, at least `min`; undefined when it was
 * not given. Anything else exits naming the flag.
 */
export function wholeOption(
  tool: string,
  name: string,
  value: string | undefined,
  min: number,
): number | undefined {
  const n = numberOption(tool, name, value);
  if (n !== undefined && (!Number.isInteger(n) || n < min)) {
    usageError(
      tool,
      `--${name} must be a whole number of at least ${min}, got ${n}`,
    );
  }
  return n;
}
