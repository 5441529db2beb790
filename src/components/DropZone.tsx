import { useRef, useState, type DragEvent } from 'react';
import type { DatasetSummary, FileReport } from '../../workers/api';
import { useRnn } from '../store/rnn';
import { useStudio } from '../store/studio';
import { RnnCorpusReport } from './RnnCorpusReport';

/**
 * Where data comes in: drop files, folders or cifar-10-binary.tar.gz, pick
 * them with the file inputs, or load the demo set. Penn Treebank files
 * (ptb.train.txt, …) go to the recurrent side and switch the page to it.
 * Below, one line per file with what was recognised or why it was
 * rejected, then images per class or the corpus's vocabulary and tokens.
 */
export function DropZone() {
  const loadDemo = useStudio((s) => s.loadDemo);
  const cifarLoading = useStudio((s) => s.loading);
  const dataset = useStudio((s) => s.dataset);
  const space = useRnn((s) => s.space);
  const corpus = useRnn((s) => s.corpus);
  const ptbLoading = useRnn((s) => s.loadingPtb);
  const { dropFiles, loadPtbDemo } = useRnn.getState();
  // Both readers share the panel, so "Reading…" shows whichever is busy.
  const loading = cifarLoading ?? (ptbLoading ? {} : null);
  const recurrent = space === 'rnn';
  const [dragging, setDragging] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);
  const folderInput = useRef<HTMLInputElement>(null);

  const onDrop = (event: DragEvent<HTMLDivElement>) => {
    event.preventDefault();
    setDragging(false);
    // Entries must be taken now: the item list is emptied when the handler returns.
    const entries = Array.from(event.dataTransfer.items ?? [])
      .map((item) => (item.kind === 'file' ? item.webkitGetAsEntry?.() : null))
      .filter((entry): entry is FileSystemEntry => entry != null);
    const files = Array.from(event.dataTransfer.files);
    void (
      entries.length > 0 ? filesFromEntries(entries) : Promise.resolve(files)
    ).then(dropFiles);
  };

  const busy = loading !== null;
  return (
    <section className="panel data-panel" aria-labelledby="data-title">
      <h2 id="data-title">Data</h2>
      <div
        className={`drop-zone${dragging ? ' dragging' : ''}`}
        data-testid="drop-zone"
        onDragOver={(event) => {
          event.preventDefault();
          event.dataTransfer.dropEffect = 'copy';
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
      >
        {recurrent ? (
          <>
            <p className="drop-title">Drop Penn Treebank here</p>
            <p className="drop-hint">
              <code>ptb.train.txt</code>, <code>ptb.valid.txt</code> and{' '}
              <code>ptb.test.txt</code>, or their folder
            </p>
          </>
        ) : (
          <>
            <p className="drop-title">Drop CIFAR-10 here</p>
            <p className="drop-hint">
              <code>cifar-10-binary.tar.gz</code>, its folder, or the{' '}
              <code>.bin</code> files
            </p>
          </>
        )}
        <div className="drop-buttons">
          <button type="button" onClick={() => fileInput.current?.click()}>
            Choose files…
          </button>
          <button type="button" onClick={() => folderInput.current?.click()}>
            Choose folder…
          </button>
        </div>
        <input
          ref={fileInput}
          type="file"
          multiple
          hidden
          data-testid="file-input"
          aria-label={
            recurrent ? 'Choose Penn Treebank files' : 'Choose CIFAR-10 files'
          }
          onChange={(event) => {
            void dropFiles(Array.from(event.target.files ?? []));
            event.target.value = '';
          }}
        />
        <input
          ref={folderInput}
          type="file"
          hidden
          aria-label={
            recurrent
              ? 'Choose a Penn Treebank folder'
              : 'Choose a CIFAR-10 folder'
          }
          {...{ webkitdirectory: '' }}
          onChange={(event) => {
            void dropFiles(
              Array.from(event.target.files ?? []).filter(isDataFile),
            );
            event.target.value = '';
          }}
        />
      </div>
      {recurrent ? (
        <button
          type="button"
          className="demo-button"
          disabled={busy}
          onClick={() =>
            void loadPtbDemo(
              new URL(import.meta.env.BASE_URL + 'demo-ptb/', location.href)
                .href,
            )
          }
        >
          Try the demo corpus
        </button>
      ) : (
        <button
          type="button"
          className="demo-button"
          disabled={busy}
          onClick={() => void loadDemo()}
        >
          Try the demo data
        </button>
      )}

      {loading !== null && <LoadProgress loading={loading} />}
      {recurrent ? (
        corpus ? (
          <RnnCorpusReport corpus={corpus} />
        ) : (
          !busy && (
            <p className="empty-state">
              No text yet. Drop the word-level Penn Treebank files (the data
              folder of Mikolov&rsquo;s simple-examples.tgz), or try the demo
              corpus (PTB-format King James Version) to see a search start in
              seconds.
            </p>
          )
        )
      ) : dataset ? (
        <DatasetReport dataset={dataset} />
      ) : (
        !busy && (
          <p className="empty-state">
            No data yet. Drop the CIFAR-10 binary files you downloaded, or try
            the demo data (a small Fashion-MNIST set) to see a search start in
            seconds.
          </p>
        )
      )}
    </section>
  );
}

function LoadProgress({ loading }: { loading: Record<string, number> }) {
  const files = Object.entries(loading);
  return (
    <div className="load-progress" aria-live="polite">
      {files.length === 0 && <p>Reading…</p>}
      {files.map(([file, fraction]) => (
        <div key={file} className="load-line">
          <span>{file}</span>
          <progress max={1} value={fraction} aria-label={`Reading ${file}`} />
        </div>
      ))}
    </div>
  );
}

function DatasetReport({ dataset }: { dataset: DatasetSummary }) {
  const most = Math.max(1, ...dataset.perClass);
  return (
    <div className="dataset-report">
      <ul className="file-reports" data-testid="file-reports">
        {dataset.files.map((report, i) => (
          <li
            key={`${report.file}-${i}`}
            data-note={report.note}
            className={`file-report ${report.ok ? 'ok' : 'rejected'}`}
            data-file={report.file}
            data-ok={String(report.ok)}
          >
            <span className="mark" aria-hidden>
              {report.ok ? '✓' : '✗'}
            </span>
            <span className="file-name">{report.file}</span>
            <span className="file-verdict">{verdict(report)}</span>
          </li>
        ))}
      </ul>
      {dataset.notice && (
        <p className="drop-notice" data-testid="drop-notice" role="status">
          {dataset.notice}
        </p>
      )}
      {dataset.trainImages > 0 && (
        <>
          <p className="dataset-counts">
            {dataset.trainImages.toLocaleString('en-US')} training images
            {dataset.testImages > 0 &&
              `, ${dataset.testImages.toLocaleString('en-US')} test`}
            {dataset.source === 'demo' && ' (demo set)'}
          </p>
          <table className="per-class" aria-label="Training images per class">
            <tbody>
              {dataset.classNames.map((name, k) => (
                <tr key={name}>
                  <th scope="row">{name}</th>
                  <td className="count">
                    {dataset.perClass[k]?.toLocaleString('en-US')}
                  </td>
                  <td className="bar-cell">
                    <span
                      className="bar"
                      style={{
                        width: `${(100 * (dataset.perClass[k] ?? 0)) / most}%`,
                      }}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </div>
  );
}

/** "train · 10,000 images" or the rejection reason. */
function verdict(report: FileReport): string {
  if (!report.ok) {
    const base = report.file.split('/').pop() ?? report.file;
    const error = report.error ?? 'rejected';
    return error.startsWith(`${base}: `) ? error.slice(base.length + 2) : error;
  }
  const role = report.role ?? 'file';
  const text =
    report.images !== undefined
      ? `${role} · ${report.images.toLocaleString('en-US')} images`
      : role;
  return report.note ? `${text} · ${report.note}` : text;
}

/** Files in a dropped folder worth reading: not hidden files or the dataset's readme. */
function isDataFile(file: File): boolean {
  const name = file.name.toLowerCase();
  return !name.startsWith('.') && name !== 'readme.html';
}

/** Every file under the dropped entries, folders walked depth first. */
async function filesFromEntries(entries: FileSystemEntry[]): Promise<File[]> {
  const files: File[] = [];

  const walk = async (
    entry: FileSystemEntry,
    inFolder: boolean,
  ): Promise<void> => {
    if (entry.isFile) {
      const file = await new Promise<File>((resolve, reject) =>
        (entry as FileSystemFileEntry).file(resolve, reject),
      );
      if (!inFolder || isDataFile(file)) files.push(file);
      return;
    }
    if (!entry.isDirectory) return;
    const reader = (entry as FileSystemDirectoryEntry).createReader();
    // readEntries answers in batches; an empty batch means the end.
    for (;;) {
      const batch = await new Promise<FileSystemEntry[]>((resolve, reject) =>
        reader.readEntries(resolve, reject),
      );
      if (batch.length === 0) break;
      for (const child of batch) await walk(child, true);
    }
  };

  for (const entry of entries) await walk(entry, false);
  return files;
}
