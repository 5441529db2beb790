import { useState } from 'react';
import { cellToDot, cellToSvg, type CellKind } from '../core/cellDrawing';
import { genotypeToPython } from '../core/genotypePython';
import { useRetrain } from '../store/retrain';
import { isLive, useStudio } from '../store/studio';
import { useShownGenotype } from './RetrainCells';

const KINDS: CellKind[] = ['normal', 'reduce'];

/** Saves `data` as a file named `name` through a temporary link. */
export function downloadFile(name: string, data: BlobPart, type: string): void {
  const url = URL.createObjectURL(new Blob([data], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  // The download has its own reference by now; free ours a little later.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** The trained model's files, and the shown genotype as Python, SVG and DOT. */
export function RetrainExports() {
  const shown = useShownGenotype();
  const trained = useRetrain((s) => s.info !== null && !s.building);
  const running = useRetrain((s) => s.runState === 'running');
  const live = useRetrain((s) => isLive(s.runState));
  const [copied, setCopied] = useState(false);
  const [exporting, setExporting] = useState(false);
  const pushError = useStudio((s) => s.pushError);

  const downloadModel = async () => {
    setExporting(true);
    try {
      const files = await useRetrain.getState().exportModel();
      if (!files) return;
      // model.json's manifest names 'weights.bin': the two must keep these names.
      downloadFile('model.json', files.modelJson, 'application/json');
      downloadFile('weights.bin', files.weightsBin, 'application/octet-stream');
    } finally {
      setExporting(false);
    }
  };

  const copyPython = async () => {
    if (!shown) return;
    try {
      await navigator.clipboard.writeText(genotypeToPython(shown.genotype));
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    } catch {
      pushError({
        name: 'Clipboard',
        message:
          'Copy Python genotype: the browser refused clipboard access; use "Download Python genotype" instead',
      });
    }
  };

  const each = (ext: string, draw: typeof cellToSvg, type: string) => {
    if (!shown) return;
    for (const kind of KINDS) {
      downloadFile(`cell-${kind}.${ext}`, draw(shown.genotype, kind), type);
    }
  };

  return (
    <section
      className="panel retrain-exports"
      aria-labelledby="retrain-exports-title"
    >
      <h2 id="retrain-exports-title">Exports</h2>
      <div className="export-row">
        <button
          type="button"
          className="primary"
          data-testid="download-model"
          disabled={!trained || exporting}
          title={
            trained
              ? `model.json and weights.bin, TF.js's format${live ? ' (the weights as of now)' : ''}`
              : 'Train a network first'
          }
          onClick={() => void downloadModel()}
        >
          {exporting ? 'Exporting…' : 'Download model (TF.js)'}
        </button>
        {running && (
          <span className="muted">Exports the weights as of now.</span>
        )}
      </div>
      <div className="export-row">
        <button
          type="button"
          data-testid="download-python"
          disabled={!shown}
          onClick={() =>
            shown &&
            downloadFile(
              'genotype.py',
              genotypeToPython(shown.genotype) + '\n',
              'text/x-python',
            )
          }
        >
          Download Python genotype
        </button>
        <button
          type="button"
          data-testid="copy-python"
          disabled={!shown}
          onClick={() => void copyPython()}
        >
          {copied ? 'Copied' : 'Copy Python genotype'}
        </button>
        <button
          type="button"
          data-testid="download-svg"
          disabled={!shown}
          title="cell-normal.svg and cell-reduce.svg"
          onClick={() => each('svg', cellToSvg, 'image/svg+xml')}
        >
          Download SVG
        </button>
        <button
          type="button"
          data-testid="download-dot"
          disabled={!shown}
          title="cell-normal.dot and cell-reduce.dot, for Graphviz"
          onClick={() => each('dot', cellToDot, 'text/vnd.graphviz')}
        >
          Download DOT
        </button>
      </div>
      {shown && (
        <code className="python-line" data-testid="retrain-python">
          {genotypeToPython(shown.genotype)}
        </code>
      )}
    </section>
  );
}
