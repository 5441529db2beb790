import type { SearchConfig } from '../src/core/config';
import type { Genotype } from '../src/core/genotype';
import type { EvalModelMeta } from '../src/core/modelFiles';
import type { RetrainSnapshot } from '../src/core/retrain';
import type { RnnSearchConfig } from '../src/core/rnnConfig';
import type { RnnGenotype } from '../src/core/rnnGenotype';
import type {
  RnnRetrainConfig,
  RnnRetrainSnapshot,
} from '../src/core/rnnRetrain';
import type { RnnSnapshot } from '../src/core/rnnSearch';
import type { PtbFileReport } from '../src/data/ptb';
import type { RetrainConfig } from '../src/core/retrainConfig';
import type { Snapshot } from '../src/core/snapshot';

/** Which TF.js backend runs, and why the ones before it were passed over. */
export interface BackendInfo {
  name: 'webgpu' | 'webgl' | 'wasm' | 'cpu';
  /** Human description, e.g. "WASM · no GPU adapter found". */
  label: string;
  /** One line per backend tried before it: "webgpu: fallback adapter (SwiftShader)". */
  skipped: string[];
  /** Which kernels run the search's edges on it (fused/edgeWasm.ts). */
  edgeKernels: string;
}

/** One file's verdict after parsing. */
export interface FileReport {
  file: string;
  ok: boolean;
  /** 'train' | 'test' | 'meta' | 'archive' for accepted files. */
  role?: 'train' | 'test' | 'meta' | 'archive';
  images?: number;
  /** Why the file was rejected, naming the fault and what to do. */
  error?: string;
  /** A remark on an accepted file, e.g. that it was dropped again. */
  note?: string;
}

/** Where one loaded file's images sit in the data, so it can be rebuilt per file. */
export interface DatasetPart {
  /** The report line's name, e.g. `cifar-10-binary.tar.gz/data_batch_1.bin`. */
  file: string;
  /** The dropped file it came from (the archive for an entry). */
  source: string;
  role: 'train' | 'test' | 'meta';
  /** Images it adds (0 for batches.meta.txt); training parts are in data order. */
  images: number;
}

/** What the worker holds after loading data. */
export interface DatasetSummary {
  /** 'demo' when the embedded demo set is loaded. */
  source: 'files' | 'demo';
  name: string;
  trainImages: number;
  testImages: number;
  classNames: string[];
  /** Training images per class. */
  perClass: number[];
  files: FileReport[];
  /** The loaded files, training ones in data order; absent for the demo set. */
  parts?: DatasetPart[];
  /** Said when the latest drop changed nothing that is loaded. */
  notice?: string;
}

export type RunState = 'idle' | 'running' | 'paused' | 'stopped' | 'done';

/** A save of the run that reached IndexedDB. */
export interface SaveInfo {
  step: number;
  totalSteps: number;
  /** Date.now() at the save. */
  savedAt: number;
}

/** The saved run, rebuilt in the worker on load: what the page shows of it. */
export interface RestoredRun extends SaveInfo {
  dataset: DatasetSummary;
  config: SearchConfig;
  /** Snapshots up to the saved step, oldest first. */
  snapshots: Snapshot[];
  /** 'paused', or 'done' for a finished run. */
  state: RunState;
  /** The backend it was saved on; it continues on the current one. */
  savedOn: string;
}

/** A run beside the search, rebuilt in the worker on load. */
export interface RestoredSideRun<S> {
  /** 'paused', or 'done' for a finished run. */
  state: RunState;
  /** The saved step, where Resume continues. */
  step: number;
  /** Date.now() at the save. */
  savedAt: number;
  /** Snapshots up to the saved step, oldest first. */
  snapshots: S[];
}

/** The saved retrain, as the Retrain view shows it. */
export interface RestoredRetrain extends RestoredSideRun<RetrainSnapshot> {
  config: RetrainConfig;
  genotype: Genotype;
  /** Where the genotype came from: "DARTS_V2", a file name, "search, step 40". */
  source: string;
  info: RetrainInfo;
  /** The data as the worker now holds it, when the restore loaded it; else null. */
  dataset: DatasetSummary | null;
}

/** The saved recurrent search. */
export interface RestoredRnnSearch extends RestoredSideRun<RnnSnapshot> {
  config: RnnSearchConfig;
  params: number;
  /** The corpus as the worker now holds it, when the restore loaded it; else null. */
  corpus: PtbSummary | null;
}

/** The saved recurrent retrain. */
export interface RestoredRnnRetrain extends RestoredSideRun<RnnRetrainSnapshot> {
  config: RnnRetrainConfig;
  genotype: RnnGenotype;
  /** The genotype's name, as the page gave it at Start. */
  name: string;
  params: number;
  /** The corpus as the worker now holds it, when the restore loaded it; else null. */
  corpus: PtbSummary | null;
}

/** Each side run that came back; null where none was saved or it failed. */
export interface RestoredSideRuns {
  retrain: RestoredRetrain | null;
  rnnSearch: RestoredRnnSearch | null;
  rnnRetrain: RestoredRnnRetrain | null;
}

/** Progress, errors and state changes pushed from the worker to the page. */
export interface SearchEvents {
  onSnapshot(snapshot: Snapshot): void;
  onState(state: RunState): void;
  onError(error: { name: string; message: string }): void;
  onLoadProgress(file: string, fraction: number): void;
  onSaved(info: SaveInfo): void;
  /** A retrain's progress; carries every test result so far. */
  onRetrainSnapshot(snapshot: RetrainSnapshot): void;
  onRetrainState(state: RunState): void;
  onRnnSnapshot(snapshot: RnnSnapshot): void;
  onRnnState(state: RunState): void;
  onRnnRetrainSnapshot(snapshot: RnnRetrainSnapshot): void;
  onRnnRetrainState(state: RunState): void;
}

/** The Penn Treebank corpus the worker holds. */
export interface PtbSummary {
  source: 'files' | 'demo';
  name: string;
  /** Types in the training file's vocabulary (10,000 for PTB). */
  vocabulary: number;
  trainTokens: number;
  validTokens: number;
  testTokens: number;
  /** One line per file of the latest drop. */
  files: PtbFileReport[];
  /** Why the latest drop gave no usable corpus (what is loaded stays). */
  error: string | null;
}

/** The retrain the worker built, as the page shows it before the first step. */
export interface RetrainInfo {
  /** Trainable weights, the auxiliary head included. */
  params: number;
  /** Weights of the auxiliary head (0 without one). */
  auxParams: number;
  totalSteps: number;
  stepsPerEpoch: number;
  trainImages: number;
  testImages: number;
}

/** The two TF.js model files of a trained evaluation network. */
export interface ModelFilesOut {
  modelJson: string;
  weightsBin: ArrayBuffer;
}

/** A model loaded back from its files, ready to classify images. */
export interface LoadedModelInfo {
  file: string;
  meta: EvalModelMeta;
  params: number;
}

/** A classified image: class probabilities and the 32x32 pixels the network saw. */
export interface Classification {
  file: string;
  /** softmax of the logits, one per class. */
  probabilities: Float32Array;
  classNames: string[];
  /** The image as the network saw it: 32x32 RGBA, for a preview. */
  rgba: Uint8ClampedArray;
}

/** The comlink API the search worker exposes. */
export interface SearchWorkerApi {
  init(events: SearchEvents): Promise<BackendInfo>;
  /** Parse dropped files (CIFAR batches, meta, tar.gz); merges with what is loaded. */
  loadFiles(files: File[]): Promise<DatasetSummary>;
  /** Load the embedded demo set from `url` (a CIFAR-format batch). */
  loadDemo(url: string): Promise<DatasetSummary>;
  start(config: SearchConfig): Promise<void>;
  pause(): Promise<void>;
  resume(): Promise<void>;
  /** One search step while paused. */
  step(): Promise<void>;
  stop(): Promise<void>;
  /** Rebuilds the saved run, if there is one, paused at its saved step. */
  restoreSaved(): Promise<RestoredRun | null>;
  /** Clears the saved run and data, and ends the run in the worker. */
  discardSaved(): Promise<void>;
  /**
   * Rebuilds the saved retrain, recurrent search and recurrent retrain,
   * each paused at its saved step; call after restoreSaved(). A run that
   * cannot be rebuilt is discarded and reported through onError.
   */
  restoreSideRuns(): Promise<RestoredSideRuns>;
  /** Saves every running run now (the page is being hidden). */
  saveNow(): Promise<void>;
  /** The genotype JSON of the current alphas (schema in src/core/genotypeJson.ts). */
  exportGenotype(): Promise<string>;

  /**
   * Builds the evaluation network of `genotype` and trains it from scratch
   * on the loaded training set, testing on the test batch after each epoch;
   * any earlier retrain ends. `source` says where the genotype came from.
   */
  retrainStart(
    config: RetrainConfig,
    genotype: Genotype,
    source: string,
  ): Promise<RetrainInfo>;
  retrainPause(): Promise<void>;
  retrainResume(): Promise<void>;
  /** One training step while paused. */
  retrainStep(): Promise<void>;
  retrainStop(): Promise<void>;
  /** Tests the network now (also possible mid-epoch or after stopping). */
  retrainTest(): Promise<void>;
  /** The retrained network as TF.js model files (model.json + weights.bin). */
  exportModel(): Promise<ModelFilesOut>;
  /** Loads model files saved by exportModel; the files may come in any order. */
  loadModel(files: File[]): Promise<LoadedModelInfo>;
  /** Classifies an image file (PNG, JPEG, …) with the loaded or retrained model. */
  classify(image: File): Promise<Classification>;

  /** Reads ptb.train.txt / ptb.valid.txt / ptb.test.txt (any subset per drop). */
  loadPtb(files: File[]): Promise<PtbSummary>;
  /** Loads the embedded demo corpus from `baseUrl` (a folder URL). */
  loadPtbDemo(baseUrl: string): Promise<PtbSummary>;
  /** Starts a recurrent search on the loaded corpus; any earlier one ends. */
  rnnStart(config: RnnSearchConfig): Promise<{ params: number }>;
  rnnPause(): Promise<void>;
  rnnResume(): Promise<void>;
  rnnStep(): Promise<void>;
  rnnStop(): Promise<void>;
  /** The recurrent genotype JSON of the current alphas. */
  rnnExportGenotype(): Promise<string>;
  /** Retrains a recurrent genotype (`name` on the page) from scratch on the loaded corpus. */
  rnnRetrainStart(
    config: RnnRetrainConfig,
    genotype: RnnGenotype,
    name: string,
  ): Promise<{ params: number }>;
  rnnRetrainPause(): Promise<void>;
  rnnRetrainResume(): Promise<void>;
  rnnRetrainStop(): Promise<void>;
}
