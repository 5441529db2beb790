import { useState } from 'react';
import type { GenotypeEdge } from '../core/genotype';
import { genotypeToPython } from '../core/genotypePython';
import { useStudio } from '../store/studio';
import { OP_COLOURS } from '../views/palette';

/** The current genotype as text, its downloads, and importing a genotype file. */
export function GenotypePanel() {
  const genotype = useStudio((s) => s.genotype);
  const imported = useStudio((s) => s.imported);
  const runState = useStudio((s) => s.runState);
  const step = useStudio((s) => s.latest?.step ?? null);
  const { exportGenotype, importGenotype, pushError } = useStudio.getState();
  const [copied, setCopied] = useState(false);

  const shown = genotype ?? imported?.genotype ?? null;
  const source = genotype
    ? `derived at step ${step}`
    : imported
      ? `imported from ${imported.file}`
      : null;

  const download = async () => {
    const json = await exportGenotype();
    if (json === null) return;
    const url = URL.createObjectURL(
      new Blob([json], { type: 'application/json' }),
    );
    const link = document.createElement('a');
    link.href = url;
    link.download = 'genotype.json';
    document.body.append(link);
    link.click();
    link.remove();
    // The download has its own reference by now; free ours a little later.
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  };

  const copy = async () => {
    if (!shown) return;
    try {
      await navigator.clipboard.writeText(genotypeToPython(shown));
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    } catch {
      pushError({
        name: 'Clipboard',
        message:
          'Copy as Python: the browser refused clipboard access; select the Python line below and copy it',
      });
    }
  };

  return (
    <section className="panel genotype-panel" aria-labelledby="genotype-title">
      <h2 id="genotype-title">Genotype</h2>
      {shown ? (
        <>
          <p className="genotype-source">{source}</p>
          <div className="genotype-cells" data-testid="genotype-text">
            <CellText
              title="normal"
              edges={shown.normal}
              concat={shown.normalConcat}
            />
            <CellText
              title="reduce"
              edges={shown.reduce}
              concat={shown.reduceConcat}
            />
          </div>
          <details className="python">
            <summary>Python</summary>
            <code data-testid="genotype-python">{genotypeToPython(shown)}</code>
          </details>
        </>
      ) : (
        <p className="empty-state">
          The genotype appears with the first snapshot: the two strongest edges
          into each node, and their strongest op.
        </p>
      )}
      <div className="genotype-actions">
        <button
          type="button"
          className="primary"
          data-testid="download-genotype"
          disabled={runState === 'idle'}
          title={
            runState === 'idle'
              ? 'Start a search first'
              : 'The genotype of the current alphas'
          }
          onClick={() => void download()}
        >
          Download genotype JSON
        </button>
        <button type="button" disabled={!shown} onClick={() => void copy()}>
          {copied ? 'Copied' : 'Copy as Python'}
        </button>
        <label className="file-button">
          Import genotype JSON…
          <input
            type="file"
            accept=".json,application/json,.py,.txt"
            data-testid="import-genotype"
            onChange={(event) => {
              const file = event.target.files?.[0];
              if (file) void importGenotype(file);
              event.target.value = '';
            }}
          />
        </label>
      </div>
    </section>
  );
}

function CellText({
  title,
  edges,
  concat,
}: {
  title: string;
  edges: GenotypeEdge[];
  concat: number[];
}) {
  const nodes = Array.from({ length: edges.length / 2 }, (_, i) =>
    edges.slice(2 * i, 2 * i + 2),
  );
  return (
    <div className="cell-text" data-cell={title}>
      <h3>{title}</h3>
      <ol start={0}>
        {nodes.map((pair, i) => (
          <li key={i}>
            <span className="node-name">node {i}</span>
            {pair.map(([op, input], k) => (
              <span key={k} className="genotype-edge">
                <span
                  className="op-swatch"
                  style={{ background: OP_COLOURS[op] }}
                />
                {op} ← {inputName(input)}
              </span>
            ))}
          </li>
        ))}
      </ol>
      <p className="concat">concat {`[${concat.join(', ')}]`}</p>
    </div>
  );
}

function inputName(input: number): string {
  return input === 0
    ? 'c_{k-2}'
    : input === 1
      ? 'c_{k-1}'
      : `node ${input - 2}`;
}
