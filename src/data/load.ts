import type { DatasetSummary, FileReport } from '../../workers/api';
import {
  CIFAR10_CLASS_NAMES,
  CIFAR_IMAGE_BYTES,
  CifarFileError,
  cifarBaseName,
  classifyCifarName,
  parseCifarBatch,
  parseCifarMeta,
  trainBatchNumber,
  unknownCifarNameMessage,
} from './cifar';
import { blobStream, openTarGz } from './tar';
import type { CifarData, ImageSet } from './types';

/** A dropped file: a `File`, or any Blob given a name (as in Node tests). */
export type NamedBlob = Blob & { name: string };

/** Reports progress per file name, as a fraction of its bytes read. */
export type LoadProgress = (file: string, fraction: number) => void;

// Progress is reported in steps of at least this much, so a 170 MB file
// sends about a hundred messages across the worker bridge, not thousands.
const PROGRESS_STEP = 0.01;

/** A parsed batch and where it came from, kept until all files are read. */
interface Found {
  set: ImageSet;
  file: string;
}

/** What has been accepted so far, across all files and archives. */
interface Collected {
  train: Map<number, Found>;
  test: Found | null;
  classNames: { names: string[]; file: string } | null;
}

/**
 * Parse any mix of CIFAR-10 .bin batches, batches.meta.txt and
 * cifar-10-binary.tar.gz archives; a bad file becomes a report with ok:false
 * and never stops the others. `data` is null when no training images were found.
 */
export async function loadCifarFiles(
  files: NamedBlob[],
  onProgress?: LoadProgress,
): Promise<{ data: CifarData | null; reports: FileReport[] }> {
  const reports: FileReport[] = [];
  const found: Collected = { train: new Map(), test: null, classNames: null };

  for (const file of files) {
    const role = classifyCifarName(file.name);
    if (role === 'archive') {
      await loadArchive(file, found, reports, onProgress);
      continue;
    }
    if (role === null) {
      reports.push({
        file: file.name,
        ok: false,
        error: unknownCifarNameMessage(file.name),
      });
      continue;
    }
    try {
      const bytes = await readBlob(file, throttle(file.name, onProgress));
      reports.push(accept(file.name, bytes, found));
    } catch (error) {
      reports.push(failure(file.name, error));
    }
  }

  return { data: assemble(found), reports };
}

/** The worker's summary of loaded data: counts, class names and per-class training images. */
export function summarise(
  data: CifarData | null,
  reports: FileReport[],
  source: 'files' | 'demo',
  name: string,
): DatasetSummary {
  const classNames = data?.classNames ?? [...CIFAR10_CLASS_NAMES];
  const perClass = new Array<number>(classNames.length).fill(0);
  if (data) {
    for (const label of data.train.labels) perClass[label]++;
  }
  return {
    source,
    name,
    trainImages: data?.train.count ?? 0,
    testImages: data?.test.count ?? 0,
    classNames,
    perClass,
    files: reports,
  };
}

/** Read every CIFAR-10 entry of a .tar.gz, one report per entry and one for the archive. */
async function loadArchive(
  file: NamedBlob,
  found: Collected,
  reports: FileReport[],
  onProgress?: LoadProgress,
): Promise<void> {
  const archive = cifarBaseName(file.name);
  const archiveReport: FileReport = {
    file: archive,
    ok: true,
    role: 'archive',
  };
  reports.push(archiveReport);
  let images = 0;
  let entries = 0;

  try {
    const progress = throttle(archive, onProgress);
    for await (const entry of openTarGz(file, {
      name: archive,
      onProgress: progress,
    })) {
      const base = cifarBaseName(entry.name);
      const path = `${archive}/${base}`;
      const role = classifyCifarName(base);

      // The official archive ships a readme.html beside the batches: not a fault.
      if (base.toLowerCase() === 'readme.html') continue;
      if (role === null || role === 'archive') {
        reports.push({
          file: path,
          ok: false,
          error: unknownCifarNameMessage(entry.name),
        });
        continue;
      }
      entries++;
      try {
        const report = accept(path, entry.bytes, found);
        images += report.ok ? (report.images ?? 0) : 0;
        reports.push(report);
      } catch (error) {
        reports.push(failure(path, error));
      }
    }
    progress(1);
  } catch (error) {
    archiveReport.ok = false;
    archiveReport.error = errorMessage(error);
    return;
  }

  if (entries === 0) {
    archiveReport.ok = false;
    archiveReport.error =
      `${archive}: holds no CIFAR-10 binary batches (data_batch_1.bin … ` +
      'test_batch.bin); use cifar-10-binary.tar.gz, not the Python or ' +
      'MATLAB version';
    return;
  }
  archiveReport.images = images;
}

/** Parse one file's bytes by its role and record it, or report why it is ignored. */
function accept(path: string, bytes: Uint8Array, found: Collected): FileReport {
  const role = classifyCifarName(path);
  const base = cifarBaseName(path);

  if (role === 'meta') {
    const names = parseCifarMeta(base, new TextDecoder().decode(bytes));
    if (found.classNames) return duplicate(path, found.classNames.file, role);
    found.classNames = { names, file: path };
    return { file: path, ok: true, role };
  }

  const set = parseCifarBatch(base, bytes);
  if (role === 'test') {
    if (found.test) return duplicate(path, found.test.file, role);
    found.test = { set, file: path };
    return { file: path, ok: true, role, images: set.count };
  }
  const number = trainBatchNumber(base);
  const earlier = found.train.get(number);
  if (earlier) return duplicate(path, earlier.file, 'train');
  found.train.set(number, { set, file: path });
  return { file: path, ok: true, role: 'train', images: set.count };
}

function duplicate(
  path: string,
  earlier: string,
  role: FileReport['role'],
): FileReport {
  return {
    file: path,
    ok: false,
    role,
    error:
      `${cifarBaseName(path)}: already loaded from ${earlier}; this copy is ` +
      'ignored — drop each batch once',
  };
}

function failure(path: string, error: unknown): FileReport {
  return { file: path, ok: false, error: errorMessage(error) };
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Join what was found: training batches in data_batch_1..5 order, the test batch apart. */
function assemble(found: Collected): CifarData | null {
  const batches = [...found.train.entries()]
    .sort(([a], [b]) => a - b)
    .map(([, batch]) => batch.set);
  const train = concat(batches);
  if (train.count === 0) return null;

  return {
    train,
    test: found.test?.set ?? concat([]),
    classNames: found.classNames?.names ?? [...CIFAR10_CLASS_NAMES],
  };
}

function concat(sets: ImageSet[]): ImageSet {
  if (sets.length === 1) return sets[0];
  const count = sets.reduce((sum, set) => sum + set.count, 0);
  const images = new Uint8Array(count * CIFAR_IMAGE_BYTES);
  const labels = new Uint8Array(count);
  let at = 0;
  for (const set of sets) {
    images.set(set.images, at * CIFAR_IMAGE_BYTES);
    labels.set(set.labels, at);
    at += set.count;
  }
  return { images, labels, count };
}

/**
 * Read a blob in 1 MiB slices, so a 30 MB batch reports progress as it
 * arrives and the thread is free between slices.
 */
async function readBlob(
  blob: NamedBlob,
  progress: (fraction: number) => void,
): Promise<Uint8Array> {
  const bytes = new Uint8Array(blob.size);
  const reader = blobStream(blob).getReader();
  let at = 0;
  progress(0);
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (at + value.length > bytes.length) {
      await reader.cancel();
      throw new CifarFileError(
        `${blob.name}: the file grew while it was being read; drop it again`,
      );
    }
    bytes.set(value, at);
    at += value.length;
    progress(bytes.length > 0 ? at / bytes.length : 1);
  }
  progress(1);
  return bytes.subarray(0, at);
}

/** A progress callback for one file that passes on only steps of 1% or more, and the end. */
function throttle(
  file: string,
  onProgress?: LoadProgress,
): (fraction: number) => void {
  let last = -1;
  return (fraction) => {
    if (!onProgress) return;
    if (fraction < 1 && fraction - last < PROGRESS_STEP) return;
    if (fraction >= 1 && last >= 1) return;
    last = fraction;
    onProgress(file, fraction);
  };
}
