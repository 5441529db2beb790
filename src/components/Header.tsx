import { useStudio } from '../store/studio';

/** The studio's name, the backend in use (reasons on hover) and the loaded data. */
export function Header() {
  const backend = useStudio((s) => s.backend);
  const status = useStudio((s) => s.backendStatus);
  const dataset = useStudio((s) => s.dataset);

  const backendText =
    status === 'starting'
      ? 'Choosing a backend…'
      : status === 'failed'
        ? 'No backend'
        : (backend?.label ?? '');
  const backendTitle = backend
    ? [
        `Running on ${backend.name}.`,
        ...backend.skipped.map((line) => `Passed over ${line}`),
      ].join('\n')
    : 'Trying WebGPU, WebGL, WASM and CPU in turn';

  const hasData = dataset !== null && dataset.trainImages > 0;
  const dataText = hasData
    ? `${dataset.name} · ${dataset.trainImages.toLocaleString('en-US')} train` +
      (dataset.testImages
        ? ` · ${dataset.testImages.toLocaleString('en-US')} test`
        : '')
    : 'No data loaded';

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
