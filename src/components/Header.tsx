import type { DatasetSummary, PtbSummary } from '../../workers/api';
import { useRnn } from '../store/rnn';
import { useStudio } from '../store/studio';

/**
 * The studio's name, the backend in use (reasons on hover) and the data of
 * the space in view: CIFAR-10 images, or the Penn Treebank corpus.
 */
export function Header() {
  const backend = useStudio((s) => s.backend);
  const status = useStudio((s) => s.backendStatus);
  const dataset = useStudio((s) => s.dataset);
  const recurrent = useRnn((s) => s.space === 'rnn');
  const corpus = useRnn((s) => s.corpus);

  const backendText =
    status === 'starting'
      ? 'Choosing a backend…'
      : status === 'failed'
        ? 'No backend'
        : (backend?.label ?? '');
  const backendTitle = backend
    ? [
        `Running on ${backend.name}.`,
        backend.edgeKernels,
        ...backend.skipped.map((line) => `Passed over ${line}`),
      ].join('\n')
    : 'Trying WebGPU, WebGL, WASM and CPU in turn';

  const loaded = recurrent ? corpusLine(corpus) : datasetLine(dataset);
  const hasData = loaded !== null;
  const dataText = loaded ?? 'No data loaded';

  return (
    <header className="header">
      <h1>DARTS Studio</h1>
      <span className="tagline">
        Differentiable architecture search, in your browser
      </span>
      <div className="badges">
        <span
          className={`badge backend backend-${backend?.name ?? status}`}
          data-testid="backend-badge"
          data-backend={backend?.name ?? ''}
          title={backendTitle}
        >
          {backendText}
        </span>
        <span
          className={`badge data ${hasData ? 'loaded' : 'empty'}`}
          data-testid="data-badge"
          title={dataText}
        >
          {dataText}
        </span>
      </div>
    </header>
  );
}

const count = (n: number) => n.toLocaleString('en-US');

/** "CIFAR-10 · 50,000 train · 10,000 test"; null with no training images. */
function datasetLine(dataset: DatasetSummary | null): string | null {
  if (!dataset || dataset.trainImages === 0) return null;
  const test = dataset.testImages ? ` · ${count(dataset.testImages)} test` : '';
  return `${dataset.name} · ${count(dataset.trainImages)} train${test}`;
}

/** "ptb.train.txt, … · 10,000 words · 929,589 train tokens"; null with no text. */
function corpusLine(corpus: PtbSummary | null): string | null {
  if (!corpus || corpus.trainTokens === 0) return null;
  return (
    `${corpus.name} · ${count(corpus.vocabulary)} words · ` +
    `${count(corpus.trainTokens)} train tokens`
  );
}
