import { useEffect, useRef, useState, type DragEvent } from 'react';
import type { Classification } from '../../workers/api';
import { formatParamCount } from '../core/metrics';
import { useRetrain } from '../store/retrain';

/** Probabilities listed for a classified image. */
const TOP = 5;

/**
 * Drop model.json and weights.bin to load a trained model, or a PNG/JPEG
 * to classify it with the loaded model (or the one just retrained).
 */
export function RetrainClassify() {
  const model = useRetrain((s) => s.model);
  const trained = useRetrain((s) => s.info !== null);
  const classification = useRetrain((s) => s.classification);
  const classifying = useRetrain((s) => s.classifying);
  const [dragging, setDragging] = useState(false);
  const input = useRef<HTMLInputElement>(null);

  const take = (files: File[]) => {
    const { loadModel, classify } = useRetrain.getState();
    const modelFiles = files.filter((f) => /\.(json|bin)$/i.test(f.name));
    const images = files.filter((f) => !modelFiles.includes(f));
    void (async () => {
      if (modelFiles.length > 0) await loadModel(modelFiles);
      if (images.length > 0) await classify(images[0]);
    })();
  };

  const onDrop = (event: DragEvent<HTMLDivElement>) => {
    event.preventDefault();
    setDragging(false);
    take(Array.from(event.dataTransfer.files));
  };

  return (
    <section
      className="panel retrain-classify"
      aria-labelledby="retrain-classify-title"
    >
      <h2 id="retrain-classify-title">Classify an image</h2>
      <div
        className={`drop-zone${dragging ? ' dragging' : ''}`}
        data-testid="classify-drop"
        onDragOver={(event) => {
          event.preventDefault();
          event.dataTransfer.dropEffect = 'copy';
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
      >
        <p className="drop-title">Drop model files or an image here</p>
        <p className="drop-hint">
          <code>model.json</code> and <code>weights.bin</code> load a model; a
          PNG or JPEG is classified
        </p>
        <button type="button" onClick={() => input.current?.click()}>
          Choose files…
        </button>
        <input
          ref={input}
          type="file"
          multiple
          hidden
          accept=".json,.bin,image/png,image/jpeg"
          data-testid="classify-input"
          aria-label="Choose model files or an image"
          onChange={(event) => {
            take(Array.from(event.target.files ?? []));
            event.target.value = '';
          }}
        />
      </div>
      <p className="model-line" data-testid="classify-model">
        {model ? (
          <>
            Model: <strong>{model.file}</strong> ·{' '}
            {formatParamCount(model.params)} · {model.meta.channels} channels,{' '}
            {model.meta.layers} cells · {model.meta.trainedEpochs} epoch
            {model.meta.trainedEpochs === 1 ? '' : 's'}
            {model.meta.testAccuracy !== null &&
              ` · ${(100 * model.meta.testAccuracy).toFixed(1)}% on test`}
          </>
        ) : trained ? (
          'Images are classified with the network retrained here.'
        ) : (
          <span className="muted">
            No model yet: retrain one above, or drop model files.
          </span>
        )}
      </p>
      {classifying && <p className="muted">Classifying…</p>}
      {classification && <ClassificationView result={classification} />}
    </section>
  );
}

function ClassificationView({ result }: { result: Classification }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const ranked = Array.from(result.probabilities, (p, c) => ({ p, c }))
    .sort((a, b) => b.p - a.p)
    .slice(0, TOP);

  useEffect(() => {
    const context = canvas.current?.getContext('2d');
    if (!context) return;
    const pixels = new Uint8ClampedArray(result.rgba);
    context.putImageData(new ImageData(pixels, 32, 32), 0, 0);
  }, [result]);

  return (
    <div className="classification" data-testid="classification">
      <figure className="preview">
        <canvas
          ref={canvas}
          width={32}
          height={32}
          data-testid="classify-preview"
          aria-label={`${result.file} as the network saw it, 32x32`}
        />
        <figcaption>{result.file}, as the network saw it (32x32)</figcaption>
      </figure>
      <ol className="top-classes" data-testid="top-classes">
        {ranked.map(({ p, c }) => (
          <li key={c} data-class={result.classNames[c] ?? c}>
            <span className="class-name">
              {result.classNames[c] ?? `class ${c}`}
            </span>
            <span className="prob-bar">
              <span style={{ width: `${(100 * p).toFixed(1)}%` }} />
            </span>
            <span className="prob">{(100 * p).toFixed(1)}%</span>
          </li>
        ))}
      </ol>
    </div>
  );
}
