/**
 * The Penn Treebank corpus the worker holds: the text files dropped so far,
 * or the embedded demo corpus. A drop is read together with what is loaded,
 * new files first, so a good new file replaces its split and a bad one
 * leaves the loaded split in place: a wrong file never loses a corpus.
 */
import {
  classifyPtbName,
  loadPtbFiles,
  type PtbCorpus,
  type PtbInput,
  type PtbRole,
} from '../src/data/ptb';
import type { PtbSummary } from './api';
import { namedError } from './datasets';

const DEMO_NAME = 'Demo corpus (King James Version, PTB format)';
const DEMO_FILES = ['ptb.train.txt', 'ptb.valid.txt', 'ptb.test.txt'];

/** Text files past this size are refused before they are read. */
const MAX_TEXT_BYTES = 64 * 1024 * 1024;

/** True when `name` is one of the PTB split names (ptb.train.txt, …). */
export function isPtbName(name: string): boolean {
  return classifyPtbName(name) !== null;
}

export class PtbData {
  corpus: PtbCorpus | null = null;
  source: 'files' | 'demo' = 'files';
  name = '';
  private inputs = new Map<PtbRole, PtbInput>();
  /** The report lines of the files the corpus was read from. */
  private used: PtbSummary['files'] = [];

  async addFiles(files: File[]): Promise<PtbSummary> {
    const fresh: PtbInput[] = [];
    for (const file of files) {
      if (file.size > MAX_TEXT_BYTES) {
        fresh.push({ name: file.name, text: '' });
        continue;
      }
      fresh.push({
        name: file.name,
        bytes: new Uint8Array(await file.arrayBuffer()),
      });
    }
    const kept = this.source === 'demo' ? [] : [...this.inputs.values()];
    const result = loadPtbFiles([...fresh, ...kept]);
    const reports = result.reports.slice(0, fresh.length);

    if (result.corpus) {
      this.adopt(result.corpus, [...fresh, ...kept], result.reports);
      this.source = 'files';
      this.name = describe(this.inputs);
    }
    return this.summary(reports, result.corpus ? null : result.error);
  }

  async loadDemo(baseUrl: string): Promise<PtbSummary> {
    const inputs: PtbInput[] = [];
    for (const name of DEMO_FILES) {
      let response: Response;
      try {
        response = await fetch(new URL(name, baseUrl).href);
      } catch (error) {
        const why = error instanceof Error ? error.message : String(error);
        throw namedError(
          'DemoMissing',
          `demo corpus: fetching ${name} failed (${why})`,
        );
      }
      if (!response.ok) {
        throw namedError(
          'DemoMissing',
          `demo corpus: fetching ${name} gave HTTP ${response.status}`,
        );
      }
      inputs.push({ name, text: await response.text() });
    }
    const result = loadPtbFiles(inputs);
    if (!result.corpus) {
      throw namedError('DemoBroken', `demo corpus: ${result.error}`);
    }
    this.adopt(result.corpus, inputs, result.reports);
    this.source = 'demo';
    this.name = DEMO_NAME;
    return this.summary(result.reports, null);
  }

  /** What is loaded, with the report lines of the files it was read from. */
  current(): PtbSummary {
    return this.summary(this.used, null);
  }

  /**
   * Takes back a saved corpus (a restored run's), replacing what is loaded.
   * Its text is not kept, so a later drop of one file is read on its own.
   */
  adoptSaved(corpus: PtbCorpus, summary: PtbSummary): void {
    this.corpus = corpus;
    this.inputs = new Map();
    this.used = summary.files;
    this.source = summary.source;
    this.name = summary.name;
  }

  /** What is loaded, with the latest drop's report lines. */
  summary(files: PtbSummary['files'], error: string | null): PtbSummary {
    const c = this.corpus;
    return {
      source: this.source,
      name: this.name,
      vocabulary: c?.vocab.length ?? 0,
      trainTokens: c?.train.length ?? 0,
      validTokens: c?.valid.length ?? 0,
      testTokens: c?.test?.length ?? 0,
      files,
      error,
    };
  }

  private adopt(
    corpus: PtbCorpus,
    inputs: PtbInput[],
    reports: PtbSummary['files'],
  ): void {
    this.corpus = corpus;
    const used = new Map<PtbRole, PtbInput>();
    const lines: PtbSummary['files'] = [];
    reports.forEach((r, i) => {
      if (r.ok && r.role && !used.has(r.role)) {
        used.set(r.role, inputs[i]);
        lines.push(r);
      }
    });
    this.inputs = used;
    this.used = lines;
  }
}

function describe(inputs: Map<PtbRole, PtbInput>): string {
  return [...inputs.values()].map((i) => i.name).join(' + ');
}
