/**
 * The data the search worker holds: the files dropped so far or the demo
 * set. Dropped files merge with earlier ones (the loader re-reads the kept
 * files together with the new ones, so its duplicate and meta rules apply
 * across drops); the demo set replaces everything, and dropping files that
 * yield training images replaces the demo set.
 */
import type { DatasetSummary, FileReport } from './api';
import { cifarBaseName } from '../src/data/cifar';
import {
  loadCifarFiles,
  summarise,
  type LoadProgress,
  type NamedBlob,
} from '../src/data/load';
import type { CifarData } from '../src/data/types';

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

  /** Dropped files whose own report was ok: re-read with each new drop. */
  private kept: NamedBlob[] = [];
  /** Reports of files rejected in earlier drops, so their lines stay visible. */
  private earlierRejects: FileReport[] = [];
  private reports: FileReport[] = [];

  /** Parses `files` together with the files kept from earlier drops. */
  async addFiles(
    files: NamedBlob[],
    onProgress?: LoadProgress,
  ): Promise<DatasetSummary> {
    const all = [...this.kept, ...files];
    const { data, reports } = await loadCifarFiles(all, onProgress);
    const accepted = all.filter((file) => ownReport(file, reports)?.ok);
    const rejected = reports.filter((report) => !report.ok);

    // Nothing trainable yet but the demo or a restored set is loaded (no kept
    // files to re-read): keep it, show the lines.
    const unmergeable = this.source === 'demo' || this.kept.length === 0;
    if (data === null && unmergeable && this.data) {
      this.earlierRejects = [...this.earlierRejects, ...rejected];
      this.kept = accepted;
      return this.summary([...this.reports, ...rejected]);
    }

    this.kept = accepted;
    this.data = data;
    this.source = 'files';
    this.name = describeFiles(accepted);
    this.reports = [...this.earlierRejects, ...reports];
    this.earlierRejects = [...this.earlierRejects, ...rejected];
    return this.summary(this.reports);
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
    this.data = data;
    this.source = 'demo';
    this.name = DEMO_NAME;
    this.kept = [];
    this.earlierRejects = [];
    this.reports = reports;
    return this.summary(reports);
  }

  /** What is loaded now, as the page shows it. */
  current(): DatasetSummary {
    return this.summary(this.reports);
  }

  /** Takes back a saved dataset (parsed arrays and summary), replacing everything. */
  adopt(data: CifarData, summary: DatasetSummary): void {
    this.data = data;
    this.source = summary.source;
    this.name = summary.name;
    this.kept = [];
    this.earlierRejects = [];
    this.reports = summary.files;
  }

  private summary(reports: FileReport[]): DatasetSummary {
    return summarise(this.data, reports, this.source, this.name);
  }
}

/** The report about the file itself (for an archive, not its entries). */
function ownReport(
  file: NamedBlob,
  reports: FileReport[],
): FileReport | undefined {
  const base = cifarBaseName(file.name);
  return reports.find(
    (report) => report.file === base || report.file === file.name,
  );
}

function describeFiles(files: NamedBlob[]): string {
  if (files.length === 0) return '';
  const first = cifarBaseName(files[0].name);
  return files.length === 1 ? first : `${first} + ${files.length - 1} more`;
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
