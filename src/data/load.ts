import type { DatasetSummary, FileReport } from '../../workers/api';
import {
  CIFAR10_CLASS_NAMES,
  CIFAR_IMAGE_BYTES,
  CifarFileError,
  cifarBaseName,
  classifyCifarName,
  formatCount,
  parseCifarBatch,
  parseCifarMetaBytes,
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

/** Where a parsed batch goes in the data: a training slot 1-5, the test set or the class names. */
export type BatchKey =
  'train:1' | 'train:2' | 'train:3' | 'train:4' | 'train:5' | 'test' | 'meta';

/**
 * One file's (or archive entry's) parsed content: kept across drops, so a
 * later drop never has to read an earlier file from disk again.
 */
export interface ParsedBatch {
  key: BatchKey;
  role: 'train' | 'test' | 'meta';
  /** The report line's name: `data_batch_1.bin` or `cifar-10-binary.tar.gz/data_batch_1.bin`. */
  file: string;
  /** The dropped file it came from: itself, or the archive for an entry. */
  source: string;
  /** The images of a training or test batch. */
  set?: ImageSet;
  /** The class names of batches.meta.txt. */
  classNames?: string[];
}

/** What parsing some files gave: the batches that parsed, and one report per file and entry. */
export interface ParsedFiles {
  batches: ParsedBatch[];
  /** Parse verdicts in file order; duplicates are decided by mergeBatches. */
  reports: FileReport[];
}

/** Batches kept by where they go; the first one kept for a key stays. */
export type BatchStore = Map<BatchKey, ParsedBatch>;

/**
 * Parse any mix of CIFAR-10 .bin batches, batches.meta.txt and
 * cifar-10-binary.tar.gz archives; a bad file becomes a report with ok:false
 * and never stops the others. `data` is null when no training images were found.
 */
export async function loadCifarFiles(
  files: NamedBlob[],
  onProgress?: LoadProgress,
): Promise<{ data: CifarData | null; reports: FileReport[] }> {
  const store: BatchStore = new Map();
  const parsed = await parseCifarFiles(files, onProgress);
  const { reports } = mergeBatches(store, parsed);
  return { data: assembleCifar(store.values()), reports };
}

/**
 * Parse each file on its own: a batch per accepted file or archive entry,
 * and a report per file, archive and entry. Two files for the same slot are
 * both returned; mergeBatches decides which one is kept.
 */
export async function parseCifarFiles(
  files: NamedBlob[],
  onProgress?: LoadProgress,
): Promise<ParsedFiles> {
  const out: ParsedFiles = { batches: [], reports: [] };

  for (const file of files) {
    const role = classifyCifarName(file.name);
    if (role === 'archive') {
      await parseArchive(file, out, onProgress);
      continue;
    }
    if (role === null) {
      out.reports.push({
        file: file.name,
        ok: false,
        error: unknownCifarNameMessage(file.name),
      });
      continue;
    }
    try {
      const bytes = await readBlob(file, throttle(file.name, onProgress));
      const batch = parseEntry(file.name, file.name, bytes);
      out.batches.push(batch);
      out.reports.push(okReport(batch));
    } catch (error) {
      out.reports.push(failure(file.name, error));
    }
  }
  return out;
}

/**
 * Add parsed batches to `store`, the first for each slot winning; returns
 * the parsed reports with each batch that was not kept turned into an
 * "already loaded" line, and how many batches were added.
 *
 * A copy with the same name as the batch kept from an earlier merge is the
 * same file dropped again: its line stays ok and says so. Any other copy —
 * or a second file for a slot within one merge — is rejected, naming the
 * file that was kept.
 */
export function mergeBatches(
  store: BatchStore,
  parsed: ParsedFiles,
): { reports: FileReport[]; added: ParsedBatch[] } {
  const added: ParsedBatch[] = [];
  let next = 0;

  // Each ok report but an archive's stands for the next batch, in order.
  const reports = parsed.reports.map((report) => {
    if (!report.ok || report.role === 'archive') return report;
    const batch = parsed.batches[next++];
    const earlier = store.get(batch.key);
    if (!earlier) {
      store.set(batch.key, batch);
      added.push(batch);
      return report;
    }
    if (earlier.file === batch.file && !added.includes(earlier)) {
      return {
        ...okReport(earlier),
        note: 'dropped again: already loaded, nothing changed',
      };
    }
    return duplicate(batch.file, earlier.file, batch.role);
  });
  return { reports, added };
}

/**
 * Join batches into the data a run uses: training batches in data_batch_1..5
 * order, the test batch apart, the class names of batches.meta.txt or
 * CIFAR-10's. Null when there are no training images.
 */
export function assembleCifar(
  batches: Iterable<ParsedBatch>,
): CifarData | null {
  const train: Array<[string, ImageSet]> = [];
  let test: ImageSet | null = null;
  let classNames: string[] | null = null;
  for (const batch of batches) {
    if (batch.role === 'train' && batch.set) train.push([batch.key, batch.set]);
    else if (batch.role === 'test' && batch.set) test ??= batch.set;
    else if (batch.role === 'meta' && batch.classNames)
      classNames ??= batch.classNames;
  }
  train.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const joined = concat(train.map(([, set]) => set));
  if (joined.count === 0) return null;

  return {
    train: joined,
    test: test ?? concat([]),
    classNames: classNames ?? [...CIFAR10_CLASS_NAMES],
  };
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

/**
 * Parse every CIFAR-10 entry of a .tar.gz: one report per entry and one for
 * the archive. When the archive breaks off (a truncated download), the
 * entries read whole before that are kept and the archive's report says so.
 */
async function parseArchive(
  file: NamedBlob,
  out: ParsedFiles,
  onProgress?: LoadProgress,
): Promise<void> {
  const archive = cifarBaseName(file.name);
  const archiveReport: FileReport = {
    file: archive,
    ok: true,
    role: 'archive',
  };
  out.reports.push(archiveReport);
  let images = 0;
  let entries = 0;
  const kept: string[] = [];

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
        out.reports.push({
          file: path,
          ok: false,
          error: unknownCifarNameMessage(entry.name),
        });
        continue;
      }
      entries++;
      try {
        const batch = parseEntry(path, archive, entry.bytes);
        out.batches.push(batch);
        out.reports.push(okReport(batch));
        images += batch.set?.count ?? 0;
        kept.push(base);
      } catch (error) {
        out.reports.push(failure(path, error));
      }
    }
    progress(1);
  } catch (error) {
    archiveReport.ok = false;
    archiveReport.error = brokenArchiveMessage(archive, error, kept, images);
    if (kept.length > 0) archiveReport.images = images;
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

/** Why an archive stopped being readable, and what of it was kept. */
function brokenArchiveMessage(
  archive: string,
  error: unknown,
  kept: string[],
  images: number,
): string {
  const why = errorMessage(error);
  if (kept.length === 0) return why;
  // The tar reader's message starts with the archive's name: say it once.
  const detail = why.startsWith(`${archive}: `)
    ? why.slice(archive.length + 2)
    : why;
  const what =
    images > 0
      ? `the ${formatCount(images)} images of ${kept.join(', ')} are kept`
      : `${kept.join(', ')} ${kept.length === 1 ? 'is' : 'are'} kept`;
  return (
    `${archive}: cut short after ${kept[kept.length - 1]} — ` +
    `${detail.replace(/ — download .*$/, '')}. Only ${what}; download ` +
    `${archive} again to get the rest`
  );
}

/** Parse one file's bytes by the role its name gives. */
function parseEntry(
  path: string,
  source: string,
  bytes: Uint8Array,
): ParsedBatch {
  const role = classifyCifarName(path);
  const base = cifarBaseName(path);

  if (role === 'meta') {
    return {
      key: 'meta',
      role,
      file: path,
      source,
      classNames: parseCifarMetaBytes(base, bytes),
    };
  }
  const set = parseCifarBatch(base, bytes);
  if (role === 'test') return { key: 'test', role, file: path, source, set };
  if (role !== 'train') {
    throw new CifarFileError(unknownCifarNameMessage(path));
  }
  const key = `train:${trainBatchNumber(base)}` as BatchKey;
  return { key, role, file: path, source, set };
}

function okReport(batch: ParsedBatch): FileReport {
  return batch.set
    ? { file: batch.file, ok: true, role: batch.role, images: batch.set.count }
    : { file: batch.file, ok: true, role: batch.role };
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
