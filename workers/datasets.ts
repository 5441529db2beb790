/**
 * The data the search worker holds: the files dropped so far or the demo
 * set. What dropped files parse to is kept (not the files themselves), so a
 * later drop parses only its own files and never loses what is loaded: the
 * first batch for each slot stays, and the duplicate and meta rules apply
 * across drops. The demo set replaces everything; dropped files that give
 * training images replace the demo set.
 */
import type { DatasetPart, DatasetSummary, FileReport } from './api';
import {
  cifarBaseName,
  formatCount,
  trainBatchNumber,
} from '../src/data/cifar';
import {
  assembleCifar,
  loadCifarFiles,
  mergeBatches,
  parseCifarFiles,
  summarise,
  type BatchKey,
  type BatchStore,
  type LoadProgress,
  type NamedBlob,
  type ParsedBatch,
} from '../src/data/load';
import type { CifarData, ImageSet } from '../src/data/types';

const DEMO_NAME = 'Demo set (Fashion-MNIST in CIFAR format)';
const DEMO_TRAIN = 'data_batch_1.bin';
const DEMO_EXTRAS = ['test_batch.bin', 'batches.meta.txt'];

/** Named error: comlink carries only name, message and stack across. */
export function namedError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

export class Datasets {
  /** Training data for the next run; null until something usable is loaded. */
  data: CifarData | null = null;
  source: 'files' | 'demo' = 'files';
  name = '';

  /** Parsed batches of the dropped files, by slot; the data is built from them. */
  private batches: BatchStore = new Map();
  /** One line per dropped file name: its latest verdict, in first-seen order. */
  private lines = new Map<string, FileReport>();
  /**
   * Data not built from `batches` — the demo set, or a saved set that cannot
   * be split per file — with its lines; it is used until dropped files give
   * training images.
   */
  private base: { data: CifarData; lines: FileReport[] } | null = null;
  /** What the latest drop did, when it changed nothing in use. */
  private notice: string | undefined;

  /** Parses `files` and adds what they hold to what is loaded. */
  async addFiles(
    files: NamedBlob[],
    onProgress?: LoadProgress,
  ): Promise<DatasetSummary> {
    const parsed = await parseCifarFiles(files, onProgress);
    const { reports, added } = mergeBatches(this.batches, parsed);
    for (const report of reports) {
      this.lines.set(report.file, this.stillLoaded(report));
    }

    const hasTrain = [...this.batches.values()].some((b) => b.role === 'train');
    if (added.length > 0 && hasTrain) {
      this.base = null;
      this.rebuild();
      this.notice = undefined;
    } else {
      this.notice = this.unchanged(files, added);
    }
    return this.current();
  }

  /** Fetches the demo batch at `url` (and its siblings, if present) and replaces everything. */
  async loadDemo(
    url: string,
    onProgress?: LoadProgress,
  ): Promise<DatasetSummary> {
    const train = await fetchNamed(url, DEMO_TRAIN);
    if (!train) {
      throw namedError(
        'DemoMissing',
        `demo: ${DEMO_TRAIN} was not found at ${url}; this build has no demo ` +
          'set (run `npm run demo-data` before building), or drop CIFAR-10 files instead',
      );
    }
    const extras = await Promise.all(
      DEMO_EXTRAS.map((name) => fetchNamed(new URL(name, url).href, name)),
    );
    const files = [
      train,
      ...extras.filter((file): file is File => file !== null),
    ];

    const { data, reports } = await loadCifarFiles(files, onProgress);
    if (!data) {
      const why =
        reports.find((report) => !report.ok)?.error ?? 'no training images';
      throw namedError('DemoBroken', `demo: ${why}`);
    }
    this.batches = new Map();
    this.lines = new Map();
    this.base = { data, lines: reports };
    this.data = data;
    this.source = 'demo';
    this.name = DEMO_NAME;
    this.notice = undefined;
    return this.current();
  }

  /** What is loaded now, as the page shows it. */
  current(): DatasetSummary {
    const files = [...(this.base?.lines ?? []), ...this.lines.values()];
    const summary = summarise(this.data, files, this.source, this.name);
    if (!this.base && this.batches.size > 0)
      summary.parts = partsOf(this.batches);
    if (this.notice) summary.notice = this.notice;
    return summary;
  }

  /**
   * Takes back a saved dataset (parsed arrays and summary), replacing
   * everything. A set of dropped files is split back into its batches, so
   * later drops add to it as they would have before the reload.
   */
  adopt(data: CifarData, summary: DatasetSummary): void {
    this.data = data;
    this.source = summary.source;
    this.name = summary.name;
    this.notice = undefined;
    this.lines = new Map();
    const batches =
      summary.source === 'files' ? splitSaved(data, summary) : null;
    if (batches) {
      this.batches = batches;
      this.base = null;
      for (const report of summary.files) this.lines.set(report.file, report);
    } else {
      this.batches = new Map();
      this.base = { data, lines: summary.files };
    }
  }

  /** Builds the data from the kept batches; they then share its arrays, so nothing is held twice. */
  private rebuild(): void {
    const data = assembleCifar(this.batches.values());
    this.data = data;
    this.source = 'files';
    this.name = describeSources(this.batches);
    if (data) shareArrays(this.batches, data.train);
  }

  /**
   * A rejected copy of a file whose earlier copy is loaded: the line says
   * the earlier one is still in use, so the verdict does not read as a loss.
   */
  private stillLoaded(report: FileReport): FileReport {
    if (report.ok || !report.error) return report;
    const kept = [...this.batches.values()].find((b) => b.file === report.file);
    if (!kept) return report;
    const images = kept.set ? ` (${formatCount(kept.set.count)} images)` : '';
    return {
      ...report,
      role: kept.role,
      error: `${report.error}; the ${cifarBaseName(kept.file)} loaded earlier${images} is still in use`,
    };
  }

  /** The notice for a drop that changed nothing in use, or undefined if it did. */
  private unchanged(
    files: NamedBlob[],
    added: ParsedBatch[],
  ): string | undefined {
    const dropped = describeNames(files.map((f) => cifarBaseName(f.name)));
    if (added.length > 0) {
      const kept = added.map((b) => cifarBaseName(b.file)).join(', ');
      const inUse = this.base
        ? `the ${this.source === 'demo' ? 'demo set' : 'saved data'} stays in use`
        : 'nothing can be trained on yet';
      return (
        `Kept ${kept}; ${inUse} until a training batch ` +
        '(data_batch_1.bin … data_batch_5.bin) is dropped'
      );
    }
    const what = this.data
      ? 'what was loaded before stays as it was'
      : 'no data is loaded yet';
    return `Nothing new was loaded from ${dropped}; ${what}`;
  }
}

/** Loaded files in data order: training batches 1-5, then the test batch and class names. */
function partsOf(batches: BatchStore): DatasetPart[] {
  return [...batches.entries()]
    .sort(([a], [b]) => slotOrder(a) - slotOrder(b))
    .map(([, b]) => ({
      file: b.file,
      source: b.source,
      role: b.role,
      images: b.set?.count ?? 0,
    }));
}

function slotOrder(key: BatchKey): number {
  return key === 'test' ? 6 : key === 'meta' ? 7 : Number(key.slice(6));
}

/**
 * The batches a saved set of dropped files was built from, as views of its
 * arrays; from its parts, or for an older save from its ok lines. Null when
 * they do not add up to the data.
 */
function splitSaved(
  data: CifarData,
  summary: DatasetSummary,
): BatchStore | null {
  const parts: DatasetPart[] =
    summary.parts ??
    summary.files
      .filter((r) => r.ok && r.role && r.role !== 'archive')
      .map((r) => ({
        file: r.file,
        source: r.file.includes('/') ? r.file.split('/')[0] : r.file,
        role: r.role as DatasetPart['role'],
        images: r.images ?? 0,
      }));

  const store: BatchStore = new Map();
  const train: Array<[number, DatasetPart]> = [];
  try {
    for (const part of parts) {
      if (part.role === 'train')
        train.push([trainBatchNumber(cifarBaseName(part.file)), part]);
    }
  } catch {
    return null;
  }
  train.sort(([a], [b]) => a - b);
  let at = 0;
  for (const [number, part] of train) {
    const key = `train:${number}` as BatchKey;
    if (store.has(key) || at + part.images > data.train.count) return null;
    store.set(key, {
      key,
      role: 'train',
      file: part.file,
      source: part.source,
      set: slice(data.train, at, part.images),
    });
    at += part.images;
  }
  if (at !== data.train.count || at === 0) return null;

  const test = parts.filter((p) => p.role === 'test');
  if (test.length > 1) return null;
  if (test.length === 1) {
    if (test[0].images !== data.test.count) return null;
    store.set('test', {
      key: 'test',
      role: 'test',
      file: test[0].file,
      source: test[0].source,
      set: data.test,
    });
  } else if (data.test.count > 0) {
    return null;
  }
  const meta = parts.find((p) => p.role === 'meta');
  if (meta) {
    store.set('meta', {
      key: 'meta',
      role: 'meta',
      file: meta.file,
      source: meta.source,
      classNames: data.classNames,
    });
  }
  return store;
}

/** Images [from, from + count) of `set`, as views (no copy). */
function slice(set: ImageSet, from: number, count: number): ImageSet {
  const bytes = set.images.length / Math.max(1, set.count);
  return {
    images: set.images.subarray(from * bytes, (from + count) * bytes),
    labels: set.labels.subarray(from, from + count),
    count,
  };
}

/** Points each training batch at its part of the joined training set. */
function shareArrays(batches: BatchStore, train: ImageSet): void {
  let at = 0;
  const keys = [...batches.keys()].filter((k) => k.startsWith('train:')).sort();
  for (const key of keys) {
    const batch = batches.get(key)!;
    const count = batch.set!.count;
    batch.set = slice(train, at, count);
    at += count;
  }
}

/** "data_batch_1.bin + 2 more": the distinct dropped files the loaded batches came from. */
function describeSources(batches: BatchStore): string {
  return describeNames([...batches.values()].map((b) => b.source));
}

function describeNames(names: string[]): string {
  const distinct = [...new Set(names)];
  if (distinct.length === 0) return '';
  return distinct.length === 1
    ? distinct[0]
    : `${distinct[0]} + ${distinct.length - 1} more`;
}

/** A same-origin fetch as a named File, or null on 404. */
async function fetchNamed(url: string, name: string): Promise<File | null> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw namedError('DemoMissing', `demo: fetching ${name} failed (${why})`);
  }
  if (response.status === 404) return null;
  if (!response.ok) {
    throw namedError(
      'DemoMissing',
      `demo: fetching ${name} gave HTTP ${response.status}`,
    );
  }
  // A SPA fallback can answer any path with index.html: that is not a batch.
  if ((response.headers.get('content-type') ?? '').includes('text/html'))
    return null;
  return new File([await response.blob()], name);
}
